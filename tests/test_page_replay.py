"""The network and the replay on the page (AppTest): what the component is handed, before and after Train."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from aelab.config import Config
from aelab.recorder import first_weights

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def replay_data(at: AppTest) -> dict:
    components = [el for el in at.get("bidi_component") if el.proto.component_name == "aelab_replay"]
    assert len(components) == 1, "one network view on the page"
    return json.loads(components[0].proto.json)


def test_before_any_click_the_page_shows_the_seeds_initial_network():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(width="8", hidden="3", seed="4")
    at.run()
    data = replay_data(at)
    assert data["epochs"] == [0] and data["loss"] == [None] and data["autoplay"] is False
    initial = first_weights(Config(width=8, hidden=3, seed=4), 4)
    np.testing.assert_allclose(data["W1"][0], initial.W1, atol=0.5e-3)
    np.testing.assert_allclose(data["W2"][0], initial.W2, atol=0.5e-3)


def test_after_train_the_run_is_handed_over_once_to_play_by_itself():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(width="8", hidden="3", epochs="300", stop="never")  # every epoch: 300 of them
    at.run()
    at.button(key="train").click().run()
    result = at.session_state["result"]
    data = replay_data(at)
    assert data["autoplay"] is True and data["epochs"][0] == 0 and data["epochs"][-1] == result.epochs_done == 300
    assert 10 <= len(data["epochs"]) <= 200
    assert data["distinct_codes"][-1] == result.history["distinct_codes"][-1]
    at.run()  # a rerun hands over the same run: the browser, which knows it, does not play it again
    assert replay_data(at)["run"] == data["run"]
    # Step goes on with the same network: it opens on its last frame rather than replaying from epoch 0.
    at.button(key="step").click().run()
    stepped = replay_data(at)
    assert stepped["epochs"][-1] == 301 and stepped["autoplay"] is False and stepped["run"] != data["run"]
    at.button(key="train").click().run()  # a new run plays again
    assert replay_data(at)["autoplay"] is True


def test_a_run_watched_live_opens_on_its_last_frame_instead_of_replaying():
    """A paced run draws the network live as it trains: its result (here ended; a Pause is the same) opens
    where the user last saw it, not back at epoch 0."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(width="8", hidden="3", epochs="20", stop="never", speed="50")
    at.run()
    at.button(key="train").click().run()
    # the live view drawn while it trained stays above until the next rerun; the replay is the keyed one
    (replay,) = [el for el in at.get("bidi_component") if el.key == "replay"]
    data = json.loads(replay.proto.json)
    assert data["epochs"][-1] == at.session_state["result"].epochs_done == 20
    assert data["autoplay"] is False


def test_the_views_open_on_the_code_after_a_watched_run_and_on_the_curves_after_an_unwatched_one():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(width="8", hidden="3", epochs="20", stop="never", speed="50")
    at.run()
    at.button(key="train").click().run()
    assert at.session_state["view"] == "Hidden code"  # what the live views showed as it trained
    at.select_slider(key="speed").set_value(0).run()  # full speed: a 20-epoch run draws nothing live
    at.button(key="train").click().run()
    assert at.session_state["view"] == "Training curves"


def test_reset_shows_the_initial_weights_as_one_frame():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(width="8", hidden="3", epochs="300")
    at.run()
    at.button(key="train").click().run()
    at.button(key="reset").click().run()
    data = replay_data(at)
    assert data["epochs"] == [0]
    np.testing.assert_allclose(data["W1"][0], first_weights(Config(), 0).W1, atol=0.5e-3)
