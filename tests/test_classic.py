"""The classic methods: Quickprop, the flat-spot offset, per-pattern and mini-batch updates, uniform
initialisation and the sse loss, each checked against hand-worked maths and across both backends."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, train
from aelab.backends.numpy_backend import NumpyBackend
from aelab.backends.numpy_optim import Quickprop
from aelab.patterns import one_hot_patterns
from aelab.weights import ORDER_STREAM, Weights, init_weights

NAMES = ("W1", "b1", "W2", "b2")
SIGMOID_SSE = Config(
    width=5, hidden=3, activation="sigmoid", loss="sse", init="uniform", init_scale=1.0, dtype="float64"
)


def hand_worked_quickprop_cases():
    """Four weights, epsilon 0.5, mu 1.75 (shrink = 1.75 / 2.75), no decay; every weight starts at 1.

    Step 1, slope S1 = (2, 2, 2, -1): d = 0, so dw = -0.5 S1 = (-1, -1, -1, 0.5).
    Step 2, slope S2 = (0.5, 1.5, -0.5, -0.25):
      w0: d < 0, S2 > 0 adds -0.5 * 0.5 = -0.25; S2 < shrink * 2 = 1.2727: d S2 / (S1 - S2) = -1 * 0.5 / 1.5
          -> dw = -0.25 - 1/3
      w1: d < 0, S2 > 0 adds -0.75; S2 = 1.5 >= 1.2727: capped at mu d = -1.75 -> dw = -2.5
      w2: d < 0, S2 < 0 adds nothing; quadratic -1 * -0.5 / 2.5 = 0.2 -> dw = 0.2
      w3: d > 0, S2 < 0 adds -0.5 * -0.25 = 0.125; S2 = -0.25 > shrink * -1 = -0.636: quadratic
          0.5 * -0.25 / (-1 + 0.25) = 1/6 -> dw = 0.125 + 1/6"""
    slopes = [np.array([[2.0, 2.0, 2.0, -1.0]]), np.array([[0.5, 1.5, -0.5, -0.25]])]
    after_one = np.array([[0.0, 0.0, 0.0, 1.5]])
    after_two = after_one + np.array([[-0.25 - 1 / 3, -2.5, 0.2, 0.125 + 1 / 6]])
    return slopes, after_one, after_two


def test_quickprop_matches_a_hand_worked_two_step_example():
    slopes, after_one, after_two = hand_worked_quickprop_cases()
    theta = np.ones((1, 4))
    optimizer = Quickprop(lr=0.5, max_growth=1.75)
    optimizer.step(theta, slopes[0])
    np.testing.assert_allclose(theta, after_one, rtol=0, atol=1e-15)
    optimizer.step(theta, slopes[1])
    np.testing.assert_allclose(theta, after_two, rtol=0, atol=1e-15)
    optimizer.reset(np.array([0]))  # a restart: the next step is gradient descent again
    before = theta.copy()
    optimizer.step(theta, slopes[0])
    np.testing.assert_allclose(theta, before - 0.5 * slopes[0], rtol=0, atol=1e-15)


def test_torch_quickprop_matches_the_same_example():
    torch = pytest.importorskip("torch")
    from aelab.backends.torch_optim import Quickprop as TorchQuickprop

    slopes, after_one, after_two = hand_worked_quickprop_cases()
    weight = torch.ones((1, 4), dtype=torch.float64, requires_grad=True)
    optimizer = TorchQuickprop([weight], lr=0.5, max_growth=1.75)
    for slope, expected in zip(slopes, (after_one, after_two), strict=True):
        weight.grad = torch.as_tensor(slope)
        optimizer.step()
        np.testing.assert_allclose(weight.detach().numpy(), expected, rtol=0, atol=1e-15)


def gradient_at(config: Config, weights: Weights) -> np.ndarray:
    """The flat gradient (S = 1, count) of config's loss at `weights`, from one SGD step's backward."""
    backend = NumpyBackend(
        replace(config, optimizer="sgd", weight_decay=0.0), Weights.stack([weights]), one_hot(config)
    )
    backend.step()
    return backend.grad.copy()


def one_hot(config: Config) -> np.ndarray:
    return one_hot_patterns(config.width)


def flat(weights: Weights) -> np.ndarray:
    return np.concatenate([array.reshape(1, -1) for array in weights], axis=1)


def unflat(theta: np.ndarray, like: Weights) -> Weights:
    arrays, start = [], 0
    for array in like:
        arrays.append(theta[0, start : start + array.size].reshape(array.shape))
        start += array.size
    return Weights(*arrays)


def test_quickprop_network_steps_follow_the_formula_with_decay_and_flat_spot():
    """Two epochs of the backend's Quickprop equal the formula applied by hand to the network's own
    slopes S = dE/dw + decay w (decay = weight_decay, as Fahlman adds it)."""
    # lr 2: a first step long enough that some slopes change sign, so every branch is taken
    config = replace(SIGMOID_SSE, optimizer="quickprop", lr=2.0, max_growth=1.75, weight_decay=1e-4, flat_spot=0.1)
    start = init_weights(5, 3, seed=4, scale=1.0, kind="uniform")
    decay, shrink = config.weight_decay, 1.75 / 2.75
    w0 = flat(start)
    s1 = gradient_at(config, start) + decay * w0
    d1 = -2.0 * s1
    w1 = w0 + d1
    s2 = gradient_at(config, unflat(w1, start)) + decay * w1
    rising = d1 > 0
    capped = np.where(rising, s2 <= shrink * s1, s2 >= shrink * s1)
    same_way = np.where(rising, s2 < 0, s2 > 0)
    d2 = np.where(same_way, -2.0 * s2, 0.0) + np.where(capped, 1.75 * d1, d1 * s2 / (s1 - s2))
    assert capped.any() and (~capped).any() and same_way.any() and (~same_way).any(), "exercise every branch"
    backend = NumpyBackend(config, Weights.stack([start]), one_hot(config))
    backend.step()
    backend.step()
    np.testing.assert_allclose(backend.theta, w1 + d2, rtol=1e-13, atol=1e-15)


def per_pattern_reference(config: Config, start: Weights, epochs: int) -> Weights:
    """A hand-written loop: per pattern, in the seed's shuffled order, the sse gradient with the flat
    spot on both layers, then plain SGD. The order: ORDER_STREAM's uniform draws, argsorted per epoch."""
    W1, b1, W2, b2 = (array.astype(np.float64).copy() for array in start)
    generator = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(ORDER_STREAM,)))
    orders = generator.random((64, config.width)).argsort(axis=1)
    c, lr = config.flat_spot, config.lr
    for epoch in range(epochs):
        for start_index in range(0, config.width, config.batch_size):
            patterns = orders[epoch, start_index : start_index + config.batch_size]
            dW1, db1, dW2, db2 = np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)
            for p in patterns:
                x = np.eye(config.width)[p]
                h = 1 / (1 + np.exp(-(x @ W1 + b1)))
                y = 1 / (1 + np.exp(-(h @ W2 + b2)))
                delta_out = (y - x) * (y * (1 - y) + c)  # d(1/2 |y - x|^2) / d z2
                delta_hidden = (W2 @ delta_out) * (h * (1 - h) + c)
                dW2 += np.outer(h, delta_out)
                db2 += delta_out
                dW1 += np.outer(x, delta_hidden)
                db1 += delta_hidden
            W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
    return Weights(W1, b1, W2, b2)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("batch_size", [1, 2])
def test_per_pattern_and_mini_batch_updates_equal_a_hand_written_loop(backend, batch_size):
    """batch_size 1 (online) and 2 (mini-batches of 2, 2 and 1 of the 5 patterns) over 3 epochs."""
    if backend == "torch":
        pytest.importorskip("torch")
    config = replace(
        SIGMOID_SSE, backend=backend, device="cpu", optimizer="sgd", lr=0.7, flat_spot=0.1,
        batch_size=batch_size, epochs=3, seed=6, dtype="float64",
    )  # fmt: skip
    result = train(config)
    expected = per_pattern_reference(config, result.initial, epochs=3)
    for name in NAMES:
        np.testing.assert_allclose(getattr(result.final, name), getattr(expected, name), rtol=1e-12, atol=1e-14)


def test_history_is_the_clean_full_batch_network_before_each_epoch():
    """With per-pattern updates, entry 0 is the loss at the initial weights over all patterns."""
    config = replace(SIGMOID_SSE, optimizer="sgd", lr=0.5, batch_size=1, epochs=2, dtype="float64")
    result = train(config)
    backend = NumpyBackend(config, Weights.stack([result.initial]), one_hot(config))
    assert result.history["loss"][0] == backend.forward().loss[0]
    assert result.history["loss"][-1] < result.history["loss"][0]


def test_uniform_initialisation_fills_weights_and_biases_within_the_range():
    weights = init_weights(8, 3, seed=1, scale=0.5, kind="uniform")
    values = np.concatenate([array.ravel() for array in weights])
    assert np.abs(values).max() <= 0.5 and np.abs(values).max() > 0.4
    assert np.all(weights.b1 != 0) and np.all(weights.b2 != 0)
    again = init_weights(8, 3, seed=1, scale=0.5, kind="uniform")
    assert all(np.array_equal(a, b) for a, b in zip(weights, again, strict=True))
    normal = init_weights(8, 3, seed=1, scale=0.5)  # the normal draw is exactly as before
    rng = np.random.default_rng(1)
    np.testing.assert_array_equal(normal.W1, rng.standard_normal((8, 3)) * 0.5)
    np.testing.assert_array_equal(normal.b1, np.zeros(3))


def test_sse_is_half_the_sum_of_squared_errors_and_mse_is_unchanged():
    start = init_weights(5, 3, seed=2, scale=1.0, kind="uniform")
    stacked, data = Weights.stack([start]), one_hot_patterns(5)
    sse = NumpyBackend(SIGMOID_SSE, stacked, data).forward()
    mse = NumpyBackend(replace(SIGMOID_SSE, loss="mse"), stacked, data).forward()
    squares = ((sse.outputs[0] - np.eye(5)) ** 2).sum()
    assert sse.loss[0] == pytest.approx(0.5 * squares, rel=1e-6)
    assert mse.loss[0] == pytest.approx(squares / 25, rel=1e-6)


# Parity: every new method on both backends, float64. Quickprop's quadratic step d S / (p - S)
# amplifies rounding (the backends' gradients differ in the last bit: autograd vs by hand) about
# tenfold every few epochs, 1e-16 -> 1e-9 by epoch 30: its cases run 25 epochs, the others 150.
PARITY = {
    "quickprop": (dict(optimizer="quickprop", lr=0.2, max_growth=1.75, weight_decay=1e-4, flat_spot=0.1), 25),
    "quickprop_mse_tanh": (dict(optimizer="quickprop", loss="mse", activation="tanh", lr=2.0, init="normal"), 25),
    "quickprop_online": (dict(optimizer="quickprop", lr=0.2, max_growth=1.5, batch_size=1, flat_spot=0.1), 25),
    "quickprop_restarts": (dict(optimizer="quickprop", lr=0.3, restart_after=8, flat_spot=0.1), 25),
    "momentum_flat_spot_online": (dict(optimizer="momentum", lr=0.8, momentum=0.6, flat_spot=0.1, batch_size=1), 150),
    "sgd_mini_batch_noise": (dict(optimizer="sgd", lr=1.0, batch_size=3, noise=0.3), 150),
    "rprop_uniform": (dict(optimizer="rprop", lr=0.2), 150),
    "adam_bce_flat_spot_batches": (dict(optimizer="adam", loss="bce", lr=0.1, flat_spot=0.2, batch_size=2), 150),
}


@pytest.mark.parametrize("name", list(PARITY))
def test_new_methods_agree_on_both_backends(name):
    pytest.importorskip("torch")
    overrides, epochs = PARITY[name]
    config = replace(SIGMOID_SSE, width=8, epochs=epochs, seed=3, **overrides)
    ours = train(replace(config, backend="numpy"))
    theirs = train(replace(config, backend="torch", device="cpu"))
    assert ours.history["loss"][-1] < 0.7 * ours.history["loss"][0], "the recipe should learn"
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-10)
    np.testing.assert_array_equal(ours.history["bits_correct"], theirs.history["bits_correct"])
    assert ours.restarts == theirs.restarts
    assert bool(ours.restarts) == (name == "quickprop_restarts"), "only the restart case restarts"
    for array_name in NAMES:
        ours_array, theirs_array = getattr(ours.final, array_name), getattr(theirs.final, array_name)
        np.testing.assert_allclose(ours_array, theirs_array, rtol=1e-9, atol=1e-12, err_msg=array_name)
