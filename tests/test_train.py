"""The shared training loop: history semantics, learning, batching, divergence, progress and stopping."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, formats, train, train_seeds
from aelab.results import METRICS

NAMES = ("W1", "b1", "W2", "b2")
# Every setting spelled out, so these tests do not follow changes to the defaults
BASE = Config(width=8, hidden=3, activation="sigmoid", loss="bce", optimizer="adam", lr=0.1, init_scale=1.0)
# SGD + momentum on MSE finds distinct codes for most 8-3-8 seeds within ~1000 epochs
MOMENTUM = replace(BASE, loss="mse", optimizer="momentum", lr=2.0, momentum=0.9, dtype="float64")
BACKENDS = ["numpy", "torch"]
# sgd lr 30 on a linear hidden layer with BCE blows the weights up to inf/NaN within 200 epochs
DIVERGING = replace(BASE, activation="linear", optimizer="sgd", lr=30.0, epochs=200, dtype="float64")


def needs_backend(backend: str) -> None:
    if backend == "torch":
        pytest.importorskip("torch")


def assert_same_history(a: dict, b: dict, rtol: float = 1e-9) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert len(a[name]) == len(b[name]), name
        np.testing.assert_allclose(a[name], b[name], rtol=rtol, atol=0, err_msg=name)


def forty_twenty_forty(outputs: np.ndarray) -> np.ndarray:
    targets = np.eye(outputs.shape[0])
    return np.where(targets > 0.5, outputs >= 0.6, outputs <= 0.4)


def distinct_rows(bits: np.ndarray) -> int:
    return len({tuple(row) for row in bits.tolist()})


@pytest.mark.parametrize(("activation", "loss"), [("sigmoid", "bce"), ("tanh", "mse"), ("relu", "bce")])
def test_history_entry_zero_is_at_the_initial_weights(activation, loss, reference):
    """Entry 0 (loss, accuracy, 40-20-40 bits, distinct codes) is measured at result.initial."""
    config = replace(BASE, activation=activation, loss=loss, epochs=5, dtype="float64", seed=2)
    result = train(config)
    expected = reference(result.initial, activation, loss)
    assert result.history["loss"][0] == pytest.approx(expected.loss, rel=1e-12)
    assert result.history["accuracy"][0] == np.mean(expected.outputs.argmax(axis=1) == np.arange(8))
    assert result.history["bits_correct"][0] == forty_twenty_forty(expected.outputs).mean()
    threshold = 0.5 if activation == "sigmoid" else 0.0
    assert result.history["distinct_codes"][0] == distinct_rows(expected.hidden > threshold)


def test_last_entry_and_final_outputs_are_at_the_final_weights(reference):
    """The last history entry, result.activations and result.outputs are the forward pass at result.final."""
    config = replace(BASE, epochs=40, dtype="float64", seed=4)
    result = train(config)
    expected = reference(result.final, config.activation, config.loss)
    assert result.history["loss"][-1] == pytest.approx(expected.loss, rel=1e-12)
    np.testing.assert_allclose(result.outputs, expected.outputs, rtol=1e-12)
    np.testing.assert_allclose(result.activations, expected.hidden, rtol=1e-12)
    assert not np.allclose(result.final.W1, result.initial.W1), "training should move the weights"


def test_history_lists_have_length_epochs_plus_one():
    """Every history list (epoch and each metric) has epochs + 1 entries, epoch being 0..epochs."""
    result = train(replace(BASE, epochs=17))
    assert set(result.history) == {"epoch", *METRICS}
    for values in result.history.values():
        assert len(values) == 18
    np.testing.assert_array_equal(result.history["epoch"], np.arange(18))
    assert result.epochs_done == 17 and not result.diverged and not result.stopped


def test_entry_i_is_at_the_weights_after_i_updates():
    """A run of 60 epochs is a prefix of a run of 120: entry i does not depend on the run length."""
    config = replace(MOMENTUM, epochs=120)
    long = train(config)
    short = train(replace(config, epochs=60))
    for name in METRICS:
        np.testing.assert_array_equal(short.history[name], long.history[name][:61], err_msg=name)
    solved_by_60 = long.output_solved_epoch is not None and long.output_solved_epoch <= 60
    assert short.output_solved_epoch == (long.output_solved_epoch if solved_by_60 else None)


def test_solved_epochs_are_the_first_entries_meeting_their_rule():
    """output_solved_epoch is the first entry with every bit right, solved_epoch the first with distinct codes too."""
    config = replace(MOMENTUM, epochs=1200)
    batch = train_seeds(config, range(6))
    for index in range(6):
        result = batch.run(index)
        all_right = result.history["bits_correct"] == 1.0
        solved = all_right & (result.history["distinct_codes"] == 8)
        assert result.output_solved_epoch == (int(np.argmax(all_right)) if all_right.any() else None)
        assert result.solved_epoch == (int(np.argmax(solved)) if solved.any() else None)
        if result.solved_epoch is not None:
            assert result.output_solved_epoch is not None
            assert result.solved_epoch >= result.output_solved_epoch
    assert any(epoch is not None for epoch in batch.solved_epoch), "momentum lr 2 solves most seeds by epoch 1200"


def test_codes_are_distinct_at_the_solved_epoch(reference):
    """Re-training to solved_epoch and reading the hidden codes by hand gives 8 distinct codes and solved outputs."""
    config = replace(MOMENTUM, epochs=1500)
    batch = train_seeds(config, range(6))
    solved = [batch.run(index) for index in range(6) if batch.solved_epoch[index] is not None]
    assert solved, "momentum lr 2 (about 75% of seeds find a code by epoch ~800) should solve one of 6 seeds"
    run = solved[0]
    at_solved = train(replace(run.config, epochs=run.solved_epoch))
    state = reference(at_solved.final, config.activation, config.loss)
    assert distinct_rows(state.hidden > 0.5) == 8  # sigmoid codes read at 0.5
    assert forty_twenty_forty(state.outputs).all()
    assert at_solved.solved_epoch == run.solved_epoch
    assert at_solved.code_report().distinct == 8 and at_solved.code_report().collisions == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_default_8_3_8_run_learns(backend):
    """Config() defaults (only the backend set) learn: loss falls substantially and the outputs get solved."""
    needs_backend(backend)
    result = train(replace(Config(), backend=backend))
    loss = result.history["loss"]
    assert not result.diverged
    assert loss[-1] < 0.25 * loss[0]
    assert result.output_solved_epoch is not None
    assert result.history["accuracy"][-1] == 1.0
    assert result.history["bits_correct"][result.output_solved_epoch] == 1.0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "recipe",
    [
        dict(optimizer="adam", lr=0.2, loss="bce"),
        dict(optimizer="rprop", lr=0.01, loss="mse", activation="tanh"),
    ],
    ids=["adam", "rprop"],
)
def test_batched_seeds_equal_single_runs(backend, recipe):
    """train_seeds(config, seeds).run(i) equals train(config with seed=seeds[i]) in float64."""
    needs_backend(backend)
    config = replace(BASE, backend=backend, device="cpu", epochs=150, dtype="float64", **recipe)
    seeds = [4, 0, 9]
    batch = train_seeds(config, seeds)
    for index, seed in enumerate(seeds):
        batched, single = batch.run(index), train(replace(config, seed=seed))
        assert batched.config == single.config
        assert_same_history(batched.history, single.history)
        assert (batched.output_solved_epoch, batched.solved_epoch) == (single.output_solved_epoch, single.solved_epoch)
        for name in NAMES:
            np.testing.assert_array_equal(getattr(batched.initial, name), getattr(single.initial, name))
            np.testing.assert_allclose(getattr(batched.final, name), getattr(single.final, name), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(batched.outputs, single.outputs, rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("backend", BACKENDS)
def test_absurd_learning_rate_diverges_without_exceptions(backend):
    """A blown-up run ends diverged with an all-finite, shortened history and JSON-safe result."""
    needs_backend(backend)
    result = train(replace(DIVERGING, backend=backend, device="cpu"))
    assert result.diverged
    assert 1 <= result.epochs_done < DIVERGING.epochs
    for name, values in result.history.items():
        assert len(values) == result.epochs_done + 1, name
        assert np.isfinite(values).all(), name
    assert np.isfinite(result.outputs).all()
    json.dumps(formats.run_json(result), allow_nan=False)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_is_tracked_per_seed_in_a_batch():
    """Each seed of a batch diverges at its own epoch, exactly as when run alone."""
    seeds = [0, 1, 2, 3]
    batch = train_seeds(DIVERGING, seeds)
    assert all(batch.diverged)
    for index, seed in enumerate(seeds):
        single = train(replace(DIVERGING, seed=seed))
        assert single.diverged
        assert batch.run(index).epochs_done == single.epochs_done
        assert_same_history(batch.run(index).history, single.history)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_float32_divergence_is_flagged_too():
    """The same absurd run in float32 is also flagged diverged, with a finite history, not raised."""
    result = train(replace(DIVERGING, dtype="float32"))
    assert result.diverged and result.epochs_done < DIVERGING.epochs
    assert np.isfinite(result.history["loss"]).all()


def test_progress_callback_sees_a_consistent_partial_result(reference):
    """progress.result() is the run so far: epoch+1 entries, outputs at its final weights, a prefix of the run."""
    config = replace(BASE, epochs=60, dtype="float64", seed=1)
    partials = {}

    def on_progress(progress):
        assert progress.epochs == 60 and 0 <= progress.fraction < 1
        if progress.epoch in (0, 9, 33):
            partials[progress.epoch] = progress.result().run(0)

    result = train(config, on_progress, progress_interval=0.0)
    assert set(partials) == {0, 9, 33}
    for epoch, partial in partials.items():
        assert partial.stopped
        assert len(partial.history["loss"]) == epoch + 1
        expected = reference(partial.final, config.activation, config.loss)
        np.testing.assert_allclose(partial.outputs, expected.outputs, rtol=1e-12)
        np.testing.assert_allclose(partial.activations, expected.hidden, rtol=1e-12)
        assert partial.history["loss"][-1] == pytest.approx(expected.loss, rel=1e-12)
        for name in METRICS:
            np.testing.assert_array_equal(partial.history[name], result.history[name][: epoch + 1], err_msg=name)
    assert_same_history(result.history, train(config).history, rtol=0)  # peeking changes nothing


def test_progress_latest_is_the_last_recorded_entry():
    """progress.latest(metric) at epoch e is history entry e - 1 of the finished run."""
    seen = {}

    def on_progress(progress):
        if progress.epoch > 0:
            seen[progress.epoch] = float(progress.latest("loss")[0])

    result = train(replace(BASE, epochs=30, dtype="float64"), on_progress, progress_interval=0.0)
    assert seen
    for epoch, loss in seen.items():
        assert loss == result.history["loss"][epoch - 1]


def test_progress_callback_returning_true_stops_training():
    """Returning True stops at once: stopped is set and the result equals a run of that many epochs."""
    config = replace(BASE, epochs=200, dtype="float64", seed=6)
    result = train(config, lambda progress: progress.epoch >= 12, progress_interval=0.0)
    assert result.stopped and not result.diverged
    assert result.epochs_done == 12
    same_length = train(replace(config, epochs=12))
    assert not same_length.stopped
    assert_same_history(result.history, same_length.history, rtol=0)
    for name in NAMES:
        np.testing.assert_array_equal(getattr(result.final, name), getattr(same_length.final, name))


def test_progress_interval_is_respected():
    """With a very long interval the callback is never called; with 0 it is called as training runs."""
    calls = []
    train(Config(epochs=20), lambda progress: calls.append(progress.epoch), progress_interval=1e9)
    assert calls == []
    train(Config(epochs=20), lambda progress: calls.append(progress.epoch), progress_interval=0.0)
    assert calls and calls == sorted(calls) and calls[-1] < 20


def test_snapshots_hold_hidden_activations_at_their_epochs(reference):
    """Snapshots include epochs 0 and the last one, and hold the hidden layer at those weights."""
    config = replace(BASE, epochs=50, dtype="float64", seed=8)
    result = train(config)
    assert result.snapshot_epochs[0] == 0 and result.snapshot_epochs[-1] == 50
    assert result.snapshot_epochs == sorted(set(result.snapshot_epochs))
    assert result.snapshots.shape == (len(result.snapshot_epochs), 8, 3)
    start = reference(result.initial, config.activation, config.loss).hidden
    np.testing.assert_allclose(result.snapshots[0], start, rtol=1e-6)
    np.testing.assert_allclose(result.snapshots[-1], result.activations, rtol=1e-6)
