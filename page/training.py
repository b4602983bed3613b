"""Train on click: the budget check, a place in the server's line, then a status box with a
progress bar, the live loss and Stop."""

from __future__ import annotations

import streamlit as st

from aelab import charts, report
from aelab.budget import estimate_seconds
from aelab.config import Config, ConfigError
from aelab.results import RunResult
from aelab.train import Progress, train
from page.serving import training_slot, within_budget

PROGRESS_INTERVAL = 0.3  # seconds from the end of one redraw to the next: drawing must not dominate training


def train_with_progress(config: Config) -> None:
    """Train inline, streaming a progress bar and the loss; any click (Stop) interrupts it."""
    if not within_budget(config):
        return
    st.session_state.training = config  # cleared on completion; still set after an interruption
    with (
        st.status(f"Training {config.describe()}", expanded=True) as status,
        training_slot(estimate_seconds(config), config.backend),
    ):
        bar = st.progress(0.0, text="starting")
        st.button("Stop", key="stop", icon=":material/stop_circle:", help="Stop now and keep the run so far.")
        live_chart = st.empty()
        # The latest progress, in a list that session state holds: a click interrupts training inside
        # a redraw, and the rerun makes the run so far from it (report_interrupted_run). Writing
        # session state itself here would cost a copy of the run at every redraw.
        latest: list[Progress | RunResult] = []
        st.session_state.latest_progress = latest

        def on_progress(progress: Progress) -> None:
            # Costs the same however long the run: the latest figures and a thinned curve, no copies.
            latest[:] = [progress]
            bar.progress(progress.fraction, text=_progress_text(progress))
            curve = progress.curve("loss")
            live_chart.vega_lite_chart(charts.live_loss_spec(*curve, config.epochs), width="stretch")

        try:
            result = train(config, on_progress=on_progress, progress_interval=PROGRESS_INTERVAL)
        except ConfigError as error:  # torch missing, no CUDA: say so, never a traceback
            st.session_state.training = None
            status.update(label=f"Could not train: {error}", state="error")
            return
        latest[:] = [result]  # finished: a click from here on must not lose the whole run
        st.session_state.result = result
        st.session_state.training = None
        latest.clear()
        status.update(
            label=report.finished_line(result), state="error" if result.diverged else "complete", expanded=False
        )


def _progress_text(progress: Progress) -> str:
    if progress.epoch == 0:
        return f"epoch 0 of {progress.epochs:,}"
    return (
        f"epoch {progress.epoch:,} of {progress.epochs:,} · loss {progress.latest('loss')[0]:.4g} · "
        f"distinct codes {int(progress.latest('distinct_codes')[0])} of {progress.config.width}"
    )


def report_interrupted_run() -> None:
    """A run that a click interrupted left `training` set: keep the run up to its last redraw
    (training stopped there, at the start of an epoch) and say so."""
    config = st.session_state.get("training")
    latest = st.session_state.pop("latest_progress", [])
    if config is None:
        return
    st.session_state.training = None
    if latest and isinstance(latest[0], RunResult):  # it had finished: nothing was cut short
        st.session_state.result = latest[0]
        return
    if latest:
        st.session_state.result = latest[0].result().run(0)
    result = st.session_state.get("result")
    if result is not None and result.config == config and result.stopped:
        st.info(
            f"Training stopped at epoch {result.epochs_done:,} of {config.epochs:,}. "
            "The views below show the run up to that point."
        )
    else:
        st.info("Training stopped before its first update was kept; nothing new to show.")
