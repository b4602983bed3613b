"""The two backends do the same maths: same seed, same start, same trajectory."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, train
from aelab.backends import make_backend
from aelab.patterns import one_hot_patterns
from aelab.weights import Weights, init_weights

pytest.importorskip("torch")

NAMES = ("W1", "b1", "W2", "b2")
# Every setting spelled out, so these tests do not follow changes to the defaults
BASE = Config(width=8, hidden=3, activation="sigmoid", loss="bce", optimizer="adam", lr=0.1, init_scale=1.0)

# One sane recipe per optimiser: each learns over 200 epochs without its loss underflowing
# (torch's BCE-with-logits loses relative precision once the loss is ~1e-8, so Rprop uses MSE).
RECIPES = {
    "sgd": dict(optimizer="sgd", lr=2.0, loss="bce"),
    "momentum": dict(optimizer="momentum", lr=2.0, loss="mse"),
    "adam": dict(optimizer="adam", lr=0.1, loss="bce"),
    "rprop": dict(optimizer="rprop", lr=0.01, loss="mse"),
}


def on_both(config: Config):
    """(numpy result, torch result) for one config, torch on the CPU."""
    return train(replace(config, backend="numpy")), train(replace(config, backend="torch", device="cpu"))


def relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.abs(b)))


@pytest.mark.parametrize("optimizer", list(RECIPES))
def test_float64_histories_agree_over_200_epochs(optimizer):
    """float64: loss histories agree to 1e-9 relative, discrete metrics and solved epochs exactly."""
    config = replace(BASE, epochs=200, dtype="float64", seed=3, **RECIPES[optimizer])
    ours, theirs = on_both(config)
    assert len(ours.history["loss"]) == len(theirs.history["loss"]) == 201
    assert ours.history["loss"][-1] < 0.5 * ours.history["loss"][0], "recipe should learn"
    assert relative_difference(ours.history["loss"], theirs.history["loss"]) < 1e-9
    for name in ("accuracy", "bits_correct", "distinct_codes"):
        np.testing.assert_array_equal(ours.history[name], theirs.history[name], err_msg=name)
    assert (ours.output_solved_epoch, ours.solved_epoch) == (theirs.output_solved_epoch, theirs.solved_epoch)
    for name in NAMES:
        np.testing.assert_allclose(getattr(ours.final, name), getattr(theirs.final, name), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_every_activation_and_loss_agrees(activation, loss):
    """float64, Adam: every activation x loss gives the same 40-epoch history and weights on both backends."""
    ours, theirs = on_both(replace(BASE, activation=activation, loss=loss, epochs=40, dtype="float64", seed=2))
    assert relative_difference(ours.history["loss"], theirs.history["loss"]) < 1e-9
    for name in NAMES:
        np.testing.assert_allclose(getattr(ours.final, name), getattr(theirs.final, name), rtol=1e-9, atol=1e-12)


def test_float32_histories_agree_closely():
    """float32 (the default dtype): early loss histories agree to 1e-4 relative."""
    config = replace(BASE, epochs=50, dtype="float32")
    ours, theirs = on_both(config)
    assert ours.history["loss"].dtype == theirs.history["loss"].dtype
    assert relative_difference(ours.history["loss"], theirs.history["loss"]) < 1e-4
    np.testing.assert_allclose(ours.final.W1, theirs.final.W1, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_seed_same_start_on_both_backends(dtype, reference):
    """Same seed: identical initial weights, and the backend holds them (epoch-0 losses match)."""
    config = Config(epochs=1, dtype=dtype, seed=11)
    ours, theirs = on_both(config)
    for name in NAMES:
        np.testing.assert_array_equal(getattr(ours.initial, name), getattr(theirs.initial, name))
        assert getattr(ours.initial, name).dtype == np.dtype(dtype)
    expected = reference(ours.initial, config.activation, config.loss).loss
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    assert ours.history["loss"][0] == pytest.approx(expected, rel=tolerance)
    assert theirs.history["loss"][0] == pytest.approx(expected, rel=tolerance)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_backend_starts_from_the_given_weights(backend):
    """make_backend holds exactly the initial weights it is given, before any step."""
    config = Config(backend=backend, device="cpu", dtype="float64")
    initial = Weights.stack([init_weights(8, 3, seed, dtype="float64") for seed in (0, 1)])
    held = make_backend(config, initial, one_hot_patterns(8)).weights()
    for name in NAMES:
        np.testing.assert_array_equal(getattr(held, name), getattr(initial, name))


def test_float32_start_is_the_float64_start_rounded():
    """A float32 run starts from the float64 run's weights cast to float32."""
    single = train(Config(epochs=1, dtype="float32", seed=5))
    double = train(Config(epochs=1, dtype="float64", seed=5))
    for name in NAMES:
        np.testing.assert_array_equal(getattr(single.initial, name), getattr(double.initial, name).astype(np.float32))


def test_different_seeds_start_differently():
    """Different seeds give different initial weights and different epoch-0 losses, on both backends."""
    first, first_torch = on_both(Config(epochs=1, seed=0, dtype="float64"))
    second, second_torch = on_both(Config(epochs=1, seed=1, dtype="float64"))
    assert not np.array_equal(first.initial.W1, second.initial.W1)
    assert not np.array_equal(first.initial.W2, second.initial.W2)
    assert first.history["loss"][0] != second.history["loss"][0]
    assert first_torch.history["loss"][0] != second_torch.history["loss"][0]


def test_initial_weights_are_reproducible_and_scale_linearly():
    """init_weights is a pure function of its arguments, and scale multiplies the same draws."""
    once, again = init_weights(8, 3, seed=42), init_weights(8, 3, seed=42)
    scaled = init_weights(8, 3, seed=42, scale=0.5)
    for name in NAMES:
        np.testing.assert_array_equal(getattr(once, name), getattr(again, name))
        np.testing.assert_allclose(getattr(scaled, name), 0.5 * getattr(once, name), rtol=1e-15)


def test_initial_weights_follow_the_documented_distribution():
    """Weights are N(0, scale^2) draws, biases zero, shapes (N,k), (k,), (k,N), (N,)."""
    weights = init_weights(64, 16, seed=0, scale=2.0)
    assert [w.shape for w in weights] == [(64, 16), (16,), (16, 64), (64,)]
    assert not weights.b1.any() and not weights.b2.any()
    draws = np.concatenate([weights.W1.ravel(), weights.W2.ravel()])
    assert abs(draws.mean()) < 0.2 and 1.8 < draws.std() < 2.2


@pytest.mark.parametrize(
    ("bounds", "binding"),
    [((1e-6, 0.3), "max"), ((0.01, 50.0), "min"), ((0.01, 2.0), "max")],
)
def test_rprop_step_bounds_agree_and_bind(bounds, binding):
    """Rprop's step bounds (rprop_min_step, rprop_max_step) are torch.optim.Rprop's step_sizes: float64
    histories and weights agree on both backends, and the bound changes the run (it is used at all)."""
    low, high = bounds
    recipe = dict(optimizer="rprop", loss="mse", lr=0.2 if binding == "max" else 0.02)
    config = replace(BASE, epochs=150, dtype="float64", seed=4, rprop_min_step=low, rprop_max_step=high, **recipe)
    ours, theirs = on_both(config)
    assert relative_difference(ours.history["loss"], theirs.history["loss"]) < 1e-9
    for name in NAMES:
        np.testing.assert_allclose(getattr(ours.final, name), getattr(theirs.final, name), rtol=1e-9, atol=1e-12)
    unbounded = train(replace(config, rprop_min_step=1e-6, rprop_max_step=50.0))
    assert not np.allclose(ours.history["loss"], unbounded.history["loss"]), "the bound should change the run"


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_rprop_step_sizes_stay_within_the_bounds(backend):
    """After many growing and shrinking steps, every step size lies in [rprop_min_step, rprop_max_step],
    and both ends are reached (8-3-8 from large weights: steps grow on steady slopes, shrink on flips)."""
    config = replace(
        BASE, backend=backend, device="cpu", optimizer="rprop", loss="mse", lr=0.5, dtype="float64", seed=1
    )
    config = replace(config, rprop_min_step=1e-3, rprop_max_step=1.0)
    backend_object = make_backend(config, Weights.stack([init_weights(8, 3, 1, 1.0, "float64")]), one_hot_patterns(8))
    for _ in range(300):
        backend_object.step()
    state = backend_object.optimizer_state()
    sizes = np.concatenate([value.ravel() for key, value in state.items() if key.endswith("step_size")])
    assert sizes.min() == pytest.approx(1e-3) and sizes.max() == pytest.approx(1.0)
    assert ((sizes >= 1e-3 - 1e-15) & (sizes <= 1.0 + 1e-15)).all()


# Every pattern set and output layer (the patterns count P apart from the width N; torch's fused step
# takes the sigmoid outputs' full-batch steps, autograd the linear ones and the mini-batches).
PATTERN_CASES = [
    dict(data="random_binary", width=8, patterns=20, loss="bce"),
    dict(data="random_binary", width=6, patterns=30, loss="sse", output="linear", optimizer="sgd", lr=0.01),
    dict(data="random_binary", width=8, patterns=20, loss="mse", batch_size=6),
    dict(data="bars", width=16, hidden=4, loss="mse"),
    dict(data="bars", width=9, patterns=25, loss="mse", output="linear", activation="linear"),
    dict(data="digits", width=64, hidden=2, patterns=120, loss="mse"),
    dict(data="digits", width=64, hidden=5, patterns=120, loss="mse", output="linear", activation="tanh"),
    dict(data="one_hot", width=8, loss="mse", output="linear", activation="linear"),
]


@pytest.mark.parametrize("settings", PATTERN_CASES, ids=lambda s: "-".join(str(v) for v in s.values()))
def test_every_pattern_set_and_output_agrees(settings):
    config = replace(BASE, **dict(lr=0.05, init_scale=0.5, epochs=40, dtype="float64", seed=1) | settings)
    ours, theirs = on_both(config)
    assert ours.history["loss"][-1] < ours.history["loss"][0], "the recipe should learn"
    assert relative_difference(ours.history["loss"], theirs.history["loss"]) < 1e-9
    np.testing.assert_allclose(ours.outputs, theirs.outputs, rtol=1e-9, atol=1e-12)
    for name in NAMES:
        np.testing.assert_allclose(getattr(ours.final, name), getattr(theirs.final, name), rtol=1e-9, atol=1e-12)


def test_a_linear_mse_step_is_fused_and_a_linear_sse_one_takes_autograd():
    from aelab.backends.torch_backend import TorchBackend

    config = Config(data="random_binary", width=6, patterns=10, hidden=2, output="linear", dtype="float64")
    weights = Weights.stack([init_weights(6, 2, 0)])
    data = np.random.default_rng(0).integers(0, 2, (10, 6)).astype(float)
    assert TorchBackend(replace(config, device="cpu"), weights, data).network is not None
    assert TorchBackend(replace(config, loss="sse", device="cpu"), weights, data).network is None
