"""The optimisers, from scratch: four with torch.optim's exact update rules, and Quickprop.

Each works in place on one flat parameter array `theta` and its gradient
`grad` of shape (S, count): every parameter of every seed, a row per seed.
A setting (lr, momentum) is one number for every seed, or an (S, 1) float64 column: a seed's own
in its row (aelab.per_seed), applied in the dtype NumPy applies a Python float in (`applied`), so
that a row is updated exactly as a run of that seed alone with that number.
The table of optimizers, and how each is made, is aelab.optimizers.OPTIMIZERS.
The formulas follow torch/optim/{sgd,adam,rprop}.py line by line, in the same
order of operations, so float64 runs agree with torch to rounding.
`reset(rows)` gives those seeds the state of a new optimizer (a restart);
`state()` and `load_state()` take the state out and put it back (a paused or saved run).
"""

from __future__ import annotations

import numpy as np

from aelab.config import ConfigError


class _Stateful:
    """The state out and back in: the arrays named in STATE, each None until the first step."""

    STATE: tuple[str, ...] = ()

    def state(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name).copy() for name in self.STATE if getattr(self, name) is not None}

    def load_state(self, state: dict[str, np.ndarray], theta: np.ndarray) -> None:
        """Take `state` (as state() gave it) for the parameters `theta` (S, count)."""
        theta_shape = theta.shape
        if state and set(state) != set(self.STATE):
            raise ConfigError("optimizer state", sorted(state), f"{type(self).__name__} keeps {list(self.STATE)}")
        for name, array in state.items():
            expected = (theta_shape[0], 1) if name == "steps" else theta_shape
            if array.shape != expected:
                raise ConfigError(f"optimizer state {name}", f"shape {array.shape}", f"must have shape {expected}")
            setattr(self, name, np.array(array, dtype=np.float64 if name == "steps" else theta.dtype))


class SGD(_Stateful):
    def __init__(self, lr: float):
        self.lr = lr

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        theta -= applied(self.lr, theta) * grad

    def reset(self, rows: np.ndarray) -> None:
        pass  # no state


class Momentum(_Stateful):
    """torch.optim.SGD(momentum=mu): the buffer starts as the first gradient."""

    STATE = ("buffer",)

    def __init__(self, lr: float, momentum: float):
        self.lr, self.momentum = lr, momentum
        self.buffer: np.ndarray | None = None

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        if self.buffer is None:
            self.buffer = grad.copy()
        else:
            self.buffer *= applied(self.momentum, theta)
            self.buffer += grad
        theta -= applied(self.lr, theta) * self.buffer

    def reset(self, rows: np.ndarray) -> None:
        if self.buffer is not None:
            self.buffer[rows] = 0  # then buffer = 0 * momentum + grad = grad: torch's first step


class Adam(_Stateful):
    """torch.optim.Adam with betas (0.9, 0.999) and eps 1e-8.

    Each seed (row) counts its own steps, as a seed restarted mid-run has taken fewer."""

    STATE = ("steps", "mean", "square")

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


class Rprop(_Stateful):
    """torch.optim.Rprop with etas (0.5, 1.2) and step sizes clamped to `step_sizes` (min, max): torch's
    (1e-6, 50) unless the config sets rprop_min_step and rprop_max_step (SNNS caps them at 2.0).

    Each weight has its own step size: it grows by 1.2 while the gradient keeps
    its sign and shrinks by 0.5 when the sign flips (and that step is skipped)."""

    STATE = ("previous", "step_size")

    def __init__(self, lr: float, etas: tuple[float, float] = (0.5, 1.2), step_sizes: tuple[float, float] = (1e-6, 50)):
        self.lr, self.etas, self.step_sizes = lr, etas, step_sizes
        self.previous: np.ndarray | None = None
        self.step_size: np.ndarray | None = None

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        eta_minus, eta_plus = self.etas
        if self.previous is None:
            self.previous = np.zeros_like(theta)
            self.step_size = np.empty_like(theta)
            self.step_size[...] = self.lr  # one lr, or (S, 1): a seed's own
        sign = np.sign(grad * self.previous)
        factor = np.where(sign > 0, eta_plus, np.where(sign < 0, eta_minus, 1.0)).astype(theta.dtype)
        np.clip(self.step_size * factor, *self.step_sizes, out=self.step_size)
        grad = np.where(sign < 0, 0, grad).astype(theta.dtype, copy=False)
        theta -= np.sign(grad) * self.step_size
        self.previous = grad

    def reset(self, rows: np.ndarray) -> None:
        if self.previous is not None:
            self.previous[rows], self.step_size[rows] = 0, rows_of(self.lr, rows)


class Quickprop(_Stateful):
    """Quickprop (Fahlman 1988, "An Empirical Study of Learning Speed in Back-Propagation Networks",
    CMU-CS-88-162), step for step as SNNS's MODI_quickprop (kernel/sources/learn_f.c; read in RSNNS's
    vendored copy, RSNNS/src/learn_f.cpp) does it, each weight and bias on its own.

    With S(t) = dE/dw + decay w (the slope: `grad` here, to which the backend has added
    weight_decay x theta), the previous step d = Δw(t-1), the previous slope p = S(t-1),
    epsilon = lr, mu = max_growth and shrink = mu / (1 + mu):

        d = 0:  Δw = -epsilon S                                   (the first step: gradient descent)
        d > 0:  Δw = (-epsilon S if S < 0 else 0) + (mu d if S <= shrink p else d S / (p - S))
        d < 0:  Δw = (-epsilon S if S > 0 else 0) + (mu d if S >= shrink p else d S / (p - S))

    d S / (p - S) jumps to the minimum of the parabola through the two slopes; mu d caps the
    growth at mu times the previous step; the gradient term is added only while the slope still
    points the way of the previous step. Fahlman's own decay is 0.0001 (SNNS's third parameter).
    SNNS starts its first slope without the decay term; here every slope has it (Fahlman's text).
    """

    STATE = ("previous_step", "previous_slope")

    def __init__(self, lr: float, max_growth: float):
        self.lr, self.max_growth = lr, max_growth
        self.previous_step: np.ndarray | None = None  # d = Δw(t-1), (S, count)
        self.previous_slope: np.ndarray | None = None  # p = S(t-1)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        if self.previous_step is None:
            self.previous_step, self.previous_slope = np.zeros_like(theta), np.zeros_like(theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            lr = applied(self.lr, theta)
            theta += quickprop_step(grad, self.previous_step, self.previous_slope, lr, self.max_growth, np)
        # quickprop_step wrote Δw into previous_step; the slope is kept for the next step
        self.previous_slope[...] = grad

    def reset(self, rows: np.ndarray) -> None:
        if self.previous_step is not None:
            self.previous_step[rows], self.previous_slope[rows] = 0, 0


def quickprop_step(slope, previous_step, previous_slope, lr, max_growth: float, xp):
    """Δw of Quickprop (see `Quickprop`), written into `previous_step` and returned.

    `xp` is numpy or torch: both backends run these very operations in this order, so that float64
    runs agree to rounding. (The quadratic term's division may meet 0 / 0 where it is not chosen.)"""
    shrink = max_growth / (1 + max_growth)
    d, p = previous_step, previous_slope
    rising, falling = d > 0, d < 0
    limit = shrink * p
    capped = xp.where(rising, slope <= limit, slope >= limit)  # the slope has not shrunk enough: take mu d
    quadratic = xp.where(capped, max_growth * d, d * slope / (p - slope))
    same_way = (rising & (slope < 0)) | (falling & (slope > 0)) | ~(rising | falling)
    step = xp.where(same_way, -lr * slope, 0.0) + xp.where(rising | falling, quadratic, 0.0)
    previous_step[...] = step
    return step


def applied(value: float | np.ndarray, theta: np.ndarray) -> float | np.ndarray:
    """A setting as it is applied to `theta`: a Python float as it is (NumPy applies it in theta's dtype),
    an (S, 1) float64 column cast to theta's dtype, so that each row rounds as its own float would."""
    return value.astype(theta.dtype, copy=False) if isinstance(value, np.ndarray) else value


NumpyOptimizer = SGD | Momentum | Adam | Rprop | Quickprop


def rows_of(value, rows: np.ndarray):
    """A setting's value for seeds `rows`: itself when one number serves every seed, else its (S, 1) rows."""
    return value[rows] if isinstance(value, np.ndarray) else value
