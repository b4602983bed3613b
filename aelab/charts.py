"""Pure chart builders: results in, `alt.Chart` out (testable through `chart.to_dict()`).

Nothing here touches streamlit; the page decides where a chart goes. Charts
stay small on purpose: histories are thinned to a few thousand points and
matrices larger than `MAX_HEATMAP_CELLS` are drawn as images instead (see
`heatmap_image`), so the browser never receives a million-cell chart.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from aelab import analysis
from aelab.results import METRICS, RunResult

MAX_HEATMAP_CELLS = 4096  # above this a matrix is drawn as an image
MAX_HISTORY_POINTS = 1500  # per run and metric

METRIC_TITLES = {
    "loss": "Loss",
    "accuracy": "Argmax accuracy",
    "bits_correct": "Output bits right (40-20-40)",
    "distinct_codes": "Distinct binary codes",
}
SEQUENTIAL = "viridis"
DIVERGING = "redblue"


def thin_indices(length: int, max_points: int = MAX_HISTORY_POINTS) -> np.ndarray:
    """Evenly spread indices into a history of `length`, always keeping the first and last."""
    if length <= max_points:
        return np.arange(length)
    return np.unique(np.round(np.linspace(0, length - 1, max_points)).astype(int))


def history_frame(runs: Sequence[tuple[str, RunResult]], max_points: int = MAX_HISTORY_POINTS) -> pd.DataFrame:
    """Long format: one row per (run, metric, epoch)."""
    frames = []
    for label, result in runs:
        keep = thin_indices(len(result.history["epoch"]), max_points)
        for metric in METRICS:
            frames.append(
                pd.DataFrame(
                    {
                        "run": label,
                        "metric": METRIC_TITLES[metric],
                        "epoch": result.history["epoch"][keep],
                        "value": result.history[metric][keep].astype(float),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def solved_frame(runs: Sequence[tuple[str, RunResult]]) -> pd.DataFrame:
    """One row per solved marker: when the outputs were solved, and when the code was too."""
    rows = []
    for label, result in runs:
        for what, epoch in (("outputs solved", result.output_solved_epoch), ("codes solved", result.solved_epoch)):
            if epoch is not None:
                rows.append({"run": label, "marker": what, "epoch": epoch})
    return pd.DataFrame(rows, columns=["run", "marker", "epoch"])


def history_chart(runs: Sequence[tuple[str, RunResult]], log_loss: bool = True) -> alt.VConcatChart:
    """Loss, accuracy, bits right and distinct codes over epochs, one colour per run,
    with the solved epochs marked as vertical rules (dashed: outputs, solid: codes)."""
    data = history_frame(runs)
    markers = solved_frame(runs)
    run_order = [label for label, _ in runs]
    color = alt.Color(
        "run:N", title="Run", sort=run_order, legend=alt.Legend(orient="bottom", columns=1, labelLimit=420)
    )
    panels = []
    for metric in METRICS:
        title = METRIC_TITLES[metric]
        log = log_loss and metric == "loss"
        y_scale = alt.Scale(type="log") if log else alt.Scale(zero=metric != "loss")
        lines = (
            alt.Chart(data[data["metric"] == title])
            .mark_line(strokeWidth=2)
            .encode(
                x=alt.X("epoch:Q", title="Epoch"),
                y=alt.Y("value:Q", title=title + (" (log)" if log else ""), scale=y_scale),
                color=color,
                tooltip=[
                    alt.Tooltip("run:N"),
                    alt.Tooltip("epoch:Q"),
                    alt.Tooltip("value:Q", title=title, format=".4~g"),
                ],
            )
        )
        rules = (
            alt.Chart(markers)
            .mark_rule(opacity=0.7)
            .encode(
                x="epoch:Q",
                color=color,
                strokeDash=alt.StrokeDash(
                    "marker:N",
                    title="Solved at",
                    sort=["outputs solved", "codes solved"],
                    scale=alt.Scale(domain=["outputs solved", "codes solved"], range=[[4, 3], [1, 0]]),
                ),
                tooltip=["run:N", "marker:N", "epoch:Q"],
            )
        )
        panels.append((lines + rules).properties(width=330, height=190, title=title))
    top = alt.hconcat(panels[0], panels[1])
    bottom = alt.hconcat(panels[2], panels[3])
    return (
        alt.vconcat(top, bottom)
        .resolve_scale(color="shared", strokeDash="shared")
        .configure_legend(orient="bottom", direction="vertical")
    )


def live_loss_chart(result: RunResult, max_points: int = 600) -> alt.Chart:
    """A light loss-only chart for redrawing while training runs."""
    keep = thin_indices(len(result.history["epoch"]), max_points)
    data = pd.DataFrame({"epoch": result.history["epoch"][keep], "loss": result.history["loss"][keep]})
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("epoch:Q", title="Epoch", scale=alt.Scale(domain=[0, result.config.epochs])),
            y=alt.Y("loss:Q", title="Loss (log)", scale=alt.Scale(type="log")),
            tooltip=["epoch:Q", alt.Tooltip("loss:Q", format=".4~g")],
        )
        .properties(height=220)
    )


def matrix_frame(matrix: np.ndarray, row_name: str, column_name: str) -> pd.DataFrame:
    rows, columns = np.indices(matrix.shape)
    return pd.DataFrame({row_name: rows.ravel(), column_name: columns.ravel(), "value": matrix.ravel()})


def heatmap(
    matrix: np.ndarray,
    *,
    row: str,
    column: str,
    title: str = "",
    domain: tuple[float, float] | None = None,
    scheme: str = SEQUENTIAL,
    cell: int = 24,
    text: bool = False,
) -> alt.Chart:
    """A matrix as coloured cells, values on hover (and printed in the cell when `text`)."""
    data = matrix_frame(np.asarray(matrix, dtype=float), row, column)
    scale = alt.Scale(scheme=scheme, domain=list(domain)) if domain else alt.Scale(scheme=scheme)
    base = alt.Chart(data).encode(
        x=alt.X(f"{column}:O", title=column),
        y=alt.Y(f"{row}:O", title=row),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=scale, title=None),
        tooltip=[f"{row}:O", f"{column}:O", alt.Tooltip("value:Q", format=".3f")],
    )
    layers = cells
    if text:
        labels = base.mark_text(fontSize=10).encode(
            # labels must fit a 24 px cell: weights (diverging) get one decimal, values in [-1, 1] two
            text=alt.Text("value:Q", format=".1f" if scheme == DIVERGING else ".2~f"),
            color=alt.condition(_light_cell(scheme, domain), alt.value("black"), alt.value("white")),
        )
        layers = cells + labels
    rows, columns = matrix.shape
    return layers.properties(
        autosize=alt.AutoSizeParams(type="pad"),  # width/height size the cells; axes and legend come on top
        title=title,
        width=max(min(columns * cell, 640), 60),
        height=max(min(rows * cell, 640), 40),
    )


def _light_cell(scheme: str, domain: tuple[float, float] | None) -> str:
    """A Vega expression true where the cell colour is light, so its label is drawn dark."""
    low, high = domain if domain else (0.0, 1.0)
    if scheme == DIVERGING:  # white in the middle, dark at both ends
        return f"abs(datum.value) < {0.6 * max(abs(low), abs(high))}"
    return f"datum.value > {low + 0.6 * (high - low)}"  # viridis: dark purple to light yellow


def diverging_domain(*matrices: np.ndarray) -> tuple[float, float]:
    """A colour domain symmetric around 0 that covers every finite value given."""
    finite = [np.abs(m[np.isfinite(m)]) for m in matrices]
    largest = max((float(values.max()) for values in finite if values.size), default=1.0)
    largest = largest or 1.0
    return -largest, largest


def heatmap_image(matrix: np.ndarray, domain: tuple[float, float], scheme: str = SEQUENTIAL) -> np.ndarray:
    """A matrix as an RGB uint8 image (one pixel per cell), for matrices too big for a chart."""
    low, high = domain
    unit = np.clip((np.nan_to_num(matrix, nan=low) - low) / (high - low), 0.0, 1.0)
    anchors = _IMAGE_SCHEMES[scheme]
    positions = np.linspace(0.0, 1.0, len(anchors))
    channels = [np.interp(unit, positions, anchors[:, c]) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.uint8)


# A few anchor colours per scheme, interpolated linearly (close to Vega's schemes of the same name).
_IMAGE_SCHEMES = {
    "viridis": np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=float),
    "redblue": np.array([[103, 0, 31], [214, 96, 77], [247, 247, 247], [67, 147, 195], [5, 48, 97]], dtype=float),
}


def code_table(result: RunResult) -> pd.DataFrame:
    """One row per pattern: its bit-string code, whether it shares it, and its activations."""
    report = result.code_report()
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
    for unit in range(min(result.hidden.shape[1], 16)):
        table[f"h{unit}"] = result.hidden[:, unit]
    return table


def code_scatter(
    hidden: np.ndarray, activation: str, codes: Sequence[str], title: str = "", size: int = 210
) -> alt.Chart:
    """Hidden vectors as points: k = 2 one panel, k = 3 the three pairwise projections,
    with the corners of the square (cube) of binary codes marked."""
    units = hidden.shape[1]
    pairs = [(0, 1)] if units == 2 else [(0, 1), (0, 2), (1, 2)]
    low, high = _corner_values(activation, hidden)
    panels = []
    for a, b in pairs:
        points = pd.DataFrame({"x": hidden[:, a], "y": hidden[:, b], "pattern": np.arange(len(hidden)), "code": codes})
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
                color=alt.Color("pattern:N", title="Pattern", scale=alt.Scale(scheme="category20")),
                tooltip=[
                    "pattern:N",
                    "code:N",
                    alt.Tooltip("x:Q", title=f"h{a}", format=".3f"),
                    alt.Tooltip("y:Q", title=f"h{b}", format=".3f"),
                ],
            )
        )
        labels = alt.Chart(points).mark_text(dx=9, dy=-9, fontSize=11).encode(x=axis_x, y=axis_y, text="pattern:N")
        panels.append((corner_marks + dots + labels).properties(width=size, height=size, title=f"h{a} against h{b}"))
    return alt.hconcat(*panels).properties(title=title)


def _corner_values(activation: str, hidden: np.ndarray) -> tuple[float, float]:
    """Where the binary corners sit for this activation (bounded ranges, else the data's spread)."""
    if activation == "sigmoid":
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    finite = hidden[np.isfinite(hidden)]
    threshold = analysis.code_threshold(activation)
    return min(threshold, float(finite.min(initial=0.0))), max(threshold + 1.0, float(finite.max(initial=1.0)))


def solved_histogram(solved_epochs: Sequence[int | None]) -> alt.Chart:
    """How many seeds solved (outputs and distinct codes) by when."""
    reached = pd.DataFrame({"epoch": [epoch for epoch in solved_epochs if epoch is not None]})
    return (
        alt.Chart(reached)
        .mark_bar()
        .encode(
            x=alt.X("epoch:Q", bin=alt.Bin(maxbins=30), title="Epoch solved (outputs and distinct codes)"),
            y=alt.Y("count():Q", title="Seeds"),
            tooltip=[alt.Tooltip("count():Q", title="seeds"), alt.Tooltip("epoch:Q", bin=alt.Bin(maxbins=30))],
        )
        .properties(height=240)
    )
