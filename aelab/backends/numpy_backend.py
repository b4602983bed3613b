"""The from-scratch backend: forward and backward written out by hand in NumPy.

The network, for S seeds at once (P patterns of width N, k hidden units):

    z1 = X @ W1 + b1        (P, N) @ (S, N, k) -> (S, P, k)
    h  = act(z1)
    z2 = h @ W2 + b2        (S, P, k) @ (S, k, N) -> (S, P, N)
    y  = sigmoid(z2)

Unlike the seed notebook, both layers have real biases (no constant input
column to reconstruct), and every derivative has its true sign: the tests
check these gradients by finite differences and against torch autograd.

All parameters of all seeds live in one flat array `theta` of shape (S, P)
with W1, b1, W2, b2 as views into it, and likewise the gradient; so an
optimiser update is a handful of whole-array operations however many seeds.
"""

from __future__ import annotations

import numpy as np

from aelab.backends.base import Forward
from aelab.backends.numpy_optim import make_optimizer
from aelab.config import Config
from aelab.weights import Weights

LEAKY_SLOPE = 0.01  # torch.nn.functional.leaky_relu's default


def sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(-z) -> inf for very negative z gives the right limit, 0
        return _sigmoid(z)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """sigmoid for callers already inside np.errstate(over="ignore"): entering it costs
    about a microsecond, so the training step enters it once per pass."""
    return 1.0 / (1.0 + np.exp(-z))


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """act(z). Call it inside np.errstate(over="ignore"): sigmoid's exp(-z) may overflow, harmlessly."""
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, z * LEAKY_SLOPE)
    return z  # linear


def activation_slope(name: str, z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """d act(z) / dz, from z or from h = act(z), whichever is cheaper.

    At z == 0 relu and leaky_relu take the left slope, as torch does."""
    if name == "sigmoid":
        return h * (1 - h)
    if name == "tanh":
        return 1 - h * h
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)
    return np.ones_like(z)  # linear


def loss_and_grad(name: str, z2: np.ndarray, y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-seed mean loss (S,) and its gradient with respect to the logits z2 (S, P, N)."""
    count = X.size  # the mean runs over every output of every pattern
    if name == "mse":
        error = y - X
        loss = (error * error).sum(axis=(1, 2)) / count
        return loss, (2 / count) * error * y * (1 - y)
    # bce from the logits, in the overflow-free form max(z, 0) - z x + log(1 + exp(-|z|))
    loss = (np.maximum(z2, 0) - z2 * X + np.log1p(np.exp(-np.abs(z2)))).sum(axis=(1, 2)) / count
    return loss, (y - X) / count


class NumpyBackend:
    def __init__(self, config: Config, weights: Weights, data: np.ndarray):
        dtype = np.dtype(config.dtype)
        self.activation = config.activation
        self.loss_name = config.loss
        self.X = data.astype(dtype)  # (P, N)
        seeds = weights.W1.shape[0]
        self.theta = np.concatenate([w.reshape(seeds, -1) for w in weights], axis=1).astype(dtype)
        self.grad = np.zeros_like(self.theta)
        shapes = [w.shape[1:] for w in weights]
        self.W1, self.b1, self.W2, self.b2 = _views(self.theta, shapes)
        self.gW1, self.gb1, self.gW2, self.gb2 = _views(self.grad, shapes)
        # Views used every pass, made once (they follow theta, which is updated in place).
        self.b1_rows, self.b2_rows = self.b1[:, None, :], self.b2[:, None, :]  # (S, 1, k), (S, 1, N)
        self.W2_T, self.X_T = self.W2.transpose(0, 2, 1), self.X.T
        self.optimizer = make_optimizer(config)

    def _forward(self) -> tuple[Forward, np.ndarray, np.ndarray]:
        with np.errstate(over="ignore"):  # for both sigmoids: see sigmoid()
            z1 = self.X @ self.W1 + self.b1_rows  # (S, P, k)
            h = activate(self.activation, z1)
            z2 = h @ self.W2 + self.b2_rows  # (S, P, N)
            y = _sigmoid(z2)
        loss, dz2 = loss_and_grad(self.loss_name, z2, y, self.X)
        return Forward(loss, h, y), z1, dz2

    def forward(self) -> Forward:
        return self._forward()[0]

    def step(self) -> Forward:
        forward, z1, dz2 = self._forward()
        h = forward.hidden
        # Results go straight into the gradient's views (out=): no temporaries to copy.
        np.matmul(h.transpose(0, 2, 1), dz2, out=self.gW2)  # (S, k, P) @ (S, P, N) -> (S, k, N)
        np.einsum("spn->sn", dz2, out=self.gb2)  # dz2.sum(axis=1), which is ~4x slower on a stack
        dz1 = (dz2 @ self.W2_T) * activation_slope(self.activation, z1, h)  # (S, P, k)
        np.matmul(self.X_T, dz1, out=self.gW1)  # (N, P) @ (S, P, k) -> (S, N, k)
        np.einsum("spk->sk", dz1, out=self.gb1)
        self.optimizer.step(self.theta, self.grad)
        return forward

    def weights(self) -> Weights:
        return Weights(*(w.copy() for w in (self.W1, self.b1, self.W2, self.b2)))

    def weights_finite(self) -> np.ndarray:
        return np.isfinite(self.theta).all(axis=1)


def _views(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Split (S, P) into per-parameter views (S, *shape) sharing its memory."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        view = flat[:, start : start + size].reshape(flat.shape[0], *shape)
        assert np.shares_memory(view, flat), "parameter view must not be a copy"
        views.append(view)
        start += size
    return views
