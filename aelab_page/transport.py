"""The transport: Train, Continue, Step, Reset (Pause shows while training), the pace, and loading a
saved run. Says beforehand what a click will do with changed settings."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from aelab.config import Config, changed_settings, describe_changes
from aelab.report import markdown_literal
from aelab.run_file import RunFileError, load_trainer
from aelab.train import Trainer, continue_epochs, new_run_settings, update_changes
from aelab_page.live import SPEEDS, speed_label
from aelab_page.setting_widgets import load_into_widgets
from aelab_page.training import keep_run, stopped_in_time
from aelab_page.upload import keep_run_patterns

MAX_UPLOAD_BYTES = 8_000_000  # a saved run larger than this is refused (a 30,000-epoch 8-3-8 run is about 3 MB)
MAX_STEP = 10_000


def _request(action: str) -> None:
    """on_click of a transport button: the action is known before the page is drawn, so the buttons
    drawn above a run that this click starts already show what will be possible after it."""
    st.session_state.transport_action = action


def transport_ui(config: Config, blocked: bool) -> tuple[str | None, DeltaGenerator]:
    """The buttons. Returns the action clicked ("train", "continue", "step", "reset") or None, and a
    placeholder for `explain` (filled once this click's training is done)."""
    action = st.session_state.pop("transport_action", None)
    trainer: Trainer | None = st.session_state.get("trainer")
    if action in ("train", "reset"):  # a new run of these settings is about to start
        can_go_on = not blocked
    else:
        fixed = new_run_settings(trainer.config, config) if trainer is not None else ["run"]
        can_go_on = trainer is not None and trainer.recorder.any_alive and not fixed and not blocked
    # A row that wraps: every label stays whole however large the text (lesson mode) or narrow the screen.
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="transport")
    row.button(
        "Train", key="train", type="primary", icon=":material/play_arrow:", disabled=blocked,
        on_click=_request, args=("train",), help="A new run from the seed's initial weights.",
    )  # fmt: skip
    row.button(
        "Continue", key="continue", icon=":material/resume:", disabled=not can_go_on,
        on_click=_request, args=("continue",),
        help="From the current weights and optimizer state: the rest of the epochs, or as many again.",
    )  # fmt: skip
    row.button(
        "Step", key="step", icon=":material/skip_next:", disabled=not can_go_on,
        on_click=_request, args=("step",), help="Train the chosen number of epochs from the current weights.",
    )  # fmt: skip
    row.number_input("Epochs per step", 1, MAX_STEP, key="step_epochs", help="What one Step trains.", width=140)
    row.button(
        "Reset", key="reset", icon=":material/restart_alt:", disabled=blocked,
        on_click=_request, args=("reset",), help="Back to the seed's initial weights, nothing trained.",
    )  # fmt: skip
    row.select_slider(
        "Speed", SPEEDS, format_func=speed_label, key="speed", width=200,
        help="At most this many epochs per second, so that a class can follow the first hundred epochs.",
    )  # fmt: skip
    with row.popover("Open run", icon=":material/upload_file:"):
        st.file_uploader(
            "A run saved from this page (Run JSON) or by `python -m aelab train --json`",
            type=["json"], key="upload", on_change=_load_upload,
            help=f"Restores its settings and history, ready to Continue. At most {MAX_UPLOAD_BYTES // 10**6} MB.",
        )  # fmt: skip
    for message in st.session_state.pop("upload_messages", []):
        (st.success if message.startswith("Loaded") else st.error)(markdown_literal(message))
    return (None if blocked else action), st.empty()


def explain(note: DeltaGenerator, config: Config) -> None:
    """What Continue and Step would do with the settings as they are now (said before the click)."""
    trainer: Trainer | None = st.session_state.get("trainer")
    if trainer is None:
        return
    fixed = new_run_settings(trainer.config, config)
    if fixed:
        changes = describe_changes(changed_settings(trainer.config, config, fixed))
        note.caption(
            f"Changed {changes}: that is a new network, so **Train** starts a new run; Continue and Step are off."
        )
        return
    if not trainer.recorder.any_alive:
        note.caption("This run diverged: Continue and Step are off. **Train** starts a new run.")
        return
    changed = update_changes(trainer.config, config)
    more = continue_epochs(trainer.epoch, config.epochs)
    text = f"At epoch {trainer.epoch:,}: Continue trains {more:,} more epochs"
    if changed:
        text += f", going on from the current weights with {describe_changes(changed)} (marked on the curves)"
    note.caption(text + ".")


def _load_upload() -> None:
    """on_change of the uploader (before the widgets are made, so it may set them): restore the run,
    or say why not and leave the current run as it is."""
    upload = st.session_state.get("upload")
    if upload is None:
        return
    messages = st.session_state.setdefault("upload_messages", [])
    if not stopped_in_time("trainer"):  # an interrupted run's thread still holds the Trainer
        messages.append(f"{upload.name}: the last run is still stopping; open the file again in a moment.")
        return
    if upload.size > MAX_UPLOAD_BYTES:
        messages.append(
            f"{upload.name}: {upload.size:,} bytes is over the {MAX_UPLOAD_BYTES:,}-byte limit; nothing was loaded."
        )
        return
    try:
        trainer = load_trainer(upload.getvalue())
    except RunFileError as error:
        messages.append(f"Could not load {upload.name}: {error}. The current run is unchanged.")
        return
    st.session_state.trainer = trainer
    keep_run(trainer, stopped=False)
    keep_run_patterns(trainer.config, trainer.data)
    load_into_widgets(trainer.config)
    messages.append(f"Loaded {upload.name}: {trainer.config.describe()} at epoch {trainer.epoch:,}, ready to Continue.")
