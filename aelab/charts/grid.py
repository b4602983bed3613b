"""A grid's charts: the solved rate and the median solved epoch over two varied settings (heatmaps),
or over one (lines). Input: formats.grid_frame's table, one row per cell."""

from __future__ import annotations

import altair as alt
import pandas as pd

from aelab.charts.fonts import LABEL, font_size, scaled
from aelab.grid import value_text

# What a grid chart shows: column -> (title, colour scheme, axis format)
GRID_FIGURES = {
    "solved_rate": ("Solved with distinct codes", "viridis", ".0%"),
    "median_solved_epoch": ("Median solved epoch", "plasma", ",.0f"),
}
NEVER = "never"  # a cell where no seed solved has no median epoch: it is marked so, never left blank
NEVER_COLOUR = "#bdbdbd"
TOP = 12  # px above the title, which the page would otherwise clip
# the width fits the page; the height sizes the plot, the title and axes come on top (the page would
# otherwise squeeze three heatmap rows into the height)
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def grid_charts(frame: pd.DataFrame, names: list[str], scale: float = 1.0) -> list[alt.Chart]:
    """One chart per figure: a heatmap over the first two varied settings (each value a category, in
    the grid's order, written as the cell picker writes it), or lines over the only one. A cell with
    no figure (no seed solved: no median) reads `never`."""
    shown = frame.assign(**{name: frame[name].map(value_text) for name in names})
    return [_heatmap(shown, names, figure, scale) if len(names) >= 2 else _lines(shown, names[0], figure, scale)
            for figure in GRID_FIGURES]  # fmt: skip


def _axis(frame: pd.DataFrame, name: str) -> alt.X:
    return alt.X(f"{name}:O", sort=list(dict.fromkeys(frame[name])), title=name, axis=alt.Axis(labelAngle=0))


def _title(title: str) -> dict:
    padding = {"top": TOP, "left": 5, "right": 5, "bottom": 5}
    return {"title": alt.TitleParams(title, anchor="start"), "padding": padding, "autosize": FIT_WIDTH}


def _missing(figure: str) -> str:
    return f"!isValid(datum['{figure}'])"


def _middle(figures: pd.Series) -> float:
    """Halfway along the colour scale: the schemes run dark to light, so text is white below it."""
    shown = figures.dropna()
    return float(shown.min() + shown.max()) / 2 if len(shown) else 0.0


def _heatmap(frame: pd.DataFrame, names: list[str], figure: str, scale: float) -> alt.Chart:
    title, scheme, number = GRID_FIGURES[figure]
    x, y = names[0], names[1]
    base = alt.Chart(frame).encode(
        x=_axis(frame, x),
        y=alt.Y(f"{y}:O", sort=list(dict.fromkeys(frame[y])), title=y),
        tooltip=[*names, alt.Tooltip(f"{figure}:Q", title=title, format=number), "seeds:Q"],
    )
    cells = base.mark_rect().encode(color=alt.Color(f"{figure}:Q", title=title, scale=alt.Scale(scheme=scheme)))
    ink = alt.condition(f"datum['{figure}'] < {_middle(frame[figure])}", alt.value("white"), alt.value("black"))
    text = {"baseline": "middle", "fontSize": font_size(LABEL + 1, scale)}
    labels = base.mark_text(**text).encode(text=alt.Text(f"{figure}:Q", format=number), color=ink)
    never = base.transform_filter(_missing(figure))
    layers = [cells, labels, never.mark_rect(color=NEVER_COLOUR), never.mark_text(text=NEVER, **text)]
    height = round(60 * frame[y].nunique() * scale)
    return scaled(alt.layer(*layers).properties(height=height, **_title(title)), scale)


def _lines(frame: pd.DataFrame, name: str, figure: str, scale: float) -> alt.Chart:
    title, _, number = GRID_FIGURES[figure]
    base = alt.Chart(frame).encode(x=_axis(frame, name))
    line = base.mark_line(point=True).encode(
        y=alt.Y(f"{figure}:Q", title=title, axis=alt.Axis(format=number)),
        tooltip=[name, alt.Tooltip(f"{figure}:Q", title=title, format=number), "seeds:Q"],
    )
    # at the foot of the axis, where a line of epochs has no point
    never = base.transform_filter(_missing(figure)).encode(y=alt.datum(0), tooltip=[name, "seeds:Q"])
    text = never.mark_text(dy=-12 * scale, text=NEVER, color="gray", fontSize=font_size(LABEL + 1, scale))
    layers = [line, never.mark_point(shape="cross", color=NEVER_COLOUR, size=80 * scale * scale, filled=True), text]
    return scaled(alt.layer(*layers).properties(height=round(220 * scale), **_title(title)), scale)
