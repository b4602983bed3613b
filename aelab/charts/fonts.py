"""Chart text that scales with the page's text: every builder takes `scale` (1: Vega-Lite's own sizes),
and lesson mode passes LESSON_SCALE so that no chart label is smaller than 16 px on a projector."""

from __future__ import annotations

from typing import TypeVar

import altair as alt

# Vega-Lite's default sizes in px: the smallest (axis and legend labels, a heatmap cell's number) is 10.
LABEL, AXIS_TITLE, CHART_TITLE = 10, 11, 13
LESSON_SCALE = 1.6  # 10 px labels become 16 px

Chart = TypeVar("Chart", bound=alt.TopLevelMixin)
# A chart's width and height size its plot, axes and legends come on top (a page would otherwise squeeze
# a square plot to fit its labels).
PAD = alt.AutoSizeParams(type="pad")


def font_size(base: float, scale: float) -> float:
    return round(base * scale, 1)


def font_config(scale: float) -> dict:
    """A Vega-Lite `config` sizing axis, legend, facet header and chart-title text by `scale`; empty at
    scale 1, so that the page's own chart theme stays as it is."""
    if scale == 1:
        return {}
    labels = {"labelFontSize": font_size(LABEL, scale), "titleFontSize": font_size(AXIS_TITLE, scale)}
    return {
        "axis": labels,
        "legend": {**labels, "symbolSize": font_size(100, scale * scale)},  # symbol size is an area
        "header": labels,
        "title": {"fontSize": font_size(CHART_TITLE, scale)},
    }


def scaled(chart: Chart, scale: float) -> Chart:
    """`chart` (a top-level chart) with its text sized by `scale`; this sets the chart's whole config."""
    return chart.configure(**font_config(scale)) if scale != 1 else chart
