"""Per-epoch draws handed to the backends: noise on the hidden pre-activations, and the
shuffled pattern order of mini-batch and per-pattern updates.

Each epoch every seed gets a fresh (P, k) draw of N(0, 1) from its own stream
(`weights.seed_stream(seed, NOISE_STREAM)`), scaled by the schedule; the
backends add it to z1 = X W1 + b1 before the activation, for the update only
(every figure is measured on the clean network). The draws are made here, in
NumPy, and handed to either backend, so both do the same maths.

Why it helps: a unit that sits near its threshold is pushed across it at
random, so the network is rewarded for codes that stay apart -- the corners
of the hidden cube.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from aelab.weights import NOISE_STREAM, ORDER_STREAM, seed_stream

if TYPE_CHECKING:
    from aelab.config import Config
    from aelab.per_seed import SeedSettings

BLOCK = 64  # epochs drawn at once per seed: one generator call per seed per block, not per epoch ...
BLOCK_BUDGET = 1_000_000  # ... holding at most this many draws (8 MB): a 1000-seed 1024-10-1024 sweep draws fewer


class _Blocks:
    """Draws made a block of epochs at a time from per-seed generators, with the state to continue
    from: each generator's state before the current block was drawn, and how much of it is used."""

    generators: list[np.random.Generator]
    block: np.ndarray  # (S, epochs, ...)
    used: int

    def _fill(self) -> None:
        self.block_start = [generator.bit_generator.state for generator in self.generators]
        for row, generator in enumerate(self.generators):
            self.block[row] = self._draw_block(generator)
        self.used = 0

    def _draw_block(self, generator: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def select(self, rows: np.ndarray) -> _Blocks:
        """The draws of seeds `rows` alone, going on from where these are (a batch whose done seeds left)."""
        part = copy.copy(self)
        part.generators = [self.generators[row] for row in rows]
        part.block = self.block[rows]
        if hasattr(self, "block_start"):
            part.block_start = [self.block_start[row] for row in rows]
        if isinstance(getattr(self, "std", None), np.ndarray):  # HiddenNoise with a std per seed
            part.std = self.std[rows]
        return part

    def undraw(self) -> None:
        """Take back the last draw: the next one gives it again (an epoch stopped part-way)."""
        self.used -= 1

    def state(self) -> dict:
        """What continues these draws exactly: {"generators": [bit generator states], "used": n}."""
        started = self.used < self.block.shape[1]
        states = self.block_start if started else [g.bit_generator.state for g in self.generators]
        return {"generators": states, "used": self.used if started else self.block.shape[1]}

    def load_state(self, state: dict) -> None:
        """Continue from state(); ValueError (or TypeError) when it is not one."""
        states, used = state["generators"], state["used"]
        if len(states) != len(self.generators) or not isinstance(used, int) or not 0 <= used <= self.block.shape[1]:
            raise ValueError(f"{len(states)} generator states and {used!r} used draws do not fit this run")
        for generator, saved in zip(self.generators, states, strict=True):
            generator.bit_generator.state = saved
        if used < self.block.shape[1]:
            self._fill()  # the same block again, from the same states
        self.used = used


class HiddenNoise(_Blocks):
    """Per-seed N(0, std(t)^2) draws of shape (S, P, k), one batch per epoch. `std` is one number, or
    (S,) values: each seed's own (aelab.per_seed)."""

    def __init__(
        self,
        seeds: Sequence[int],
        patterns: int,
        hidden: int,
        std: float | np.ndarray,
        schedule: str,
        length: int,
        dtype: str,
    ):
        self.generators = [seed_stream(seed, NOISE_STREAM) for seed in seeds]
        self.std, self.schedule, self.length, self.dtype = std, schedule, length, dtype
        epochs = max(1, min(BLOCK, BLOCK_BUDGET // (len(seeds) * patterns * hidden)))
        self.block = np.empty((len(seeds), epochs, patterns, hidden))  # (S, epochs, P, k)
        self.used = epochs

    @classmethod
    def for_run(
        cls, config: Config, seeds: Sequence[int], patterns: int, seed_settings: SeedSettings | None = None
    ) -> HiddenNoise:
        """The noise of a run of `config` over `seeds` and `patterns` patterns (new, or to load a state into):
        its std (each seed's own, where `seed_settings` holds it) and schedule, over one attempt, in its dtype."""
        std = config.noise if seed_settings is None else seed_settings.vector("noise", config)
        return cls(seeds, patterns, config.hidden, std, config.noise_schedule, config.attempt_length, config.dtype)

    def scale(self, attempt_epochs: np.ndarray) -> np.ndarray:
        """(S,) the noise std of each seed, `attempt_epochs` (S,) into its current attempt."""
        if self.schedule == "linear":
            return self.std * np.clip(1.0 - attempt_epochs / self.length, 0.0, None)
        return np.broadcast_to(self.std, attempt_epochs.shape)

    def draw(self, attempt_epochs: np.ndarray) -> np.ndarray:
        """The next epoch's noise, (S, P, k) in the run's dtype."""
        if self.used == self.block.shape[1]:  # a seed's stream gives the same numbers whatever the block size
            self._fill()
        unit = self.block[:, self.used]
        self.used += 1
        return (unit * self.scale(attempt_epochs)[:, None, None]).astype(self.dtype)

    def _draw_block(self, generator: np.random.Generator) -> np.ndarray:
        return generator.standard_normal(self.block.shape[1:])


# The pattern order. With `batch_size` B < P an epoch is one pass over all P patterns in a fresh
# random order, cut into updates of B patterns (the last one smaller when B does not divide P).
# Each seed draws its orders from its own stream (ORDER_STREAM), like the noise above.

ORDER_BLOCK = 64  # epochs of orders drawn at once per seed; fixed, so a seed's orders never depend on the batch


def epoch_order(generator: np.random.Generator, patterns: int, epochs: int = 1) -> np.ndarray:
    """(epochs, P) permutations of 0..P-1: the argsort of uniform draws, one row per epoch."""
    return generator.random((epochs, patterns)).argsort(axis=1)


class PatternOrder(_Blocks):
    """Per-seed shuffled pattern orders, (S, P) per epoch."""

    def __init__(self, seeds: Sequence[int], patterns: int):
        self.generators = [seed_stream(seed, ORDER_STREAM) for seed in seeds]
        self.block = np.empty((len(seeds), ORDER_BLOCK, patterns), dtype=np.int64)  # (S, ORDER_BLOCK, P)
        self.used = ORDER_BLOCK

    def draw(self) -> np.ndarray:
        """The next epoch's order for every seed, (S, P)."""
        if self.used == ORDER_BLOCK:
            self._fill()
        order = self.block[:, self.used]
        self.used += 1
        return order

    def _draw_block(self, generator: np.random.Generator) -> np.ndarray:
        return epoch_order(generator, self.block.shape[2], ORDER_BLOCK)


def chunks(patterns: int, batch_size: int) -> list[slice]:
    """The updates of one epoch as slices of its order: [0:B], [B:2B], ..."""
    return [slice(start, min(start + batch_size, patterns)) for start in range(0, patterns, batch_size)]
