"""A grid's charts: the solved rate and the median solved epoch over two varied settings (heatmaps),
or over one (lines). Input: formats.grid_frame's table, one row per cell."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import altair as alt
import pandas as pd

from aelab.charts.curves import PERCENT_AXIS
from aelab.charts.fonts import LABEL, font_size, scaled
from aelab.config import setting_name
from aelab.grid import value_text
from aelab.report import epoch_statistic, percent


class GridFigure(NamedTuple):
    """What a grid chart shows of one column. Its cells' text and tooltips are `text`'s, the page's own (the
    cell picker's "99.5% solved", the sweep's median epoch: a share that is neither all nor nothing never
    reads 100% or 0%); the legend or axis writes the scale's round ticks on the same scale with `number`."""

    title: str
    scheme: str  # the heatmap's colours
    number: str  # a d3 format: the legend's (heatmap) or the y axis's (lines)
    text: Callable[[float], str]


GRID_FIGURES = {
    "solved_rate": GridFigure("Solved with distinct codes", "viridis", PERCENT_AXIS, percent),
    "median_solved_epoch": GridFigure("Median solved epoch", "plasma", ",.0f", epoch_statistic),
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
    for figure, shape in GRID_FIGURES.items():
        shown[_text(figure)] = [None if pd.isna(value) else shape.text(value) for value in frame[figure]]
    return [_heatmap(shown, names, figure, scale) if len(names) >= 2 else _lines(shown, names[0], figure, scale)
            for figure in GRID_FIGURES]  # fmt: skip


def _axis(frame: pd.DataFrame, name: str) -> alt.X:
    order = list(dict.fromkeys(frame[name]))
    return alt.X(f"{name}:O", sort=order, title=setting_name(name), axis=alt.Axis(labelAngle=0))


def _title(title: str) -> dict:
    padding = {"top": TOP, "left": 5, "right": 5, "bottom": 5}
    return {"title": alt.TitleParams(title, anchor="start"), "padding": padding, "autosize": FIT_WIDTH}


def _text(figure: str) -> str:
    """The column of a figure's text (None where it has no value)."""
    return f"{figure}_text"


def _missing(figure: str) -> str:
    return f"!isValid(datum['{figure}'])"


def _middle(figures: pd.Series) -> float:
    """Halfway along the colour scale: the schemes run dark to light, so text is white below it."""
    shown = figures.dropna()
    return float(shown.min() + shown.max()) / 2 if len(shown) else 0.0


def _heatmap(frame: pd.DataFrame, names: list[str], figure: str, scale: float) -> alt.Chart:
    title, scheme, number, _ = GRID_FIGURES[figure]
    x, y = names[0], names[1]
    base = alt.Chart(frame).encode(
        x=_axis(frame, x),
        y=alt.Y(f"{y}:O", sort=list(dict.fromkeys(frame[y])), title=setting_name(y)),
        tooltip=[*names, alt.Tooltip(f"{_text(figure)}:N", title=title), "seeds:Q"],
    )
    legend = alt.Legend(format=number)  # the cells' scale, written as their text is
    cells = base.mark_rect().encode(
        color=alt.Color(f"{figure}:Q", title=title, scale=alt.Scale(scheme=scheme), legend=legend)
    )
    ink = alt.condition(f"datum['{figure}'] < {_middle(frame[figure])}", alt.value("white"), alt.value("black"))
    text = {"baseline": "middle", "fontSize": font_size(LABEL + 1, scale)}
    labels = base.mark_text(**text).encode(text=alt.Text(f"{_text(figure)}:N"), color=ink)
    never = base.transform_filter(_missing(figure))
    layers = [cells, labels, never.mark_rect(color=NEVER_COLOUR), never.mark_text(text=NEVER, **text)]
    height = round(60 * frame[y].nunique() * scale)
    return scaled(alt.layer(*layers).properties(height=height, **_title(title)), scale)


def _lines(frame: pd.DataFrame, name: str, figure: str, scale: float) -> alt.Chart:
    title, _, number, _ = GRID_FIGURES[figure]
    base = alt.Chart(frame).encode(x=_axis(frame, name))
    line = base.mark_line(point=True).encode(
        y=alt.Y(f"{figure}:Q", title=title, axis=alt.Axis(format=number)),
        tooltip=[name, alt.Tooltip(f"{_text(figure)}:N", title=title), "seeds:Q"],
    )
    # at the foot of the axis, where a line of epochs has no point
    never = base.transform_filter(_missing(figure)).encode(y=alt.datum(0), tooltip=[name, "seeds:Q"])
    text = never.mark_text(dy=-12 * scale, text=NEVER, color="gray", fontSize=font_size(LABEL + 1, scale))
    layers = [line, never.mark_point(shape="cross", color=NEVER_COLOUR, size=80 * scale * scale, filled=True), text]
    return scaled(alt.layer(*layers).properties(height=round(220 * scale), **_title(title)), scale)
