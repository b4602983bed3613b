"""Network weights as plain NumPy arrays, and their seeded initialisation.

Only NumPy arrays cross the backend boundary: both backends start from the
arrays made here, so the same seed gives the same starting point everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from aelab.config import Config


class Weights(NamedTuple):
    """The four parameters. A single run has the shapes below; a batch of S
    seeds has the same arrays with a leading seed axis, e.g. W1 (S, N, k)."""

    W1: np.ndarray  # (N, k) encoder
    b1: np.ndarray  # (k,)
    W2: np.ndarray  # (k, N) decoder
    b2: np.ndarray  # (N,)

    def select(self, index: int) -> Weights:
        """One seed's weights out of a batch."""
        return Weights(*(array[index] for array in self))

    @staticmethod
    def stack(items: Sequence[Weights]) -> Weights:
        """A batch (leading seed axis) from single-run weights."""
        return Weights(*(np.stack(arrays) for arrays in zip(*items, strict=True)))


def parameter_count(config: Config) -> int:
    """A single run's weights and biases: W1 (N, k), b1 (k), W2 (k, N), b2 (N)."""
    return 2 * config.width * config.hidden + config.width + config.hidden


def seed_stream(seed: int, stream: int = 0) -> np.random.Generator:
    """The generator of one of a seed's independent streams.

    Stream 0 is numpy's default_rng(seed) itself, which draws the first weights;
    attempt a >= 1 after a restart draws its weights from stream a; the hidden
    noise draws from NOISE_STREAM. Each is a child of SeedSequence(seed), so none
    overlaps another, and a seed's draws never depend on the other seeds in a batch.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,) if stream else ()))


NOISE_STREAM = 2**31  # far beyond any attempt number
ORDER_STREAM = 2**31 + 1  # the shuffled pattern order of mini-batch and per-pattern updates


def init_weights(
    width: int,
    hidden: int,
    seed: int,
    scale: float = 1.0,
    dtype: str = "float64",
    attempt: int = 0,
    kind: str = "normal",
) -> Weights:
    """Weights ~ N(0, scale^2), biases 0, drawn from numpy's default_rng(seed) (attempt 0),
    or for a restart from the seed's stream number `attempt`.

    kind "uniform": W1, W2, b1, b2 (drawn in that order) uniform in [-scale, scale], as SNNS's
    Randomize_Weights and Fahlman (1988) start every weight and bias.

    Draws are made in float64 and then cast, so a float32 run starts from the
    float64 run's values rounded. One-hot inputs select one row of W1, so the
    hidden pre-activations start at N(0, scale^2) whatever the width.
    """
    rng = seed_stream(seed, attempt)
    if kind == "uniform":
        W1, W2 = rng.uniform(-scale, scale, (width, hidden)), rng.uniform(-scale, scale, (hidden, width))
        b1, b2 = rng.uniform(-scale, scale, hidden), rng.uniform(-scale, scale, width)
        return Weights(*(array.astype(dtype) for array in (W1, b1, W2, b2)))
    W1 = rng.standard_normal((width, hidden)) * scale
    W2 = rng.standard_normal((hidden, width)) * scale
    zeros_b1 = np.zeros(hidden)
    zeros_b2 = np.zeros(width)
    return Weights(*(array.astype(dtype) for array in (W1, zeros_b1, W2, zeros_b2)))


def first_weights(config: Config, seed: int, attempt: int = 0) -> Weights:
    """The weights a seed starts from: its first attempt, or the attempt after a restart."""
    return init_weights(config.width, config.hidden, seed, config.init_scale, config.dtype, attempt, config.init)
