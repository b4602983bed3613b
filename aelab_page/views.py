"""The views of one run: training curves, reconstructions, the hidden code, the weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from aelab import analysis, charts
from aelab.activations import ACTIVATIONS
from aelab.config import min_code_bits
from aelab.results import RunResult
from aelab_page.lesson import chart_scale, current_lesson, table_size
from aelab_page.pattern_views import code_plane_view, image_reconstructions
from aelab_page.probe import probe_view

MAX_PINNED = 5
STRETCH_ABOVE = 240  # px: a heatmap wider than this is fitted to its column
LESSON_TABLE_COLUMNS = ["pattern", "code", "shares code with"]  # the activations are in the heatmap beside it
LESSON_WHOLE_ROWS = 16  # lesson mode shows a code table of up to this many patterns whole
MAX_SHOWN_PATTERNS = 64  # a view of the patterns shows at most this many of them, evenly spread


def show_matrix(matrix: np.ndarray, **options) -> None:
    """A matrix as charts.matrix_view decides: a heatmap chart, or an image when it is large."""
    view = charts.matrix_view(matrix, scale=chart_scale(), **options)
    if view.chart is not None:
        show_heatmap(view.chart.to_dict())
    else:
        st.image(view.image, caption=view.caption, width=view.width)  # at most MAX_IMAGE_SIDE px high


def shown_patterns(result: RunResult) -> tuple[np.ndarray, str]:
    """The patterns a view of every pattern shows (all, or MAX_SHOWN_PATTERNS of them evenly spread) and a
    sentence saying which, empty when all are shown."""
    count = len(result.targets)
    rows = charts.sample_rows(count, MAX_SHOWN_PATTERNS)
    if len(rows) == count:
        return rows, ""
    return rows, f"Shown: {len(rows)} of the {count:,} patterns, every {rows[1] - rows[0]}th (pattern {rows[0]} on)."


def show_heatmap(spec: dict) -> None:
    """A heatmap's Vega-Lite spec at its own size or, when wider than STRETCH_ABOVE, fitted to its
    column with its axes (narrower cells), so that it never spills out of the column sideways."""
    if spec.get("width", 0) > STRETCH_ABOVE:
        st.vega_lite_chart(spec | {"autosize": {"type": "fit-x", "contains": "padding"}}, width="stretch")
    else:
        st.vega_lite_chart(spec, width="content")


def show_code_table(table: pd.DataFrame, precision: int, max_height: int) -> None:
    """charts.code_table's rows, those sharing a code first and shaded; at most `max_height` px high,
    except in lesson mode, where a table of up to LESSON_WHOLE_ROWS rows is shown whole, and only
    its bit strings (the activations are in the heatmap beside it), so that it is whole across too."""
    shared = table["shares code with"] != ""
    styled = table.style.apply(lambda column: np.where(shared, "background-color: #fde2e1", ""), axis=0)
    present = current_lesson().present
    whole = present and len(table) <= LESSON_WHOLE_ROWS
    st.dataframe(
        styled.format(precision=precision),
        hide_index=True,
        column_order=LESSON_TABLE_COLUMNS if present else None,
        **table_size(len(table), None if whole else max_height),
    )


def show_panels(specs: list[dict]) -> None:
    """Charts side by side, each in its own column, so that a phone stacks them instead of
    scrolling sideways."""
    for column, spec in zip(st.columns(len(specs)), specs, strict=True):
        column.vega_lite_chart(spec, width="content")


def curves_view(result: RunResult) -> None:
    pinned: list[RunResult] = st.session_state.setdefault("pinned", [])
    actions = st.container(horizontal=True, vertical_alignment="center")
    if actions.button("Pin this run", key="pin", icon=":material/push_pin:", disabled=len(pinned) >= MAX_PINNED):
        pinned.append(result)
    if actions.button("Clear pins", disabled=not pinned):
        pinned.clear()
    log_loss = actions.toggle("Log-scale loss", value=True)
    runs = [*pinned]
    current = None
    if not any(run is result for run in pinned):
        current, runs = len(runs), [*runs, result]
    # each run is labelled by what differs between the runs shown (the legends are under the last two charts)
    labels = charts.run_labels([run.config for run in runs], current)
    specs = _history_specs(list(zip(labels, runs, strict=True)), log_loss)
    for start in range(0, len(specs), 2):  # two charts a row; Streamlit stacks columns on a phone
        for column, spec in zip(st.columns(2), specs[start : start + 2], strict=False):
            column.vega_lite_chart(spec, width="stretch")
    st.caption(curves_caption(charts.shown_metrics(runs)))


def curves_caption(metrics: tuple[str, ...]) -> str:
    """What the curves and their rules mean, for the curves shown (charts.shown_metrics)."""
    parts = []
    if "accuracy" in metrics:
        parts.append("Argmax accuracy: the share of patterns whose largest output is their one lit unit.")
    if "bits_correct" in metrics:
        parts.append(
            "Dashed rules: every output passes the 40-20-40 rule. Solid rules: outputs solved and every "
            "pattern has its own binary code."
        )
    else:
        parts.append("Real-valued patterns: no bits or codes to count, only the loss.")
    parts += [
        "Dotted rules: a restart began a new attempt from new weights. "
        "Dash-dot rules: a setting changed while the run was paused (hover for what).",
        "A labelled level line on the loss: the PCA floor, the best linear map's loss, the least any rank-k affine "
        "map reaches (a floor for a linear network; a nonlinear one can go below it).",
        f"Pin up to {MAX_PINNED} runs to compare them (e.g. NumPy against PyTorch).",
    ]
    return " ".join(parts)


def _history_specs(runs: list[tuple[str, RunResult]], log_loss: bool) -> list[dict]:
    """The curves' Vega-Lite specs, kept while the same runs are shown: every rerun (any click on
    the page) would otherwise build their data frames again."""
    kept = st.session_state.get("history_spec")
    key = ([label for label, _ in runs], log_loss, chart_scale())
    if kept is not None and kept["key"] == key and all(a is b for a, (_, b) in zip(kept["runs"], runs, strict=True)):
        return kept["specs"]
    specs = charts.history_charts(runs, log_loss=log_loss, scale=chart_scale())
    st.session_state.history_spec = {"key": key, "runs": [run for _, run in runs], "specs": specs}
    return specs


def reconstructions_view(result: RunResult) -> None:
    targets = result.targets  # (P, N): the patterns, which are the targets
    if result.data.image_shape is not None:
        image_reconstructions(result)
    kind = "one-hot input" if result.config.data == "one_hot" else "input"
    rows, sample = shown_patterns(result) if not result.data.binary else (np.arange(len(targets)), "")
    st.caption(f"Each row is one pattern: its {kind} beside the network's output (0 to 1, values on hover). {sample}")
    left, right = st.columns(2)
    with left:
        show_matrix(targets[rows], row="pattern", column="unit", title="Input", domain=(0.0, 1.0), row_labels=rows)
    with right:
        outputs = result.outputs[rows]
        show_matrix(outputs, row="pattern", column="unit", title="Reconstruction", domain=(0.0, 1.0), row_labels=rows)


def codes_view(result: RunResult) -> None:
    if not result.data.binary:
        real_valued_codes_view(result)
        return
    config, report = result.config, result.code_report()
    activation = ACTIVATIONS[config.activation]
    count = config.pattern_count
    bits = min_code_bits(count)
    summary = f"**{report.distinct} distinct codes** for {count} patterns"
    if report.collisions:
        groups = "; ".join(" & ".join(str(i) for i in group) for group in report.collisions)
        summary += f" · patterns sharing a code: {groups}"
    summary += f" · binariness {report.binariness:.2f} (1 = every unit saturated)"
    st.markdown(summary)
    if config.hidden < bits:
        st.warning(f"k = {config.hidden} < ceil(log2 {count}) = {bits}: distinct binary codes are impossible.")
    left, right = st.columns(2)
    with left:
        show_matrix(
            result.activations,
            row="pattern",
            column="hidden unit",
            title="Hidden activations",
            domain=activation.value_range(result.activations),
        )
        show_code_table(charts.code_frame(result), precision=3, max_height=420)
    with right:
        show_matrix(
            report.hamming.astype(float),
            row="pattern",
            column="pattern ",
            title="Hamming distance between codes",
            domain=(0.0, float(max(config.hidden, 1))),
        )
    if config.hidden in (2, 3):
        st.markdown("**Codes as points:** the corners are the binary codes.")
        panels = charts.code_scatter(result.activations, config.activation, report.codes, scale=chart_scale())
        show_panels([panel.to_dict() for panel in panels])
    if config.hidden == 2 and config.data != "one_hot":
        code_plane_view(result)
    snapshots_view(result)


def real_valued_codes_view(result: RunResult) -> None:
    """Real-valued data: a code is a point to place the pattern, not a binary word to tell it apart."""
    config, figures = result.config, result.reconstruction()
    floor = figures["pca_floor"]
    st.markdown(
        f"**These patterns are real-valued ({config.data}): the codes are not the point.** The hidden units "
        "place each pattern; what counts is how well the decoder rebuilds it: reconstruction error "
        f"{figures['mse']:.4f} (mean squared), {figures['variance_explained']:.1%} of the variance explained"
        + (f", PCA floor {floor:.4f} on the loss's scale." if floor is not None else ".")
        + " The heatmap shows each pattern's hidden activations; no binary-code figures apply."
    )
    if config.hidden == 2:
        code_plane_view(result)
    domain = ACTIVATIONS[config.activation].value_range(result.activations)
    rows, sample = shown_patterns(result)
    if sample:
        st.caption(sample)
    show_matrix(
        result.activations[rows],
        row="pattern",
        column="hidden unit",
        title="Hidden activations",
        domain=domain,
        row_labels=rows,
    )


def snapshots_view(result: RunResult) -> None:
    if len(result.snapshot_epochs) < 2:
        return
    st.subheader("Watch the code emerge")
    epoch = st.select_slider("Epoch", options=result.snapshot_epochs, value=result.snapshot_epochs[-1], key="snapshot")
    activations = result.snapshots[result.snapshot_epochs.index(epoch)].astype(float)
    report = analysis.code_report(activations, result.config.activation)
    st.caption(f"Epoch {epoch:,}: {report.distinct} distinct codes, binariness {report.binariness:.2f}.")
    columns = st.columns([1, 3])  # the scatter has three panels
    with columns[0]:
        domain = ACTIVATIONS[result.config.activation].value_range(activations)
        show_matrix(activations, row="pattern", column="hidden unit", title=f"At epoch {epoch:,}", domain=domain)
    with columns[1]:
        if result.config.hidden in (2, 3):
            panels = charts.code_scatter(activations, result.config.activation, report.codes, 150, scale=chart_scale())
            show_panels([panel.to_dict() for panel in panels])


def weights_view(result: RunResult) -> None:
    final = result.final
    st.caption("Red is negative, blue positive; each layer's colour scale is symmetric around 0.")
    encoder = charts.diverging_domain(final.W1, final.b1)
    decoder = charts.diverging_domain(final.W2, final.b2)
    diverging = {"domain": encoder, "scheme": charts.DIVERGING}
    left, right = st.columns(2)
    with left:
        show_matrix(final.W1, row="input", column="hidden unit", title="Encoder W1", **diverging)
        show_matrix(final.b1[None, :], row="bias", column="hidden unit", title="Encoder b1", **diverging)
    diverging["domain"] = decoder
    with right:
        show_matrix(final.W2, row="hidden unit", column="output", title="Decoder W2", **diverging)
        show_matrix(final.b2[None, :], row="bias", column="output", title="Decoder b2", **diverging)


VIEWS = {
    "Training curves": curves_view,
    "Reconstructions": reconstructions_view,
    "Hidden code": codes_view,
    "Probe": probe_view,
    "Weights": weights_view,
}
WATCHED_VIEW = "Hidden code"  # the live views show the hidden code: after a run the views open on it
