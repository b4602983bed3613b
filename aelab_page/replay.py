"""The network, drawn, and a run's replay played in the browser (aelab.replay builds the frames).

One Streamlit v2 component with inline HTML/CSS/JS (aelab_page/replay_assets, no build step): the
frames are sent once, and Play, Pause, the scrubber and the pattern menu redraw in the browser
without a rerun. Before any click it shows the seed's initial weights; while training, the live
views draw it at the latest weights (one frame); after a new run, the run's frames, auto-played once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from aelab import replay
from aelab.config import Config
from aelab.patterns import config_patterns
from aelab.results import RunResult
from aelab.weights import Weights, first_weights
from aelab_page.lesson import current_lesson
from aelab_page.upload import run_inputs

ASSETS = Path(__file__).parent / "replay_assets"
network_component = st.components.v2.component(
    "aelab_replay",
    html="",
    css=(ASSETS / "replay.css").read_text(),
    js=(ASSETS / "replay.js").read_text(),
)


@st.cache_data(max_entries=8, show_spinner=False)
def initial_payload(config: Config, inputs: np.ndarray | None = None) -> dict:
    """The untrained network of `config`'s seed: what the page shows before any click; `inputs`: a csv
    run's uploaded patterns."""
    data = config_patterns(config, inputs).inputs
    return replay.payload(replay.network_frame(config, first_weights(config, config.seed), data))


def live_payload(
    config: Config,
    weights: Weights,
    epoch: int,
    figures: dict[str, float],
    curve: tuple[np.ndarray, np.ndarray],
    seen: tuple[np.ndarray, np.ndarray],
) -> dict:
    """One frame at the latest weights, with the loss curve so far, for the live views while training;
    `seen`: the (P, k) hidden activations and (P, N) outputs the training's forward pass gave there."""
    frame = replay.network_frame(config, weights, config_patterns(config).inputs, epoch, figures, seen)
    frame.curve = curve
    return replay.payload(frame)


def run_payload(result: RunResult) -> dict:
    """The run's frames. Kept per result (the page asks on every rerun); each new result gets a new
    name. A new run (a new Trainer: Train, Open run) auto-plays once; Continue, Step and Pause go on
    with the same Trainer, so their result opens on its last frame instead of replaying from epoch 0."""
    cached = st.session_state.get("replay_payload")
    if cached is None or cached[0] is not result:
        trainer = st.session_state.get("trainer")
        autoplay = trainer is not None and st.session_state.get("replay_trainer") is not trainer
        st.session_state.replay_trainer = trainer
        count = st.session_state.get("replay_count", 0) + 1
        data = replay.payload(replay.run_frames(result), autoplay=autoplay)
        data["run"] += f"/{count}"
        cached = st.session_state.replay_payload = (result, data)
        st.session_state.replay_count = count
    return cached[1]


def watched_live() -> None:
    """The run now training was drawn live: its result (paused or ended) opens on its last frame, as the
    user last saw it, instead of replaying from epoch 0 (run_payload auto-plays only an unseen Trainer)."""
    st.session_state.replay_trainer = st.session_state.get("trainer")


def show_network(payload: dict, key: str | None = None) -> None:
    if current_lesson().present:  # the lesson header above already names the run: no second description
        payload = payload | {"describe": ""}
    network_component(data=payload, key=key, height="content")


def replay_ui(config: Config) -> None:
    """The last run's replay, or before any run the network the settings start from."""
    result: RunResult | None = st.session_state.get("result")
    if result is None or result.config.width != config.width or result.config.hidden != config.hidden:
        show_network(initial_payload(config, run_inputs(config)), key="replay")
        return
    show_network(run_payload(result), key="replay")
