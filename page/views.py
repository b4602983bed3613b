"""The views of one run: training curves, reconstructions, the hidden code, the weights."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aelab import analysis, charts
from aelab.activations import ACTIVATIONS
from aelab.config import min_code_bits
from aelab.results import RunResult
from page.probe import probe_view

MAX_PINNED = 5


def show_matrix(matrix: np.ndarray, **options) -> None:
    """A matrix as charts.matrix_view decides: a heatmap chart, or an image when it is large."""
    view = charts.matrix_view(matrix, **options)
    if view.chart is not None:
        st.altair_chart(view.chart, width="content")
    else:
        st.image(view.image, caption=view.caption, width="stretch")


def curves_view(result: RunResult) -> None:
    pinned: list[tuple[str, RunResult]] = st.session_state.setdefault("pinned", [])
    actions = st.columns([1, 1, 2])
    if actions[0].button("Pin this run", key="pin", icon=":material/push_pin:", disabled=len(pinned) >= MAX_PINNED):
        pinned.append((f"#{len(pinned) + 1} {result.config.describe()}", result))
    if actions[1].button("Clear pins", disabled=not pinned):
        pinned.clear()
    log_loss = actions[2].toggle("Log-scale loss", value=True)
    runs = [*pinned]
    if not any(run is result for _, run in pinned):
        runs.append((f"current: {result.config.describe()}", result))
    st.vega_lite_chart(_history_spec(runs, log_loss), width="content")
    st.caption(
        "Dashed rules: every output passes the 40-20-40 rule. Solid rules: outputs solved and every pattern "
        "has its own binary code. Dotted rules: a restart began a new attempt from new weights. "
        "Dash-dot rules: a setting changed while the run was paused (hover for what). "
        f"Pin up to {MAX_PINNED} runs to compare them (e.g. NumPy against PyTorch)."
    )


def _history_spec(runs: list[tuple[str, RunResult]], log_loss: bool) -> dict:
    """The curves' Vega-Lite spec, kept while the same runs are shown: every rerun (any click on
    the page) would otherwise build its data frames again."""
    kept = st.session_state.get("history_spec")
    key = ([label for label, _ in runs], log_loss)
    if kept is not None and kept["key"] == key and all(a is b for a, (_, b) in zip(kept["runs"], runs, strict=True)):
        return kept["spec"]
    spec = charts.history_chart(runs, log_loss=log_loss)
    st.session_state.history_spec = {"key": key, "runs": [run for _, run in runs], "spec": spec}
    return spec


def reconstructions_view(result: RunResult) -> None:
    targets = np.eye(result.config.width)
    st.caption("Each row is one pattern: its one-hot input beside the network's output (0 to 1, values on hover).")
    left, right = st.columns(2)
    with left:
        show_matrix(targets, row="pattern", column="unit", title="Input", domain=(0.0, 1.0))
    with right:
        show_matrix(result.outputs, row="pattern", column="unit", title="Reconstruction", domain=(0.0, 1.0))


def codes_view(result: RunResult) -> None:
    config, report = result.config, result.code_report()
    activation = ACTIVATIONS[config.activation]
    bits = min_code_bits(config.width)
    summary = f"**{report.distinct} distinct codes** for {config.width} patterns"
    if report.collisions:
        groups = "; ".join(" & ".join(str(i) for i in group) for group in report.collisions)
        summary += f" · patterns sharing a code: {groups}"
    summary += f" · binariness {report.binariness:.2f} (1 = every unit saturated)"
    st.markdown(summary)
    if config.hidden < bits:
        st.warning(f"k = {config.hidden} < ceil(log2 {config.width}) = {bits}: distinct binary codes are impossible.")
    left, right = st.columns(2)
    with left:
        show_matrix(
            result.activations,
            row="pattern",
            column="hidden unit",
            title="Hidden activations",
            domain=activation.value_range(result.activations),
        )
        table = charts.code_frame(result)
        shared_rows = table["shares code with"] != ""
        st.dataframe(
            table.style.apply(lambda column: np.where(shared_rows, "background-color: #fde2e1", ""), axis=0).format(
                precision=3
            ),
            hide_index=True,
            height=min(38 + 35 * len(table), 420),
        )
    with right:
        show_matrix(
            report.hamming.astype(float),
            row="pattern",
            column="pattern ",
            title="Hamming distance between codes",
            domain=(0.0, float(max(config.hidden, 1))),
        )
    if config.hidden in (2, 3):
        st.altair_chart(
            charts.code_scatter(
                result.activations, config.activation, report.codes, "Codes as points: corners are binary codes"
            ),
            width="content",
        )
    snapshots_view(result)


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
            st.altair_chart(
                charts.code_scatter(activations, result.config.activation, report.codes, size=150), width="content"
            )


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
