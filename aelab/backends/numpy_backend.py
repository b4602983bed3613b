"""The from-scratch backend: forward and backward written out by hand in NumPy.

The network, for S seeds at once (P patterns of width N, k hidden units):

    z1 = X @ W1 + b1        (P, N) @ (S, N, k) -> (S, P, k)
    h  = act(z1)
    z2 = h @ W2 + b2        (S, P, k) @ (S, k, N) -> (S, P, N)
    y  = sigmoid(z2)        (softmax over each pattern's N outputs for softmax_ce; z2 itself when linear)

With hidden noise, z1 gets the epoch's draws added for the update; the
returned figures are those of the clean network.

Unlike the seed notebook, both layers have real biases (no constant input
column to reconstruct), and every derivative has its true sign: the tests
check these gradients by finite differences and against torch autograd.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from aelab.activations import ACTIVATIONS
from aelab.backends.base import Forward, StopCheck, surely_finite
from aelab.config import Config
from aelab.noise import chunks
from aelab.optimizers import optimizer
from aelab.patterns import is_one_hot
from aelab.per_seed import NO_SEED_SETTINGS, SeedSettings
from aelab.weights import Weights


def output_layer(
    name: str, z2: np.ndarray, X: np.ndarray, gradient: bool = True, flat_spot: float = 0.0, output: str = "auto"
) -> tuple[np.ndarray, ...]:
    """Outputs y (S, P, N), per-seed loss (S,) and, with `gradient`, dLoss/dz2 (S, P, N).

    `output` is the output layer (Config.output_layer; auto: softmax for softmax_ce, else sigmoid);
    a linear one (y = z2) goes with mse or sse only.

    X, the targets, is (P, N), or (S, B, N) for a mini-batch of B patterns per seed.
    `flat_spot` is added to the sigmoid's derivative y (1 - y) for mse and sse (for bce and
    softmax_ce that derivative cancels against the loss's: there is none to offset).
    z2 is used up (overwritten): at N = 64 and 100 seeds every (S, P, N) temporary
    costs a fresh 1.6 MB from the system, so the big arrays are reused in place."""
    patterns = X.shape[-2]
    # softmax_ce: softmax; the mean over the P patterns of -log y[target]. Its gradient (y - X) / P holds
    # for one-of-N targets (each row of X sums to 1), which every encoder pattern is.
    if name == "softmax_ce":
        shifted = np.subtract(z2, z2.max(axis=-1, keepdims=True), out=z2)  # exp of it never overflows
        target = np.einsum("spn,pn->sp" if X.ndim == 2 else "spn,spn->sp", shifted, X)  # (S, P): the target's entry
        y = np.exp(shifted, out=shifted)
        total = y.sum(axis=-1, keepdims=True)  # (S, P, 1)
        y /= total
        # -log y[target] = log(total) - shifted[target]
        loss = (np.log(total[..., 0]) - target).sum(axis=1) / patterns
        return y, loss, ((y - X) / patterns if gradient else None)
    # bce from the logits, in the overflow-free form max(z, 0) - z x + log(1 + exp(-|z|)), before z2 is reused
    count = patterns * X.shape[-1]  # the mean runs over every output of every pattern
    if name == "bce":
        loss = (np.maximum(z2, 0) - z2 * X + np.log1p(np.exp(-np.abs(z2)))).sum(axis=(1, 2)) / count
    linear = output == "linear"
    y = z2 if linear else _sigmoid_in_place(z2)
    if name == "bce":
        return y, loss, ((y - X) / count if gradient else None)
    error = y - X
    squares = (error * error).sum(axis=(1, 2))
    loss = 0.5 * squares if name == "sse" else squares / count  # sse: half the sum, as SNNS and PDP count it
    if not gradient:
        return y, loss, None
    # mse: d/dz2 of mean (y - X)^2 = (2 / count) (y - X) y (1 - y); sse: (y - X) y (1 - y)
    dz2 = error if name == "sse" else np.multiply(error, 2 / count, out=error)
    if linear:  # dy/dz2 = 1: no derivative to offset either
        return y, loss, dz2
    if flat_spot:
        dz2 *= y * (1 - y) + flat_spot
        return y, loss, dz2
    dz2 *= y
    dz2 *= 1 - y
    return y, loss, dz2


def _sigmoid_in_place(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), computed in z's own memory (no (S, P, N) temporaries)."""
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


class Pass(NamedTuple):
    """One forward pass with what the backward pass needs."""

    forward: Forward  # loss (S,), activations h (S, P, k), outputs y (S, P, N)
    z1: np.ndarray  # (S, P, k) hidden pre-activations
    dz2: np.ndarray | None  # (S, P, N) dLoss/dz2, when asked for


class NumpyBackend:
    """S networks as stacked arrays; `step` is one epoch of updates of all of them: one full-batch
    update, or with a pattern order one update per mini-batch of it."""

    def __init__(
        self, config: Config, weights: Weights, data: np.ndarray, seed_settings: SeedSettings = NO_SEED_SETTINGS
    ):
        dtype = np.dtype(config.dtype)
        self.config, self.data, self.seed_settings = config, data, seed_settings  # (for select)
        self.activation = ACTIVATIONS[config.activation]
        self.loss_name, self.output = config.loss, config.output_layer
        self.weight_decay = seed_settings.column("weight_decay", config, dtype)  # a number, or (S, 1)
        self.decays = bool(np.any(self.weight_decay))
        self.flat_spot, self.batch_size = config.flat_spot, config.batch_size
        self.X = data.astype(dtype)  # (P, N)
        self.one_hot = is_one_hot(data)  # then X @ W1 = W1 and Xᵀ @ dz1 = dz1: two products fewer
        self.params, self.theta = _flat_parameters(weights, dtype)  # W1, b1, W2, b2 as views into theta
        self.grads, self.grad = _flat_parameters(weights, dtype, zeros=True)  # dW1, db1, dW2, db2 likewise
        self.optimizer = optimizer(config.optimizer).numpy(seed_settings.optimizer_settings(config))
        # Views used in every pass, made once (they follow theta, which is updated in place).
        _, b1, W2, b2 = self.params
        self.b1_rows, self.b2_rows = b1[:, None, :], b2[:, None, :]  # (S, 1, k), (S, 1, N): broadcast per pattern
        self.W2_T, self.X_T = W2.transpose(0, 2, 1), self.X.T

    def _forward(self, noise: np.ndarray | None = None, gradient: bool = True, X: np.ndarray | None = None) -> Pass:
        """A pass over all patterns, or with `X` (S, B, N) over each seed's mini-batch."""
        W1, _, W2, _ = self.params
        # (sigmoid's exp(-z) may overflow to inf, the right limit: the training loop runs every pass
        # inside np.errstate(over="ignore"), so that a pass need not enter it, every epoch)
        if X is None:
            X = self.X
            z1 = (W1 if self.one_hot else X @ W1) + self.b1_rows  # (P, N) @ (S, N, k) + (S, 1, k) -> (S, P, k)
        else:
            z1 = X @ W1 + self.b1_rows  # (S, B, N) @ (S, N, k) + (S, 1, k) -> (S, B, k)
        if noise is not None:
            z1 = z1 + noise  # (S, P, k): this epoch's draws, for the update only
        h = self.activation.numpy(z1)
        z2 = h @ W2  # (S, P, k) @ (S, k, N) -> (S, P, N)
        z2 += self.b2_rows  # + (S, 1, N), in place
        y, loss, dz2 = output_layer(self.loss_name, z2, X, gradient, self.flat_spot, self.output)
        return Pass(Forward(loss, h, y), z1, dz2)

    def forward(self) -> Forward:
        return self._forward().forward

    def step(
        self, noise: np.ndarray | None = None, order: np.ndarray | None = None, stop: StopCheck | None = None
    ) -> Forward | None:
        if order is not None:
            return self._epoch_in_batches(order, noise, stop)
        clean = self._forward(gradient=noise is None)  # with noise, the gradient comes from the noisy pass
        self._update(clean if noise is None else self._forward(noise))
        return clean.forward

    def _epoch_in_batches(self, order: np.ndarray, noise: np.ndarray | None, stop: StopCheck | None) -> Forward | None:
        """One pass over each seed's patterns in `order` (S, P), an update per `batch_size` of them.

        Seed s's update j uses patterns order[s, jB:(j+1)B] (and their rows of `noise`).
        None when `stop()` said so before an update (the epoch left part-way)."""
        clean = self._forward(gradient=False)  # the figures: the clean network before the epoch
        seeds = np.arange(order.shape[0])[:, None]  # (S, 1) to pick each seed's own rows
        for part in chunks(order.shape[1], self.batch_size):
            if stop is not None and stop():
                return None
            rows = order[:, part]  # (S, B)
            batch = self._forward(None if noise is None else noise[seeds, rows], X=self.X[rows])
            self._update(batch, self.X[rows])
        return clean.forward

    def _update(self, forward_pass: Pass, X: np.ndarray | None = None) -> None:
        """Backward through `forward_pass` (over all patterns, or the mini-batch X (S, B, N)), then
        one optimiser update."""
        forward, z1, dz2 = forward_pass
        h, (dW1, db1, dW2, db2) = forward.activations, self.grads
        # Backward, by the chain rule. Each result is written straight into its slice of the
        # flat gradient (out=), so the optimiser can update every parameter in one go.
        np.matmul(h.transpose(0, 2, 1), dz2, out=dW2)  # dW2 = hᵀ dz2: (S, k, P) @ (S, P, N) -> (S, k, N)
        np.einsum("spn->sn", dz2, out=db2)  # db2 = Σ_p dz2 (einsum: ~4x faster than .sum on a stack)
        dh = dz2 @ self.W2_T  # dh = dz2 W2ᵀ: (S, P, N) @ (S, N, k) -> (S, P, k)
        slope = self.activation.slope(z1, h)
        if self.flat_spot:  # Fahlman's sigmoid-prime offset, SNNS's flat-spot elimination c
            slope = slope + self.flat_spot
        dz1 = dh * slope  # dz1 = dh ⊙ (act'(z1) + c)
        if X is not None:
            np.matmul(X.transpose(0, 2, 1), dz1, out=dW1)  # dW1 = Xᵀ dz1: (S, N, B) @ (S, B, k) -> (S, N, k)
        elif self.one_hot:
            np.copyto(dW1, dz1)  # dW1 = Xᵀ dz1 = dz1 for one-hot X
        else:
            np.matmul(self.X_T, dz1, out=dW1)  # dW1 = Xᵀ dz1: (N, P) @ (S, P, k) -> (S, N, k)
        np.einsum("spk->sk", dz1, out=db1)  # db1 = Σ_p dz1
        if self.decays:  # the gradient of (wd / 2) |theta|^2, as torch.optim's weight_decay adds it
            self.grad += self.weight_decay * self.theta
        self.optimizer.step(self.theta, self.grad)  # theta -= update(grad), all parameters at once

    def restart(self, rows: np.ndarray, weights: Weights) -> None:
        """Seeds `rows` begin again from `weights` (leading axis len(rows)) with fresh optimizer state."""
        self.theta[rows] = np.concatenate([array.reshape(len(rows), -1) for array in weights], axis=1)
        self.optimizer.reset(rows)

    def weights(self) -> Weights:
        return Weights(*(array.copy() for array in self.params))

    def select(self, rows: np.ndarray) -> NumpyBackend:
        """A backend of seeds `rows` alone, where these are: their weights, settings and optimizer state."""
        weights = Weights(*(array[rows] for array in self.params))
        part = NumpyBackend(self.config, weights, self.data, self.seed_settings.select(rows))
        part.optimizer.load_state({name: array[rows] for name, array in self.optimizer.state().items()}, part.theta)
        return part

    def optimizer_state(self) -> dict[str, np.ndarray]:
        return self.optimizer.state()

    def load_optimizer_state(self, state: dict[str, np.ndarray]) -> None:
        self.optimizer.load_state(state, self.theta)

    def nonfinite_weights(self) -> np.ndarray | None:
        if surely_finite(self.theta):
            return None
        nonfinite = ~np.isfinite(self.theta).all(axis=1)  # (the sum of squares may only have overflowed)
        return nonfinite if nonfinite.any() else None


def _flat_parameters(weights: Weights, dtype: np.dtype, zeros: bool = False) -> tuple[Weights, np.ndarray]:
    """All parameters of all seeds in one flat (S, count) array, and W1, b1, W2, b2 as views into it.

    Why: an optimiser step on one array costs a handful of NumPy calls however many seeds
    and parameters there are; on four arrays per step it would cost four times the calls."""
    seeds = weights.W1.shape[0]
    flat = np.concatenate([array.reshape(seeds, -1) for array in weights], axis=1).astype(dtype)
    if zeros:
        flat[:] = 0
    views, start = [], 0
    for array in weights:
        shape = array.shape[1:]
        size = int(np.prod(shape))
        view = flat[:, start : start + size].reshape(seeds, *shape)
        assert np.shares_memory(view, flat), "a parameter view must not be a copy"
        views.append(view)
        start += size
    return Weights(*views), flat
