"""A grid's charts: the solved rate and the median solved epoch over two varied settings (heatmaps),
or over one (lines). Input: formats.grid_frame's table, one row per cell."""

from __future__ import annotations

import altair as alt
import pandas as pd

from aelab.charts.fonts import scaled

# What a grid chart shows: column -> (title, colour scheme, axis format)
GRID_FIGURES = {
    "solved_rate": ("Solved with distinct codes", "viridis", ".0%"),
    "median_solved_epoch": ("Median solved epoch", "plasma", ",.0f"),
}


def grid_charts(frame: pd.DataFrame, names: list[str], scale: float = 1.0) -> list[alt.Chart]:
    """One chart per figure: a heatmap over the first two varied settings (each value a category, in
    the grid's order), or lines over the only one. A cell where no seed solved has no median: blank."""
    return [_heatmap(frame, names, figure, scale) if len(names) >= 2 else _lines(frame, names[0], figure, scale)
            for figure in GRID_FIGURES]  # fmt: skip


def _axis(frame: pd.DataFrame, name: str) -> alt.X:
    return alt.X(f"{name}:O", sort=list(dict.fromkeys(frame[name])), title=name)


def _heatmap(frame: pd.DataFrame, names: list[str], figure: str, scale: float) -> alt.Chart:
    title, scheme, number = GRID_FIGURES[figure]
    x, y = names[0], names[1]
    base = alt.Chart(frame).encode(
        x=_axis(frame, x),
        y=alt.Y(f"{y}:O", sort=list(dict.fromkeys(frame[y])), title=y),
        tooltip=[*names, alt.Tooltip(f"{figure}:Q", title=title, format=number), "seeds:Q"],
    )
    cells = base.mark_rect().encode(color=alt.Color(f"{figure}:Q", title=title, scale=alt.Scale(scheme=scheme)))
    labels = base.mark_text(baseline="middle").encode(text=alt.Text(f"{figure}:Q", format=number))
    return scaled((cells + labels).properties(title=title, height=round(60 * frame[y].nunique() * scale)), scale)


def _lines(frame: pd.DataFrame, name: str, figure: str, scale: float) -> alt.Chart:
    title, _, number = GRID_FIGURES[figure]
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=_axis(frame, name),
            y=alt.Y(f"{figure}:Q", title=title, axis=alt.Axis(format=number)),
            tooltip=[name, alt.Tooltip(f"{figure}:Q", title=title, format=number), "seeds:Q"],
        )
        .properties(title=title, height=round(220 * scale))
    )
    return scaled(chart, scale)
