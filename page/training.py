"""Train on click: a status box with a progress bar, the live loss and Stop."""

from __future__ import annotations

import streamlit as st

from aelab import charts, report
from aelab.config import Config, ConfigError
from aelab.results import RunResult
from aelab.train import Progress, train

PROGRESS_INTERVAL = 0.3  # seconds between live redraws: drawing must not dominate training


def train_with_progress(config: Config) -> None:
    """Train inline, streaming a progress bar and the loss; any click (Stop) interrupts it."""
    st.session_state.training = config  # cleared on completion; still set after an interruption
    with st.status(f"Training {config.describe()}", expanded=True) as status:
        bar = st.progress(0.0, text="starting")
        st.button("Stop", key="stop", icon=":material/stop_circle:", help="Stop now and keep the run so far.")
        live_chart = st.empty()

        def on_progress(progress: Progress) -> None:
            partial = progress.result().run(0)
            st.session_state.result = partial  # saved before drawing: an interruption keeps it
            bar.progress(progress.fraction, text=_progress_text(progress, partial))
            live_chart.altair_chart(charts.live_loss_chart(partial), width="stretch")

        try:
            result = train(config, on_progress=on_progress, progress_interval=PROGRESS_INTERVAL)
        except ConfigError as error:  # torch missing, no CUDA: say so, never a traceback
            st.session_state.training = None
            status.update(label=f"Could not train: {error}", state="error")
            return
        st.session_state.result = result
        st.session_state.training = None
        status.update(
            label=report.finished_line(result), state="error" if result.diverged else "complete", expanded=False
        )


def _progress_text(progress: Progress, partial: RunResult) -> str:
    return (
        f"epoch {progress.epoch:,} of {progress.epochs:,} · loss {partial.history['loss'][-1]:.4g} · "
        f"distinct codes {partial.history['distinct_codes'][-1]} of {partial.config.width}"
    )


def report_interrupted_run() -> None:
    """A run that a click interrupted left `training` set: say what was kept."""
    config = st.session_state.get("training")
    if config is None:
        return
    st.session_state.training = None
    result = st.session_state.get("result")
    if result is not None and result.config == config and result.stopped:
        st.info(
            f"Training stopped at epoch {result.epochs_done:,} of {config.epochs:,}. "
            "The views below show the run up to that point."
        )
    else:
        st.info("Training stopped before its first update was kept; nothing new to show.")
