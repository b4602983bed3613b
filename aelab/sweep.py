"""Many seeds at once: how often does a setting find a binary code, and how fast?

One sweep is one batched training run (`train_seeds`) that stops as soon as
every seed is solved; the per-seed solved epochs are exactly those of single
runs with the same seeds. `seed_range` is the one rule for which seeds a
sweep may take, shared by the CLI and the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from aelab.config import MAX_SEED, Config, ConfigError
from aelab.results import SweepResult
from aelab.train import ProgressCallback, train_seeds

MAX_SWEEP_SEEDS = 1000


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


def sweep(
    config: Config,
    seeds: Sequence[int],
    on_progress: ProgressCallback | None = None,
    progress_interval: float = 0.2,
) -> SweepResult:
    """Train every seed in one batch until all are solved (or `config.epochs`), and summarise.

    `SweepResult.from_batch(progress.result())` in the callback gives the sweep so far."""
    return SweepResult.from_batch(train_seeds(config, seeds, on_progress, progress_interval, stop_when_solved=True))
