"""Charts over epochs: training curves with solved markers, the live loss, the sweep's histogram."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import cache

import altair as alt
import numpy as np
import pandas as pd

from aelab.active_settings import difference_labels
from aelab.charts.fonts import LABEL, font_config, font_size, scaled
from aelab.config import Config, describe_changes
from aelab.report import percent
from aelab.results import MAX_HISTORY_POINTS, METRICS, RunResult, thin_indices

METRIC_TITLES = {
    "loss": "Loss",
    "accuracy": "Argmax accuracy",
    "bits_correct": "Output bits right (40-20-40)",
    "distinct_codes": "Distinct binary codes",
}
# The metrics that are shares: their axis is in % (the page's figures beside the charts give them so), and
# their tooltip is the page's own text for a share (report.percent), in history_frame's `shown` column.
PERCENT_METRICS = ("accuracy", "bits_correct")
PERCENT_AXIS = ".0%"


def shown_metrics(results: Sequence[RunResult]) -> tuple[str, ...]:
    """The METRICS that mean something for every one of `results`: argmax accuracy only where each pattern
    has one target unit (one-hot), bits right and distinct codes only where the targets are binary; the
    loss always."""
    if not all(result.data.binary for result in results):
        return ("loss",)
    if not all(result.config.data == "one_hot" for result in results):
        return ("loss", "bits_correct", "distinct_codes")
    return METRICS


def history_frame(runs: Sequence[tuple[str, RunResult]], max_points: int = MAX_HISTORY_POINTS) -> pd.DataFrame:
    """Long format: one row per (run, metric, epoch); `shown` is a share's value as a percent (None for the
    other metrics)."""
    frames = []
    for label, result in runs:
        keep = thin_indices(len(result.history["epoch"]), max_points)
        for metric in METRICS:
            values = result.history[metric][keep].astype(float)
            shown = _percents(values) if metric in PERCENT_METRICS else None
            frames.append(
                pd.DataFrame(
                    {
                        "run": label,
                        "metric": METRIC_TITLES[metric],
                        "epoch": result.history["epoch"][keep],
                        "value": values,
                        "shown": shown,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _percents(values: np.ndarray) -> list[str | None]:
    """report.percent of each value (None where not finite), worked out once per distinct value: a share of
    P patterns or P x N bits takes few values over a history."""
    texts = {value: percent(value) for value in np.unique(values[np.isfinite(values)]).tolist()}
    return [texts.get(value) for value in values.tolist()]


# name -> stroke dash
MARKERS = {"outputs solved": [4, 3], "codes solved": [1, 0], "restart": [1, 4], "setting changed": [8, 3, 1, 3]}


def solved_frame(runs: Sequence[tuple[str, RunResult]]) -> pd.DataFrame:
    """One row per marker: when the outputs were solved, when the code was too, each restart, and each
    setting changed while the run was paused (`detail` says what changed)."""
    rows = []
    for label, result in runs:
        for what, epoch in (("outputs solved", result.output_solved_epoch), ("codes solved", result.solved_epoch)):
            if epoch is not None:
                rows.append({"run": label, "marker": what, "epoch": epoch, "detail": ""})
        rows += [{"run": label, "marker": "restart", "epoch": epoch, "detail": ""} for epoch in result.restarts]
        rows += [
            {"run": label, "marker": "setting changed", "epoch": epoch, "detail": describe_changes(changed)}
            for epoch, changed in result.changes
        ]
    return pd.DataFrame(rows, columns=["run", "marker", "epoch", "detail"])


def floor_frame(runs: Sequence[tuple[str, RunResult]]) -> pd.DataFrame:
    """Each run's PCA floor on its loss's scale (aelab.pca), where it is drawn: runs on patterns other than
    one-hot, or with linear outputs, whose loss is squared error and whose floor is above 0."""
    rows = []
    for name, result in runs:
        config = result.config
        if config.data != "one_hot" or config.output_layer == "linear":
            floor = result.reconstruction()["pca_floor"]
            if floor:
                rows.append((name, floor))
    return pd.DataFrame(rows, columns=["run", "floor"])


def history_charts(runs: Sequence[tuple[str, RunResult]], log_loss: bool = True, scale: float = 1.0) -> list[dict]:
    """Loss, accuracy, bits right and distinct codes over epochs (those of shown_metrics), one Vega-Lite
    spec each (so that a page can set them side by side, or one under another on a phone), one colour
    per run, with the solved epochs marked as vertical rules (dashed: outputs, solid: codes); the last
    two carry the legends, the marks' under the last but one and the runs' under the last (side by side
    they would not fit one chart's width; a lone chart carries both); the loss chart draws each run's
    PCA floor where floor_frame has one. Each layout
    is built through Altair once per metric and scale (that costs about 0.1 s);
    each call only hands it the runs' data, as the named datasets "history" and "markers".
    `scale` sizes the text (charts.fonts)."""
    history, markers, floors = history_frame(runs), solved_frame(runs), floor_frame(runs)
    specs = []
    metrics = shown_metrics([result for _, result in runs])
    for index, metric in enumerate(metrics):
        legend = "both" if len(metrics) == 1 else {len(metrics) - 2: "marks", len(metrics) - 1: "runs"}.get(index)
        spec = copy.deepcopy(_history_layout(metric, log_loss, legend, scale))
        rows = history[history["metric"] == METRIC_TITLES[metric]].reset_index(drop=True)
        spec["datasets"] = {"history": rows, "markers": markers}
        if metric == "loss":
            spec["datasets"]["floors"] = floors
            if log_loss:  # ticks at even steps (1, 2, 5 times a power of ten) over the data, no decade beyond it
                values = np.concatenate([rows["value"].to_numpy(float), floors["floor"].to_numpy(float)])
                spec["layer"][0]["encoding"]["y"]["axis"] = {"values": log_ticks(values)}
        specs.append(spec)
    return specs


def log_ticks(values: np.ndarray) -> list[float]:
    """Tick values for a log axis over the positive finite `values`: the powers of ten within their range,
    with 2 and 5 times them added while there are fewer than 3 ticks, so steps are even."""
    positive = values[np.isfinite(values) & (values > 0)]
    if not positive.size:
        return []
    low, high = float(positive.min()), float(positive.max())
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    for steps in ((1,), (1, 2, 5), (1, 2, 3, 5, 7)):
        ticks = [float(f"{step}e{power}") for power in decades for step in steps]
        ticks = [tick for tick in ticks if low <= tick <= high]
        if len(ticks) >= 3:
            return ticks
    return ticks


def run_labels(configs: Sequence[Config], current: int | None = None) -> list[str]:
    """Legend labels for runs shown together: "#1 ..." in order, "current: ..." for the run at
    `current`, each naming only the settings that differ between the runs (active_settings); one run
    alone is named by its whole description."""
    differences = [configs[0].describe()] if len(configs) == 1 else difference_labels(configs)
    return [
        f"current: {text}" if index == current else f"#{index + 1} {text}" for index, text in enumerate(differences)
    ]


@cache
def _history_layout(metric: str, log_loss: bool, legend: str | None, scale: float) -> dict:
    # Runs are coloured in the order of their labels ("#1 ...", "#2 ..." for pins, then "current: ...").
    runs_legend = alt.Legend(orient="bottom", direction="vertical", columns=1, labelLimit=420)
    runs = runs_legend if legend in ("runs", "both") else None
    color = alt.Color("run:N", title="Run", sort="ascending", legend=runs)
    title = METRIC_TITLES[metric]
    log = log_loss and metric == "loss"
    y_scale = alt.Scale(type="log", nice=False) if log else alt.Scale(zero=metric != "loss")  # no decade past the data
    share = metric in PERCENT_METRICS
    value_tip = alt.Tooltip("shown:N", title=title) if share else alt.Tooltip("value:Q", title=title, format=".4~g")
    lines = (
        alt.Chart(alt.NamedData("history"))
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("epoch:Q", title="Epoch", scale=alt.Scale(nice=False)),  # ends where the runs ended
            # the chart's title names it
            y=alt.Y(
                "value:Q", title=None, scale=y_scale, axis=alt.Axis(format=PERCENT_AXIS) if share else alt.Undefined
            ),
            color=color,
            tooltip=[alt.Tooltip("run:N"), alt.Tooltip("epoch:Q"), value_tip],
        )
    )
    rules = (
        alt.Chart(alt.NamedData("markers"))
        .mark_rule(opacity=0.7)
        .encode(
            x="epoch:Q",
            color=color,
            strokeDash=alt.StrokeDash(
                "marker:N",
                title="Marks",
                sort=list(MARKERS),
                scale=alt.Scale(domain=list(MARKERS), range=list(MARKERS.values())),
                legend=alt.Legend(orient="bottom", direction="vertical") if legend in ("marks", "both") else None,
            ),
            tooltip=["run:N", "marker:N", "epoch:Q", alt.Tooltip("detail:N", title="changed")],
        )
    )
    layers = lines + rules
    if metric == "loss":  # the PCA floor as a dotted level line (floor_frame)
        floor = alt.Chart(alt.NamedData("floors")).mark_rule(strokeDash=[2, 2], opacity=0.8)
        tip = [alt.Tooltip("run:N"), alt.Tooltip("floor:Q", title="PCA floor (best linear map's loss)", format=".4~g")]
        layers += floor.encode(y="floor:Q", color=color, tooltip=tip)
        label = alt.Chart(alt.NamedData("floors")).mark_text(
            align="right", baseline="bottom", dx=-2, dy=-2, fontSize=font_size(LABEL + 1, scale)
        )
        text = alt.value("PCA floor (best linear map)")  # a floor for linear nets only: others may go under
        layers += label.encode(y="floor:Q", x=alt.value("width"), text=text, color=color)
    chart = layers.properties(
        # the page sets the width (two charts a row, one on a phone); the height is the plot's own
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        height=round(190 * scale),
        title=title + (" (log scale)" if log else ""),
    )
    return scaled(chart, scale).to_dict()


def live_loss_spec(epochs: np.ndarray, loss: np.ndarray, total_epochs: int | None, scale: float = 1.0) -> dict:
    """A light loss-only chart for redrawing while training runs (`Progress.curve` gives its points),
    written as a Vega-Lite spec: building it through Altair would cost the training thread ~30 ms
    at every redraw. The x axis runs to `total_epochs`, or (None: a run that may stop when solved)
    ends where the run is. `scale` sizes its text (charts.fonts)."""
    values = [{"epoch": int(epoch), "loss": float(value)} for epoch, value in zip(epochs, loss, strict=True)]
    x_scale = {"domain": [0, total_epochs]} if total_epochs else {"domainMin": 0, "nice": False}
    return {
        "data": {"values": values},
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {
            "x": {"field": "epoch", "type": "quantitative", "title": "Epoch", "scale": x_scale},
            "y": {  # as the training curves' loss: even ticks over the data, no decade beyond it
                "field": "loss",
                "type": "quantitative",
                "title": "Loss (log)",
                "scale": {"type": "log", "nice": False},
                "axis": {"values": log_ticks(np.asarray(loss, dtype=float))},
            },
            "tooltip": [
                {"field": "epoch", "type": "quantitative"},
                {"field": "loss", "type": "quantitative", "format": ".4~g"},
            ],
        },
        "height": 220,
    } | ({"config": font_config(scale)} if scale != 1 else {})


def solved_histogram(solved_epochs: Sequence[int | None], scale: float = 1.0) -> alt.Chart:
    """How many seeds solved (outputs and distinct codes) by when; `scale` sizes the text (charts.fonts)."""
    reached = pd.DataFrame({"epoch": [epoch for epoch in solved_epochs if epoch is not None]})
    chart = (
        alt.Chart(reached)
        .mark_bar()
        .encode(
            x=alt.X("epoch:Q", bin=alt.Bin(maxbins=30), title="Epoch solved (outputs and distinct codes)"),
            y=alt.Y("count():Q", title="Seeds"),
            tooltip=[alt.Tooltip("count():Q", title="seeds"), alt.Tooltip("epoch:Q", bin=alt.Bin(maxbins=30))],
        )
        .properties(height=round(240 * scale))
    )
    return scaled(chart, scale)
