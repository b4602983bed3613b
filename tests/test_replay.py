"""aelab.replay: a run's frames for the browser, and the weight snapshots they come from."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from aelab import replay
from aelab.activations import ACTIVATIONS
from aelab.config import Config
from aelab.patterns import one_hot_patterns
from aelab.probe import decode
from aelab.recorder import first_weights
from aelab.train import Trainer, train

CONFIG = Config(width=8, hidden=3, epochs=400)


@pytest.fixture(scope="module")
def result():
    return train(CONFIG)


def test_the_weight_snapshots_are_the_weights_at_their_epochs(result):
    """Snapshot epoch e holds the weights after e updates: what a run of e epochs ends with."""
    assert 0 in result.snapshot_weights and len(result.snapshot_weights) >= 10
    for epoch in (1, 7, sorted(result.snapshot_weights)[-1]):
        trained = Trainer(CONFIG, [CONFIG.seed]).run(epoch).final.select(0)
        for kept, fresh in zip(result.snapshot_weights[epoch], trained, strict=True):
            np.testing.assert_array_equal(kept, fresh.astype(np.float32))


def test_frames_equal_the_run_at_their_epochs(result):
    frames = replay.run_frames(result)
    assert frames.epochs[0] == 0 and frames.epochs[-1] == result.epochs_done == CONFIG.epochs
    assert np.all(np.diff(frames.epochs) > 0)
    slot = {epoch: index for index, epoch in enumerate(result.snapshot_epochs)}
    history_at = {int(epoch): index for index, epoch in enumerate(result.history["epoch"])}
    for frame, epoch in enumerate(frames.epochs[:-1]):
        np.testing.assert_array_equal(frames.hidden[frame], result.snapshots[slot[epoch]])
        weights = result.initial if epoch == 0 else result.snapshot_weights[epoch]
        for got, kept in zip(frames.weights, weights, strict=True):
            np.testing.assert_array_equal(got[frame], kept)
        # The outputs are what the net gives at those weights, from those hidden activations.
        np.testing.assert_allclose(frames.outputs[frame], decode(weights, frames.hidden[frame], CONFIG.loss))
        hidden = ACTIVATIONS[CONFIG.activation].numpy(one_hot_patterns(8) @ weights.W1 + weights.b1)
        np.testing.assert_allclose(frames.hidden[frame], hidden, atol=1e-6)  # float32 run
        assert frames.loss[frame] == result.history["loss"][history_at[epoch]]
        assert frames.distinct_codes[frame] == result.history["distinct_codes"][history_at[epoch]]
    np.testing.assert_array_equal(frames.hidden[-1], result.activations)
    np.testing.assert_array_equal(frames.outputs[-1], result.outputs)
    np.testing.assert_array_equal(frames.weights.W2[-1], result.final.W2)
    assert frames.loss[-1] == result.history["loss"][-1]


@pytest.mark.parametrize("max_frames", [2, 5, 13])
def test_frames_are_thinned_evenly_to_the_bound_keeping_first_and_last(result, max_frames):
    frames = replay.run_frames(result, max_frames=max_frames)
    assert len(frames.epochs) == max_frames
    assert frames.epochs[0] == 0 and frames.epochs[-1] == result.epochs_done
    # Evenly over the snapshots: the gaps (in snapshot slots) differ by at most one.
    snapshots = [epoch for epoch in result.snapshot_epochs if epoch < result.epochs_done]
    slots = [snapshots.index(epoch) for epoch in frames.epochs[:-1]]
    if len(slots) > 2:
        gaps = np.diff(slots)
        assert gaps.max() - gaps.min() <= 1, slots
    assert slots[-1] == len(snapshots) - 1 or max_frames == 2


def test_too_few_frames_is_refused_with_a_message(result):
    with pytest.raises(ValueError, match="max_frames: 1"):
        replay.run_frames(result, max_frames=1)


def test_a_stopped_run_ends_on_its_own_last_epoch():
    trainer = Trainer(CONFIG, [0], keep_snapshots=True)
    trainer.run(37)  # not a snapshot epoch's end: the last frame is the state there
    result = trainer.result(stopped=True).run(0)
    frames = replay.run_frames(result)
    assert frames.epochs[-1] == 37 and frames.epochs[0] == 0
    np.testing.assert_array_equal(frames.hidden[-1], result.activations)


def test_a_continued_run_replays_both_parts():
    trainer = Trainer(CONFIG, [0], keep_snapshots=True)
    trainer.run(150)
    trainer.run(650)  # past the planned 400: the snapshots are respaced, their weights kept with them
    result = trainer.result().run(0)
    frames = replay.run_frames(result)
    assert frames.epochs[-1] == 800
    assert set(frames.epochs[:-1]) <= set(result.snapshot_weights) | {0}
    assert any(epoch < 150 for epoch in frames.epochs[1:]) and any(epoch > 150 for epoch in frames.epochs)
    for frame, epoch in enumerate(frames.epochs[1:-1], start=1):
        np.testing.assert_array_equal(frames.weights.W1[frame], result.snapshot_weights[epoch].W1)


def test_without_weight_snapshots_the_replay_has_the_first_and_last_frame(result):
    bare = replace(result, snapshot_weights={})  # e.g. a run opened from a file
    frames = replay.run_frames(bare)
    assert frames.epochs.tolist() == [0, result.epochs_done]


def decoded(data: dict, frame: int) -> np.ndarray:
    """The outputs as the browser decodes them from the payload (replay.js outputsOf)."""
    hidden, W2, b2 = (np.asarray(data[name][frame], dtype=float) for name in ("hidden", "W2", "b2"))
    logits = hidden @ W2 + b2
    if data["linear"]:
        return logits
    if data["softmax"]:
        return np.exp(logits - np.asarray(data["output_lse"][frame])[:, None])
    return 1 / (1 + np.exp(-logits))


@pytest.mark.parametrize(("loss", "output"), [("mse", "auto"), ("softmax_ce", "auto"), ("mse", "linear")])
def test_the_payload_is_plain_bounded_json_that_decodes_to_the_outputs(loss, output):
    wide = train(Config(width=100, hidden=7, epochs=30, loss=loss, output=output, lr=5.0 if output == "auto" else 0.5))
    frames = replay.run_frames(wide)
    data = replay.payload(frames, autoplay=True)
    text = json.dumps(data, allow_nan=False)  # plain lists and numbers, no NaN
    assert data["shown_units"] == data["shown_patterns"] == list(range(0, 100, 2))  # at most MAX_UNITS
    assert np.asarray(data["W1"]).shape == (len(data["epochs"]), 50, 7)
    assert np.asarray(data["hidden"]).shape == (len(data["epochs"]), 50, 7)
    assert data["patterns"] == 100 and data["autoplay"] is True
    assert len(text) < 1_000_000
    np.testing.assert_allclose(data["hidden"][-1][1], frames.hidden[-1][2], atol=0.5e-3)  # rounded, thinned
    for frame in (0, len(data["epochs"]) // 2, len(data["epochs"]) - 1):
        shown = frames.outputs[frame][::2, ::2]  # a softmax is normalised over all 100 outputs, not the 50 shown
        np.testing.assert_allclose(decoded(data, frame), shown, atol=5e-3)


def test_a_frame_before_training_has_no_figures_and_says_so_as_null():
    weights = first_weights(CONFIG, 3)
    data = replay.payload(replay.network_frame(CONFIG, weights, one_hot_patterns(8)))
    assert data["epochs"] == [0] and data["loss"] == [None] and data["distinct_codes"] == [None]
    json.dumps(data, allow_nan=False)
    # The untrained net's pass is the backend's own at epoch 0.
    start = Trainer(replace(CONFIG, seed=3), [3]).result().run(0)
    np.testing.assert_allclose(decoded(data, 0), start.outputs, atol=2e-3)


def test_a_frame_takes_the_forward_pass_it_is_given_instead_of_another(monkeypatch):
    """The live views hand the network the hidden code and outputs their frame already has: the same
    frame as one computed from the weights, with no second pass (decode is not called)."""
    weights, data = first_weights(CONFIG, 3), one_hot_patterns(8)
    computed = replay.network_frame(CONFIG, weights, data, 5, {"loss": 0.2})
    seen = (computed.hidden[0].astype(np.float32), computed.outputs[0].astype(np.float32))  # the run's dtype
    monkeypatch.setattr(replay, "decode", lambda *args: pytest.fail("decoded again"))
    given = replay.network_frame(CONFIG, weights, data, 5, {"loss": 0.2}, seen)
    assert given.hidden.dtype == given.outputs.dtype == np.float64
    np.testing.assert_allclose(given.hidden, computed.hidden, rtol=1e-6)
    np.testing.assert_allclose(given.outputs, computed.outputs, rtol=1e-6)
    assert replay.payload(given)["loss"] == replay.payload(computed)["loss"] == [0.2]


def test_patterns_are_counted_from_the_data_rows():
    weights = first_weights(CONFIG, 0)
    frame = replay.network_frame(CONFIG, weights, one_hot_patterns(8)[:5])
    data = replay.payload(frame)
    assert frame.patterns == 5 and data["patterns"] == 5 and data["shown_patterns"] == [0, 1, 2, 3, 4]
    assert decoded(data, 0).shape == (5, 8)


def test_a_new_run_gets_a_new_id(result):
    other = train(replace(CONFIG, seed=1))
    assert replay.run_id(replay.run_frames(result)) != replay.run_id(replay.run_frames(other))
    assert replay.run_id(replay.run_frames(result)) == replay.run_id(replay.run_frames(result))


def test_torch_keeps_weight_snapshots_too():
    pytest.importorskip("torch")
    config = replace(CONFIG, backend="torch", epochs=60, device="cpu")
    result = train(config)
    trained = Trainer(config, [0]).run(9).final.select(0)
    np.testing.assert_array_equal(result.snapshot_weights[9].W1, trained.W1.astype(np.float32))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverged_run_replays_up_to_its_last_good_state():
    from tests.test_train import DIVERGING

    result = train(DIVERGING)
    assert result.diverged
    frames = replay.run_frames(result)
    assert frames.epochs[-1] == result.epochs_done
    data = replay.payload(frames)
    json.dumps(data, allow_nan=False)  # weights that blew up are sent as null, never NaN
    np.testing.assert_array_equal(frames.hidden[-1], result.activations)  # the last good pass


def test_weight_snapshots_are_kept_only_within_the_snapshot_budget():
    from aelab.recorder import SNAPSHOT_BUDGET

    for width, hidden, kept in ((64, 6, True), (1024, 512, False)):
        recorder = Trainer(Config(width=width, hidden=hidden, epochs=10), [0], keep_snapshots=True).recorder
        values = len(recorder.snapshot_epochs) * (2 * width * hidden + width + hidden)
        assert recorder.keep_weights is kept and (values <= SNAPSHOT_BUDGET) is kept
    assert Trainer(CONFIG, [0]).recorder.keep_weights is False  # a sweep keeps no snapshots at all


def test_the_replay_is_told_when_the_targets_are_not_binary():
    """The browser leaves out bits right, distinct codes, the code's bits and the corner plot for real-valued
    data (replay.js reads `binary`), as the page's figures do."""
    digits = train(Config(data="digits", width=64, hidden=3, patterns=30, loss="mse", stop="never", lr=1.0, epochs=4))
    assert replay.payload(replay.run_frames(digits))["binary"] is False
    assert replay.payload(replay.run_frames(train(Config(epochs=4))))["binary"] is True
    images = digits.targets
    assert replay.payload(replay.network_frame(digits.config, digits.final, images))["binary"] is False
