"""The one-hot shortcuts: exactly the figures and the arithmetic of the general path, with fewer passes."""

from __future__ import annotations

import numpy as np
import pytest

from aelab import Config, analysis, train
from aelab.backends import make_backend
from aelab.patterns import is_one_hot, one_hot_patterns
from aelab.weights import Weights, init_weights


def both_ways(outputs: np.ndarray, activations: np.ndarray) -> tuple[analysis.Metrics, analysis.Metrics]:
    targets = np.eye(outputs.shape[-1])
    return (
        analysis.measure(activations, outputs, targets, "tanh", one_hot=True),
        analysis.measure(activations, outputs, targets, "tanh", one_hot=False),
    )


def assert_same(fast: analysis.Metrics, general: analysis.Metrics) -> None:
    for name in analysis.Metrics._fields:
        np.testing.assert_array_equal(getattr(fast, name), getattr(general, name), err_msg=name)


@pytest.mark.parametrize("seed", range(5))
def test_random_outputs_give_the_same_figures(seed):
    rng = np.random.default_rng(seed)
    outputs = rng.uniform(size=(3, 16, 16))
    outputs[0] = np.where(np.eye(16) > 0, 0.9, 0.1)  # a solved seed: every row right
    outputs[1, :8] = np.where(np.eye(16)[:8] > 0, 0.7, 0.2)  # half its rows right
    assert_same(*both_ways(outputs, rng.normal(size=(3, 16, 4))))


def test_values_exactly_at_the_thresholds_and_ties():
    outputs = np.full((2, 4, 4), 0.4)  # every 0 exactly at 0.4: right; every 1 at 0.4: wrong
    np.fill_diagonal(outputs[0], 0.6)  # seed 0: targets exactly 0.6: right
    outputs[1] = 0.5  # seed 1: all tied: argmax picks unit 0, only pattern 0 is a hit
    outputs[1, 2, 2] = 0.6
    outputs[1, 3] = [0.6, 0.4, 0.4, 0.6]  # a tie between the target and an earlier unit: a miss
    fast, general = both_ways(outputs, np.zeros((2, 4, 2)))
    assert_same(fast, general)
    assert fast.bits_correct[0] == 1.0 and fast.accuracy[0] == 1.0
    assert fast.accuracy[1] == pytest.approx(2 / 4)  # patterns 0 (tie at 0) and 2


def test_nan_outputs_agree():
    outputs = np.random.default_rng(1).uniform(size=(2, 8, 8))
    outputs[1, 3, 5] = np.nan
    assert_same(*both_ways(outputs, np.zeros((2, 8, 3))))


def test_only_the_identity_is_one_hot():
    assert is_one_hot(one_hot_patterns(8)) and is_one_hot(np.eye(3, dtype=np.float32))
    assert not is_one_hot(np.eye(3)[::-1]) and not is_one_hot(np.eye(3, 4)) and not is_one_hot(np.ones((2, 2)))


@pytest.mark.parametrize("loss", ["softmax_ce", "mse"])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_the_shortcut_is_bit_identical_to_the_general_path(backend, loss, monkeypatch):
    """float64: a run with the shortcuts equals, bit for bit, the same run made to take the general path."""
    if backend == "torch":
        pytest.importorskip("torch")
    config = Config(backend=backend, device="cpu", width=16, hidden=4, epochs=60, dtype="float64", noise=0.2,
                    loss=loss, optimizer="momentum", lr=1.0)  # fmt: skip
    fast = train(config)
    import aelab.backends.numpy_backend as numpy_backend
    import aelab.recorder as recorder

    monkeypatch.setattr(numpy_backend, "is_one_hot", lambda data: False)
    monkeypatch.setattr(recorder, "is_one_hot", lambda data: False)
    if backend == "torch":
        import aelab.backends.torch_backend as torch_backend

        monkeypatch.setattr(torch_backend, "is_one_hot", lambda data: False)
    general = train(config)
    for name in ("loss", "accuracy", "bits_correct", "distinct_codes"):
        np.testing.assert_array_equal(fast.history[name], general.history[name], err_msg=name)
    for name in Weights._fields:
        np.testing.assert_array_equal(getattr(fast.final, name), getattr(general.final, name), err_msg=name)


def test_a_backend_holds_other_data_on_the_general_path():
    """Data that is not the identity (here the patterns in reverse order) trains through X @ W1."""
    config = Config(width=6, hidden=3, dtype="float64")
    data = one_hot_patterns(6)[::-1].copy()
    backend = make_backend(config, Weights.stack([init_weights(6, 3, 0, 0.2)]), data)
    assert not backend.one_hot
    forward = backend.forward()
    W1, b1 = backend.weights().W1[0], backend.weights().b1[0]
    np.testing.assert_allclose(forward.activations[0], np.tanh(data @ W1 + b1), rtol=1e-15)
