"""The readable network (aelab.scratch) does the fast backend's maths: equal weights and losses every
epoch, for every activation, loss and plain optimiser, and a gradient that finite differences confirm."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aelab.backends.numpy_backend import NumpyBackend
from aelab.config import SETTINGS, Config
from aelab.patterns import one_hot_patterns
from aelab.recorder import first_weights
from aelab.scratch import Network
from aelab.weights import Weights

ACTIVATION_NAMES, LOSS_NAMES = list(SETTINGS["activation"].options), list(SETTINGS["loss"].options)
# The plain optimisers: an update that is the gradient times a fixed rate, summed with momentum's
# fixed decay. Adam, Rprop and Quickprop each keep per-weight step sizes or curvature: not plain.
PLAIN_OPTIMIZERS = ("sgd", "momentum")
# A rate per loss that trains visibly in a few dozen epochs without diverging (the losses scale differently:
# mse and bce average over all P x N outputs, softmax_ce over P patterns, sse sums).
LEARNING_RATE = {"mse": 20.0, "bce": 5.0, "softmax_ce": 0.5, "sse": 0.3}
EPOCHS = 40
NAMES = ("W1", "b1", "W2", "b2")


def config_for(activation: str, loss: str, optimizer: str, width: int = 8, hidden: int = 3) -> Config:
    return Config(
        width=width,
        hidden=hidden,
        activation=activation,
        loss=loss,
        optimizer=optimizer,
        lr=LEARNING_RATE[loss],
        momentum=0.5,  # (unused by sgd)
        init_scale=0.5,
        dtype="float64",
        seed=3,
    )


def train_both(config: Config, data: np.ndarray, epochs: int = EPOCHS) -> tuple[list, list]:
    """Per epoch, (the loss before its update, the weights after it): from the backend and from Network."""
    weights = first_weights(config, config.seed)
    if config.init == "normal":  # biases start at 0: give them values, so that their paths are tested too
        rng = np.random.default_rng(config.seed)
        weights = weights._replace(b1=rng.normal(0, 0.3, config.hidden), b2=rng.normal(0, 0.3, config.width))
    backend = NumpyBackend(config, Weights.stack([weights]), data)
    network = Network(weights, config.activation, config.loss, config.output)
    momentum = config.momentum if config.optimizer == "momentum" else 0.0
    fast, readable = [], []
    with np.errstate(over="ignore"):  # as the training loop runs the backend
        for _ in range(epochs):
            fast.append((float(backend.step().loss[0]), backend.weights().select(0)))
            loss = network.forward(data)
            network.update(network.backward(), config.lr, momentum)
            readable.append((loss, network.weights))
    return fast, readable


def assert_same_runs(fast: list, readable: list) -> None:
    for epoch, ((fast_loss, fast_weights), (loss, weights)) in enumerate(zip(fast, readable, strict=True)):
        np.testing.assert_allclose(loss, fast_loss, rtol=1e-9, atol=0, err_msg=f"loss at epoch {epoch}")
        for name, fast_array, array in zip(NAMES, fast_weights, weights, strict=True):
            np.testing.assert_allclose(array, fast_array, rtol=1e-9, atol=1e-12, err_msg=f"{name} after {epoch + 1}")


@pytest.mark.parametrize("optimizer", PLAIN_OPTIMIZERS)
@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_network_trains_exactly_as_the_fast_backend(activation, loss, optimizer):
    config = config_for(activation, loss, optimizer)
    fast, readable = train_both(config, one_hot_patterns(config.width))
    assert_same_runs(fast, readable)
    # The runs compared really trained: the loss fell and every weight moved.
    losses = [loss for loss, _ in readable]
    assert losses[-1] < 0.9 * losses[0], losses
    first = first_weights(config, config.seed)
    assert all(not np.allclose(moved, start) for moved, start in zip(readable[-1][1], first, strict=True))


@pytest.mark.parametrize("loss", ["mse", "bce", "sse"])  # softmax_ce's gradient holds for one-of-N targets only
def test_network_matches_the_backend_on_patterns_that_are_not_one_hot(loss):
    """The backend takes shortcuts for one-hot data; other patterns take its general path."""
    config = config_for("tanh", loss, "momentum", width=6, hidden=3)
    data = np.random.default_rng(1).integers(0, 2, size=(5, 6)).astype(np.float64)
    fast, readable = train_both(config, data)
    assert_same_runs(fast, readable)


@pytest.mark.parametrize("loss", ["mse", "sse"])
@pytest.mark.parametrize("activation", ["linear", "tanh"])
def test_network_matches_the_backend_with_a_linear_output_on_real_patterns(activation, loss):
    """A linear output (y = z2) on real-valued patterns, P = 9 apart from N = 6."""
    config = dataclasses.replace(config_for(activation, loss, "sgd", width=6, hidden=2), output="linear", lr=0.05)
    data = np.random.default_rng(2).random((9, 6))
    fast, readable = train_both(config, data)
    assert_same_runs(fast, readable)
    assert readable[-1][0] < 0.9 * readable[0][0]


def test_the_network_and_the_backend_differ_when_the_maths_does():
    """The comparison can fail: a backend with another momentum gives other weights."""
    config = config_for("tanh", "mse", "momentum")
    fast, _ = train_both(config, one_hot_patterns(8))
    _, readable = train_both(dataclasses.replace(config, momentum=0.6), one_hot_patterns(8))
    with pytest.raises(AssertionError):
        assert_same_runs(fast, readable)


def kink_free_weights(width: int, hidden: int, seed: int = 0) -> Weights:
    """Random weights and biases where no hidden pre-activation (one-hot inputs: z1 = W1 + b1) is within
    1e-3 of 0, so that relu and leaky relu are smooth within a finite difference's step."""
    for attempt in range(100):
        rng = np.random.default_rng([seed, attempt])
        W1, b1 = rng.normal(size=(width, hidden)), rng.normal(scale=0.5, size=hidden)
        W2, b2 = rng.normal(size=(hidden, width)), rng.normal(scale=0.5, size=width)
        if np.abs(W1 + b1).min() > 1e-3:
            return Weights(W1, b1, W2, b2)
    raise AssertionError("no kink-free weights found")


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_backward_matches_central_differences(activation, loss):
    """Every entry of backward()'s gradient equals the central difference of forward()'s loss."""
    width, hidden, eps = 5, 3, 1e-6
    weights, X = kink_free_weights(width, hidden), one_hot_patterns(width)
    network = Network(weights, activation, loss)
    network.forward(X)
    gradient = network.backward()
    for name, array, analytic in zip(NAMES, weights, gradient, strict=True):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            shifted = []
            for step in (eps, -eps):
                moved = array.copy()
                moved[index] += step
                shifted.append(Network(weights._replace(**{name: moved}), activation, loss).forward(X))
            numeric[index] = (shifted[0] - shifted[1]) / (2 * eps)
        assert np.abs(analytic).max() > 1e-4, f"{name}: gradient too small to test anything"
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9, err_msg=name)


def test_train_returns_the_loss_before_each_update():
    config = config_for("sigmoid", "bce", "sgd")
    network = Network(first_weights(config, config.seed), config.activation, config.loss)
    X = one_hot_patterns(config.width)
    losses = network.train(X, 5, config.lr)
    again = Network(first_weights(config, config.seed), config.activation, config.loss)
    for loss in losses:
        assert again.forward(X) == loss
        again.update(again.backward(), config.lr)
    assert network.forward(X) == again.forward(X)
