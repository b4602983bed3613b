"""Training on click: Train, Continue, Step and Reset; the budget check, a place in the server's line,
then a status box with a progress bar, the live views and Pause.

The run is a Trainer kept in session state (`trainer`). A click while it trains (Pause, or any other
control) interrupts it at a redraw or between two updates (aelab_page.serving.stop_requested); the Trainer
is then consistent, at the end of its last whole epoch, so the rerun shows the run so far
(report_interrupted_run) and Continue trains on from it. The click's allowance of CPU time stops
it likewise, with a message (stopped_at_limit).

With runner.fastReruns (Streamlit's default, forced on Community Cloud) the rerun starts on a new
thread at once, while the interrupted one trains on until its next redraw. So training holds the
session's lock for its Trainer (session_lock), and a rerun waits for it before it touches the Trainer (training_done).
"""

from __future__ import annotations

import threading
from dataclasses import replace

import streamlit as st
from streamlit.elements.lib.mutable_status_container import StatusContainer

from aelab.allowance import Allowance
from aelab.budget import estimate_seconds
from aelab.config import Config, ConfigError
from aelab.headline import finished_line
from aelab.run_file import resume_section
from aelab.train import Trainer, continue_epochs
from aelab_page.lesson import current_lesson
from aelab_page.live import LiveViews
from aelab_page.results import run_file_name
from aelab_page.serving import allowance_spent, training_slot, within_budget, within_pace
from aelab_page.upload import run_inputs
from aelab_page.views import VIEWS, WATCHED_VIEW

PROGRESS_INTERVAL = 0.5  # seconds from the end of one redraw to the next: drawing must not dominate training
LOCK_WAIT = 20.0  # seconds a rerun waits for an interrupted run's thread to reach its next redraw


def epochs_for(action: str, config: Config, trainer: Trainer | None) -> int:
    """How many epochs a click trains: Train the settings' epochs, Step the chosen step, Continue the
    rest of the run (or, once it is done, the settings' epochs again)."""
    if action == "train" or trainer is None:
        return config.epochs
    if action == "step":
        return int(st.session_state.get("step_epochs", 1))
    return continue_epochs(trainer.epoch, config.epochs)


def keep_run(trainer: Trainer, stopped: bool, settings: Config | None = None) -> None:
    """Show `trainer`'s run so far, with what a download needs to resume it, and the page's `settings`
    it was last trained with (its config's epochs grow when it is continued: not a settings change)."""
    st.session_state.result = trainer.result(stopped).run(0)
    st.session_state.result_settings = settings or trainer.config
    st.session_state.saved_run = resume_section(trainer, as_lists=False)  # written out on the download's click


def reset_run(config: Config) -> None:
    """Back to the seed's initial weights, nothing trained."""
    try:
        trainer = Trainer(config, [config.seed], keep_snapshots=True, inputs=run_inputs(config))
    except ConfigError as error:  # torch missing, no CUDA
        st.error(f"Could not reset: {error}")
        return
    st.session_state.trainer = trainer
    keep_run(trainer, stopped=False, settings=config)


def train_with_progress(config: Config, action: str = "train") -> None:
    """Train inline for the clicked action, streaming progress and the live views; any click (Pause)
    interrupts it and keeps the run so far."""
    if action == "reset":
        reset_run(config)
        return
    trainer = st.session_state.get("trainer") if action != "train" else None
    epochs = epochs_for(action, config, trainer)
    planned = replace(config, epochs=epochs)  # the budget and the line see the epochs this click adds
    speed = int(st.session_state.get("speed", 0))
    if not within_budget(planned):
        return
    estimate = estimate_seconds(planned)
    if not within_pace(planned, speed, estimate):
        return
    if st.session_state.pop("view_from_live", False) and st.session_state.get("view") == WATCHED_VIEW:
        st.session_state.view = next(iter(VIEWS))  # the live views chose the code; this run may not be watched
    verb = "Training" if trainer is None else f"Continuing from epoch {trainer.epoch:,}:"
    up_to = "up to " if config.stop != "never" else ""  # it may stop once solved
    what = "" if current_lesson().present else f" {config.describe()}"  # present mode: the header names the run
    label = f"{verb}{what} for {up_to}{epochs:,} epochs"
    with (
        st.status(label, expanded=True) as status,
        training_slot(estimate, config.backend) as allowance,
        session_lock("trainer"),
    ):
        try:
            if trainer is None:
                trainer = Trainer(config, [config.seed], keep_snapshots=True, inputs=run_inputs(config))
            else:
                trainer.change(replace(config, epochs=trainer.config.epochs))
        except ConfigError as error:  # torch missing, no CUDA, a setting a continued run keeps
            status.update(label=f"Could not train: {error}", state="error")
            return
        st.session_state.trainer = trainer
        st.session_state.training = config  # cleared on completion; still set after an interruption
        # Pause on the progress line's row: a projector keeps its height for the network and the code
        controls = st.container(horizontal=True, vertical_alignment="center")
        controls.button(
            "Pause", key="pause", icon=":material/pause_circle:", help="Pause now: Continue goes on from here."
        )
        live = LiveViews(config, epochs, speed, patterns=trainer.patterns, progress_in=controls)
        interval = 0.0 if speed else PROGRESS_INTERVAL  # a paced run checks its pace every epoch
        start = trainer.epoch
        result = trainer.run(epochs, live.update, interval, allowance).run(0)
        keep_run(trainer, stopped=result.stopped, settings=config)
        st.session_state.training = None
        if stopped_at_limit(allowance, status, trainer):
            return
        line = finished_line(result, trained=trainer.epoch - start)
        status.update(label=line, state="error" if result.diverged else "complete", expanded=False)


def stopped_at_limit(allowance: Allowance, status: StatusContainer, trainer: Trainer) -> bool:
    """When the click's allowance stopped the run: say so, with the line that trains the rest at home."""
    kept = (
        f"The run is kept at epoch {trainer.epoch:,}: **Continue** trains on from here. Or download it "
        "(**Run (JSON)**, below) and train the rest of its epochs on your own machine, where there is no limit:"
    )
    command = f"python -m aelab train --resume {run_file_name(trainer.config)}"
    return allowance_spent(allowance, status, f"Stopped at epoch {trainer.epoch:,}", kept, command)


def session_lock(job: str) -> threading.Lock:
    """Held while this session's `job` ("trainer", "sweep") trains: one lock per session and job."""
    return st.session_state.setdefault(f"{job}_lock", threading.Lock())


def stopped_in_time(job: str) -> bool:
    """Wait until an interrupted `job`'s thread has let go of it (at its next redraw); False if it
    has not within LOCK_WAIT seconds."""
    lock = session_lock(job)
    if not lock.acquire(timeout=LOCK_WAIT):
        return False
    lock.release()
    return True


def training_done() -> bool:
    """Wait until an interrupted run's thread has let go of the Trainer; False (and a note) if not."""
    if stopped_in_time("trainer"):
        return True
    st.warning("The last run is still stopping; click again in a moment.")
    return False


def report_interrupted_run() -> bool:
    """Wait for an interrupted run to let go of the Trainer (see the module's docstring), then, if a
    click interrupted training (`training` is still set), keep the run so far and say where it paused.
    Returns False when the Trainer is still busy."""
    if not training_done():
        return False
    config = st.session_state.get("training")
    if config is None:
        return True
    trainer: Trainer | None = st.session_state.get("trainer")
    if trainer is not None:
        # The answer to the click first: keeping a wide run (its result measured, its resumable copy) takes
        # a few tenths of a second on a busy server, and Pause must answer within one.
        more = (
            ""
            if current_lesson().present  # one line on a projector
            else "; changing the learning rate, optimizer, loss or epochs first carries on with them"
        )
        st.info(
            f"Training paused at epoch {trainer.epoch:,}. **Continue** trains on from here, **Step** a few "
            f"epochs at a time{more}."
        )
        keep_run(trainer, stopped=True, settings=config)
    st.session_state.training = None  # (after keep_run: a click that interrupts it keeps the run at the next rerun)
    return True
