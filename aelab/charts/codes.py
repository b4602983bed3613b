"""The hidden code: a table of each pattern's bits, and the codes as points in the square or cube."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from aelab.activations import ACTIVATIONS
from aelab.analysis import CodeReport
from aelab.charts.fonts import LABEL, PAD, font_size, scaled
from aelab.results import RunResult


def code_frame(result: RunResult) -> pd.DataFrame:
    """One row per pattern: its bit-string code, whether it shares it, and its activations."""
    return code_table(result.code_report(), result.activations)


def code_table(report: CodeReport, activations: np.ndarray) -> pd.DataFrame:
    """code_frame of any (P, k) activations and their code report (a live view has no RunResult).

    The patterns that share a code come first, each group together, so that a table cut to a
    height shows them: they are what is left to solve."""
    shared = {index: group for group in report.collisions for index in group}
    table = pd.DataFrame(
        {
            "pattern": np.arange(len(report.codes)),
            "code": report.codes,
            "shares code with": [
                ", ".join(str(other) for other in shared[index] if other != index) if index in shared else ""
                for index in range(len(report.codes))
            ],
        }
    )
    for unit in range(min(activations.shape[1], 16)):
        table[f"h{unit}"] = activations[:, unit]
    shared_first = sorted(range(len(table)), key=lambda index: (index not in shared, shared.get(index, [index])[0]))
    return table.iloc[shared_first].reset_index(drop=True)


def scatter_pairs(units: int) -> list[tuple[int, int]]:
    """The pairs of hidden units the code scatter plots: k = 2 one, k = 3 the three projections."""
    return [(0, 1)] if units == 2 else [(0, 1), (0, 2), (1, 2)]


def code_scatter(
    activations: np.ndarray,
    activation: str,
    codes: Sequence[str],
    size: int = 210,
    named: bool = False,
    scale: float = 1.0,
) -> list[alt.LayerChart]:
    """Hidden vectors as points, one chart per pair of units (scatter_pairs), each with the corners of
    the square (cube) of binary codes marked and every point labelled with its pattern. Separate
    charts, so that a page can set them side by side or, on a phone, one under another. With
    `named`, each chart's points are left out, to be given as the named dataset "points<a><b>" (see
    charts.live). `scale` sizes the text (charts.fonts); the squares keep `size`, so that three
    fit a projector's width."""
    low, high = ACTIVATIONS[activation].corners(activations)
    panels = []
    for a, b in scatter_pairs(activations.shape[1]):
        points = pd.DataFrame(
            {"x": activations[:, a], "y": activations[:, b], "pattern": np.arange(len(activations)), "code": codes}
        )
        points = alt.NamedData(f"points{a}{b}") if named else points
        corners = pd.DataFrame({"x": [low, low, high, high], "y": [low, high, low, high]})
        axis_x = alt.X(
            "x:Q", title=f"h{a}", scale=alt.Scale(domain=[low - 0.1 * (high - low), high + 0.1 * (high - low)])
        )
        axis_y = alt.Y(
            "y:Q", title=f"h{b}", scale=alt.Scale(domain=[low - 0.1 * (high - low), high + 0.1 * (high - low)])
        )
        corner_marks = (
            alt.Chart(corners)
            .mark_point(shape="square", size=160, color="#9ca3af", filled=False)
            .encode(x=axis_x, y=axis_y)
        )
        dots = (
            alt.Chart(points)
            .mark_circle(size=110, opacity=0.85)
            .encode(
                x=axis_x,
                y=axis_y,
                # no colour legend: each point carries its pattern's number
                color=alt.Color("pattern:N", scale=alt.Scale(scheme="category20"), legend=None),
                tooltip=[
                    "pattern:N",
                    "code:N",
                    alt.Tooltip("x:Q", title=f"h{a}", format=".3f"),
                    alt.Tooltip("y:Q", title=f"h{b}", format=".3f"),
                ],
            )
        )
        labels = (
            alt.Chart(points)
            .mark_text(dx=9 * scale, dy=-9 * scale, fontSize=font_size(LABEL + 1, scale))
            .encode(x=axis_x, y=axis_y, text="pattern:N")
        )
        panel = (corner_marks + dots + labels).properties(
            width=size,
            height=size,
            title=f"h{a} against h{b}",
            autosize=PAD,  # a page would squeeze it to fit
        )
        panels.append(scaled(panel, scale))
    return panels
