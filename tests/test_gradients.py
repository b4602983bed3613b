"""The NumPy backend's hand-written gradients: finite differences and torch autograd agree with them."""

from __future__ import annotations

import numpy as np
import pytest

from aelab.backends.numpy_backend import NumpyBackend
from aelab.config import SETTINGS, Config
from aelab.patterns import one_hot_patterns
from aelab.weights import Weights

WIDTH, HIDDEN = 5, 3
NAMES = ("W1", "b1", "W2", "b2")
COMBOS = [(activation, loss) for activation in SETTINGS["activation"].options for loss in SETTINGS["loss"].options]


def sgd_config(activation: str, loss: str) -> Config:
    return Config(
        width=WIDTH, hidden=HIDDEN, activation=activation, loss=loss, optimizer="sgd", lr=0.1, dtype="float64"
    )


def kink_free_weights(seed: int = 0) -> Weights:
    """Random weights and biases (biases non-zero, so their gradients are exercised) where no hidden
    pre-activation is within 1e-3 of 0 and at least one is positive per unit: relu is smooth there."""
    X = np.eye(WIDTH)
    for attempt in range(100):
        rng = np.random.default_rng([seed, attempt])
        W1, b1 = rng.normal(size=(WIDTH, HIDDEN)), rng.normal(scale=0.5, size=HIDDEN)
        W2, b2 = rng.normal(size=(HIDDEN, WIDTH)), rng.normal(scale=0.5, size=WIDTH)
        z1 = X @ W1 + b1
        if np.abs(z1).min() > 1e-3 and (z1 > 0).any(axis=0).all():
            return Weights(W1, b1, W2, b2)
    raise AssertionError("no kink-free weights found")


def backend_for(config: Config, weights: Weights) -> NumpyBackend:
    return NumpyBackend(config, Weights.stack([weights]), one_hot_patterns(config.width))


def analytic_gradient(config: Config, weights: Weights) -> dict[str, np.ndarray]:
    """The gradient NumpyBackend.step computes (at the weights before its update)."""
    backend = backend_for(config, weights)
    backend.step()
    return {name: getattr(backend.grads, name)[0].copy() for name in NAMES}


def loss_at(config: Config, weights: Weights) -> float:
    return float(backend_for(config, weights).forward().loss[0])


def finite_difference_gradient(config: Config, weights: Weights, eps: float = 1e-6) -> dict[str, np.ndarray]:
    """Central differences of the backend's own loss, one parameter entry at a time."""
    gradient = {}
    for name in NAMES:
        array = getattr(weights, name)
        result = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            plus, minus = array.copy(), array.copy()
            plus[index] += eps
            minus[index] -= eps
            result[index] = (
                loss_at(config, weights._replace(**{name: plus})) - loss_at(config, weights._replace(**{name: minus}))
            ) / (2 * eps)
        gradient[name] = result
    return gradient


@pytest.mark.parametrize(("activation", "loss"), COMBOS)
def test_gradient_matches_central_differences(activation, loss):
    """Every entry of dL/dW1, dL/db1, dL/dW2, dL/db2 equals its central difference (float64)."""
    config = sgd_config(activation, loss)
    weights = kink_free_weights()
    analytic = analytic_gradient(config, weights)
    numeric = finite_difference_gradient(config, weights)
    for name in NAMES:
        assert np.abs(analytic[name]).max() > 1e-4, f"{name}: gradient too small to test anything"
        np.testing.assert_allclose(analytic[name], numeric[name], rtol=1e-5, atol=1e-9, err_msg=name)


@pytest.mark.parametrize(("activation", "loss"), COMBOS)
def test_forward_loss_matches_the_reference(activation, loss, reference):
    """The backend's loss, hidden layer and outputs equal an independent NumPy reference."""
    weights = kink_free_weights(1)
    forward = backend_for(sgd_config(activation, loss), weights).forward()
    expected = reference(weights, activation, loss)
    assert forward.loss[0] == pytest.approx(expected.loss, rel=1e-12)
    np.testing.assert_allclose(forward.activations[0], expected.hidden, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(forward.outputs[0], expected.outputs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("activation", "loss"), COMBOS)
def test_gradient_matches_torch_autograd(activation, loss):
    """The hand-written gradient equals torch autograd of the same loss at the same weights (float64)."""
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    activations = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": functional.relu,
        "leaky_relu": lambda z: functional.leaky_relu(z, 0.01),
        "linear": lambda z: z,
    }
    weights = kink_free_weights(2)
    params = [torch.tensor(array, dtype=torch.float64, requires_grad=True) for array in weights]
    W1, b1, W2, b2 = params
    X = torch.eye(WIDTH, dtype=torch.float64)
    logits = activations[activation](X @ W1 + b1) @ W2 + b2
    if loss == "mse":
        value = functional.mse_loss(torch.sigmoid(logits), X)
    elif loss == "sse":  # half the sum of squared errors
        value = 0.5 * ((torch.sigmoid(logits) - X) ** 2).sum()
    elif loss == "softmax_ce":
        value = functional.cross_entropy(logits, torch.arange(WIDTH))  # pattern i's target is class i
    else:
        value = functional.binary_cross_entropy_with_logits(logits, X)
    value.backward()

    analytic = analytic_gradient(sgd_config(activation, loss), weights)
    for name, param in zip(NAMES, params, strict=True):
        np.testing.assert_allclose(analytic[name], param.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)


@pytest.mark.parametrize(("activation", "loss"), [("sigmoid", "bce"), ("relu", "mse")])
def test_batched_gradient_is_each_seeds_own_gradient(activation, loss):
    """With S seeds in one backend, seed s gets exactly the gradient it gets alone."""
    config = sgd_config(activation, loss)
    singles = [kink_free_weights(seed) for seed in range(3)]
    backend = NumpyBackend(config, Weights.stack(singles), one_hot_patterns(WIDTH))
    backend.step()
    for index, weights in enumerate(singles):
        alone = analytic_gradient(config, weights)
        for name in NAMES:
            np.testing.assert_allclose(getattr(backend.grads, name)[index], alone[name], rtol=1e-13, atol=1e-16)


def test_sgd_step_moves_weights_by_minus_lr_times_gradient():
    """One SGD step changes every parameter by exactly -lr * gradient."""
    config = sgd_config("tanh", "bce")
    weights = kink_free_weights(3)
    backend = backend_for(config, weights)
    backend.step()
    after = backend.weights()
    for name in NAMES:
        gradient = getattr(backend.grads, name)[0]
        np.testing.assert_allclose(getattr(after, name)[0], getattr(weights, name) - config.lr * gradient, rtol=1e-14)


# Outputs other than the loss's default, on patterns that are not one-hot (P = 7 real-valued patterns of
# width 5): the general path, X @ W1 and y - X in full.
OUTPUT_COMBOS = [("linear", "mse"), ("linear", "sse"), ("sigmoid", "mse"), ("sigmoid", "bce"), ("sigmoid", "sse")]
REAL_PATTERNS = np.random.default_rng(11).random((7, WIDTH))


def real_backend(config: Config, weights: Weights, patterns: np.ndarray = REAL_PATTERNS) -> NumpyBackend:
    return NumpyBackend(config, Weights.stack([weights]), patterns)


def real_gradient(config: Config, weights: Weights) -> dict[str, np.ndarray]:
    backend = real_backend(config, weights)
    backend.step()
    return {name: getattr(backend.grads, name)[0].copy() for name in NAMES}


@pytest.mark.parametrize(("output", "loss"), OUTPUT_COMBOS)
def test_every_output_gradient_matches_central_differences_on_real_patterns(output, loss):
    config = Config(width=WIDTH, hidden=HIDDEN, activation="tanh", loss=loss, output=output, dtype="float64")
    weights = kink_free_weights(3)
    analytic = real_gradient(config, weights)
    eps = 1e-6
    for name in NAMES:
        array = getattr(weights, name)
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            plus, minus = array.copy(), array.copy()
            plus[index] += eps
            minus[index] -= eps
            high = real_backend(config, weights._replace(**{name: plus})).forward().loss[0]
            low = real_backend(config, weights._replace(**{name: minus})).forward().loss[0]
            numeric[index] = (high - low) / (2 * eps)
        assert np.abs(analytic[name]).max() > 1e-4, f"{name}: gradient too small to test anything"
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-5, atol=1e-9, err_msg=name)


@pytest.mark.parametrize(("output", "loss"), OUTPUT_COMBOS)
def test_every_output_gradient_matches_torch_autograd_on_real_patterns(output, loss):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    weights = kink_free_weights(4)
    params = [torch.tensor(array, dtype=torch.float64, requires_grad=True) for array in weights]
    W1, b1, W2, b2 = params
    X = torch.tensor(REAL_PATTERNS)
    logits = torch.tanh(X @ W1 + b1) @ W2 + b2
    y = logits if output == "linear" else torch.sigmoid(logits)
    if loss == "bce":
        value = functional.binary_cross_entropy_with_logits(logits, X)
    else:
        value = 0.5 * ((y - X) ** 2).sum() if loss == "sse" else functional.mse_loss(y, X)
    value.backward()
    config = Config(width=WIDTH, hidden=HIDDEN, activation="tanh", loss=loss, output=output, dtype="float64")
    forward = real_backend(config, weights).forward()
    assert forward.loss[0] == pytest.approx(float(value.detach()), rel=1e-12)
    np.testing.assert_allclose(forward.outputs[0], y.detach().numpy(), rtol=1e-12, atol=1e-15)
    analytic = real_gradient(config, weights)
    for name, param in zip(NAMES, params, strict=True):
        np.testing.assert_allclose(analytic[name], param.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)
