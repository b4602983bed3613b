"""What every backend provides: the contract the training loop relies on.

A backend holds S independent networks (one per seed) as one computation,
with a leading seed axis. The loss it minimises is the sum over seeds of
each seed's mean loss, so every seed receives exactly the gradient it would
get alone, and the optimisers (all elementwise) update each seed exactly as
a single run would.

Callers run forward() and step() inside np.errstate(over="ignore",
invalid="ignore"), as the training loop (aelab.train) and the recorder's final
pass do: a sigmoid's exp(-z) may overflow to inf, which gives the right limit,
and a diverging seed is reported, not warned of.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple, Protocol

import numpy as np

from aelab.weights import Weights


class Forward(NamedTuple):
    """One forward pass of the batch, as NumPy arrays."""

    loss: np.ndarray  # (S,) reconstruction loss per seed
    activations: np.ndarray  # (S, P, k) hidden activations
    outputs: np.ndarray  # (S, P, N) sigmoid outputs


StopCheck = Callable[[], bool]  # asked between the updates of an epoch: True leaves the epoch part-way


class Backend(Protocol):
    def step(
        self, noise: np.ndarray | None = None, order: np.ndarray | None = None, stop: StopCheck | None = None
    ) -> Forward | None:
        """One epoch: forward and backward at the current weights, then one optimiser update;
        with `order` (S, P), a permutation of the patterns per seed, one update per
        `config.batch_size` patterns of it instead (seed s's update j takes patterns
        order[s, jB:(j+1)B]). With an order, `stop()` is asked before each update: when it says
        True, the epoch ends there and step returns None (the caller puts back the epoch's start:
        see train.Trainer).

        `noise` (S, P, k), when given, is added to the hidden pre-activations for
        this epoch (row p to pattern p). Returns the clean full-batch forward pass at the
        weights *before* the epoch, so the training loop measures epoch i at the weights
        after i epochs."""
        ...

    def restart(self, rows: np.ndarray, weights: Weights) -> None:
        """Seeds `rows` begin again from `weights` (leading axis len(rows)) with fresh optimiser state."""
        ...

    def forward(self) -> Forward:
        """A forward pass at the current weights (no update)."""
        ...

    def weights(self) -> Weights:
        """A copy of the current weights as NumPy arrays, seed axis first."""
        ...

    def select(self, rows: np.ndarray) -> Backend:
        """A new backend of seeds `rows` alone, as they are now: their weights, settings and optimiser
        state (a sweep's done seeds leave their batch this way: aelab.compaction)."""
        ...

    def nonfinite_weights(self) -> np.ndarray | None:
        """None when every weight is finite (nearly always: one cheap check, every epoch), else
        (S,) bools: that seed has a weight that is not finite."""
        ...

    def optimizer_state(self) -> dict[str, np.ndarray]:
        """A copy of the optimiser's state as named NumPy arrays (empty before the first step, or for SGD)."""
        ...

    def load_optimizer_state(self, state: dict[str, np.ndarray]) -> None:
        """Continue with `state`, as optimizer_state() of a backend of the same config gave it;
        ConfigError when it does not fit."""
        ...


def surely_finite(values: np.ndarray) -> bool:
    """True when every value is finite, from one sum of squares (a NaN or an infinity makes it
    NaN or inf). False when some value is not finite, or when the sum overflowed: then the caller
    looks at each value. This runs every epoch, where np.isfinite(...).all() costs several calls."""
    flat = values.reshape(-1)
    return math.isfinite(np.dot(flat, flat))
