"""The four optimisers, from scratch, with torch.optim's exact update rules.

Each works in place on one flat parameter array `theta` and its gradient
`grad` of shape (S, count): every parameter of every seed, a row per seed.
The formulas follow torch/optim/{sgd,adam,rprop}.py line by line, in the same
order of operations, so float64 runs agree with torch to rounding.
`reset(rows)` gives those seeds the state of a new optimizer (a restart).
"""

from __future__ import annotations

import numpy as np

from aelab.config import Config


class SGD:
    def __init__(self, lr: float):
        self.lr = lr

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        theta -= self.lr * grad

    def reset(self, rows: np.ndarray) -> None:
        pass  # no state


class Momentum:
    """torch.optim.SGD(momentum=mu): the buffer starts as the first gradient."""

    def __init__(self, lr: float, momentum: float):
        self.lr, self.momentum = lr, momentum
        self.buffer: np.ndarray | None = None

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        if self.buffer is None:
            self.buffer = grad.copy()
        else:
            self.buffer *= self.momentum
            self.buffer += grad
        theta -= self.lr * self.buffer

    def reset(self, rows: np.ndarray) -> None:
        if self.buffer is not None:
            self.buffer[rows] = 0  # then buffer = 0 * momentum + grad = grad: torch's first step


class Adam:
    """torch.optim.Adam with betas (0.9, 0.999) and eps 1e-8.

    Each seed (row) counts its own steps, as a seed restarted mid-run has taken fewer."""

    def __init__(self, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.lr, self.betas, self.eps = lr, betas, eps
        self.steps: np.ndarray | None = None  # (S, 1) steps taken per seed
        self.mean: np.ndarray | None = None  # torch's exp_avg
        self.square: np.ndarray | None = None  # torch's exp_avg_sq

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        beta1, beta2 = self.betas
        if self.mean is None:
            self.mean, self.square = np.zeros_like(theta), np.zeros_like(theta)
            self.steps = np.zeros((theta.shape[0], 1))
        self.steps += 1
        self.mean += (1 - beta1) * (grad - self.mean)  # torch: exp_avg.lerp_(grad, 1 - beta1)
        self.square *= beta2
        self.square += (1 - beta2) * grad * grad
        # torch works these out as Python floats and applies them in the parameters' dtype
        step_size = (self.lr / (1 - beta1**self.steps)).astype(theta.dtype)
        correction = np.sqrt(1 - beta2**self.steps).astype(theta.dtype)
        denom = np.sqrt(self.square) / correction + self.eps
        theta -= step_size * self.mean / denom

    def reset(self, rows: np.ndarray) -> None:
        if self.mean is not None:
            self.mean[rows], self.square[rows], self.steps[rows] = 0, 0, 0


class Rprop:
    """torch.optim.Rprop with etas (0.5, 1.2) and step sizes clamped to (1e-6, 50).

    Each weight has its own step size: it grows by 1.2 while the gradient keeps
    its sign and shrinks by 0.5 when the sign flips (and that step is skipped)."""

    def __init__(self, lr: float, etas: tuple[float, float] = (0.5, 1.2), step_sizes: tuple[float, float] = (1e-6, 50)):
        self.lr, self.etas, self.step_sizes = lr, etas, step_sizes
        self.previous: np.ndarray | None = None
        self.step_size: np.ndarray | None = None

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        eta_minus, eta_plus = self.etas
        if self.previous is None:
            self.previous = np.zeros_like(theta)
            self.step_size = np.full_like(theta, self.lr)
        sign = np.sign(grad * self.previous)
        factor = np.where(sign > 0, eta_plus, np.where(sign < 0, eta_minus, 1.0)).astype(theta.dtype)
        np.clip(self.step_size * factor, *self.step_sizes, out=self.step_size)
        grad = np.where(sign < 0, 0, grad).astype(theta.dtype, copy=False)
        theta -= np.sign(grad) * self.step_size
        self.previous = grad

    def reset(self, rows: np.ndarray) -> None:
        if self.previous is not None:
            self.previous[rows], self.step_size[rows] = 0, self.lr


def make_optimizer(config: Config) -> SGD | Momentum | Adam | Rprop:
    if config.optimizer == "sgd":
        return SGD(config.lr)
    if config.optimizer == "momentum":
        return Momentum(config.lr, config.momentum)
    if config.optimizer == "adam":
        return Adam(config.lr)
    return Rprop(config.lr)
