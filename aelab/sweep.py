"""Many seeds at once: how often does a setting find a binary code, and how fast?

A sweep trains its seeds as batched runs (`train_seeds`), each stopping as
soon as all its seeds are solved; the per-seed solved epochs are exactly those
of single runs with the same seeds. Wide nets go in several batches, so that
one batch's (S, P, N) arrays stay under MAX_BATCH_VALUES whatever the sweep.
`seed_range` is the one rule for which seeds a sweep may take, shared by the
CLI and the page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from aelab.allowance import Allowance
from aelab.config import MAX_SEED, Config, ConfigError
from aelab.goals import SOLVED
from aelab.progress import Progress
from aelab.results import SweepResult
from aelab.train import train_seeds

MAX_SWEEP_SEEDS = 1000
MAX_BATCH_VALUES = 4_000_000  # S x P x (N + k) per batch: 32 MB for each (S, P, N) array in float64


def last_first_seed(count: int) -> int:
    """The largest first seed for `count` seeds: the last one must still be a valid seed."""
    return MAX_SEED - count + 1


def seed_range(count: int, first: int) -> list[int]:
    """Seeds first .. first + count - 1, or a ConfigError naming `seeds` or `first_seed`."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SWEEP_SEEDS:
        raise ConfigError("seeds", count, f"a whole number from 1 to {MAX_SWEEP_SEEDS}")
    if isinstance(first, bool) or not isinstance(first, int) or not 0 <= first <= last_first_seed(count):
        raise ConfigError("first-seed", first, f"a whole number from 0 to {last_first_seed(count)} for {count} seeds")
    return list(range(first, first + count))


def values_per_seed(config: Config) -> int:
    """One seed's (P, N) outputs and (P, k) hidden values in one pass."""
    return config.pattern_count * (config.width + config.hidden)


def seeds_per_batch(config: Config) -> int:
    """The most seeds one batch takes: MAX_BATCH_VALUES values per pass, and at least one seed."""
    return max(1, MAX_BATCH_VALUES // values_per_seed(config))


def seed_batches(config: Config, seeds: Sequence[int]) -> list[list[int]]:
    """The seeds in consecutive batches of at most seeds_per_batch(config)."""
    size = seeds_per_batch(config)
    return [list(seeds[start : start + size]) for start in range(0, len(seeds), size)]


class SweepProgress:
    """What a sweep's progress callback sees: the current batch's Progress, and the sweep so far."""

    def __init__(self, config: Config, done: list[SweepResult], batch: Progress, waiting: list[int], batches: int):
        self.config, self.batch, self.waiting = config, batch, waiting
        self.done = list(done)  # the batches finished by now (the sweep goes on appending to its own list)
        self.epoch, self.epochs = batch.epoch, batch.epochs  # of the current batch
        self.batches = batches
        self.seconds = sum(part.seconds for part in done) + batch.seconds
        self.fraction = (len(done) + batch.fraction) / batches

    def latest(self, name: str) -> np.ndarray:
        """(S,) the last recorded value of a history metric, per seed of the current batch."""
        return self.batch.latest(name)

    def sweep_result(self) -> SweepResult:
        """The whole sweep as if it had stopped now: seeds not yet started count as unsolved."""
        return self._so_far(self.batch.sweep_result())

    def result(self) -> SweepResult:
        """The same, with every seed's cause and the code groups: costs a forward pass of the current
        batch and a copy of its history, so it is for when the sweep has stopped, not every update."""
        return self._so_far(SweepResult.from_batch(self.batch.result()))

    def _so_far(self, current: SweepResult) -> SweepResult:
        """The finished batches, then `current`, then the seeds still waiting, as one stopped sweep."""
        parts = [*self.done, current, SweepResult.not_started(self.config, self.waiting)]
        return SweepResult.concat(parts, seconds=self.seconds, stopped=True)


def check_sweepable(config: Config) -> None:
    """A sweep counts the seeds that reach distinct binary codes: ConfigError naming `data` for a set whose
    targets are not binary (the digits, a csv file), where that goal does not apply."""
    if not config.binary_targets:
        raise ConfigError(
            "data", config.data, "a sweep counts solved seeds: a binary set (one_hot, random_binary, bars)"
        )


def sweep(
    config: Config,
    seeds: Sequence[int],
    on_progress: Callable[[SweepProgress], bool | None] | None = None,
    progress_interval: float = 0.2,
    allowance: Allowance | None = None,
) -> SweepResult:
    """Train every seed until it is solved (or `config.epochs`), batch by batch, and summarise.

    `progress.sweep_result()` in the callback gives the sweep so far; returning True stops it, as
    does `allowance` (one for the whole sweep: its batches train in turn on this thread)."""
    check_sweepable(config)
    batches, done = seed_batches(config, seeds), []
    start = time.perf_counter()
    for index, batch in enumerate(batches):
        waiting = [seed for later in batches[index + 1 :] for seed in later]

        def report(progress: Progress, done: list[SweepResult] = done, waiting: list[int] = waiting) -> bool | None:
            return on_progress(SweepProgress(config, done, progress, waiting, len(batches)))

        callback = report if on_progress is not None else None
        trained = train_seeds(config, batch, callback, progress_interval, stop_when=SOLVED, allowance=allowance)
        done.append(SweepResult.from_batch(trained))
        if done[-1].stopped:
            done.append(SweepResult.not_started(config, waiting))
            break
    return SweepResult.concat(done, seconds=time.perf_counter() - start, stopped=done[-1].stopped)
