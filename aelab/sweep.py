"""Many seeds at once: how often does a setting find a binary code, and how fast?

One sweep is one batched training run (`train_seeds`) that stops as soon as
every seed is solved; the per-seed solved epochs are exactly those of single
runs with the same seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aelab.config import Config
from aelab.results import BatchResult
from aelab.train import ProgressCallback, train_seeds


@dataclass
class SweepResult:
    config: Config
    seeds: list[int]
    output_solved_epoch: list[int | None]  # aligned with seeds; None where never
    solved_epoch: list[int | None]
    diverged: list[bool]
    final_distinct_codes: list[int]  # at the end of each seed's training
    seconds: float
    stopped: bool = False

    @property
    def output_solved_rate(self) -> float:
        return _rate(self.output_solved_epoch)

    @property
    def solved_rate(self) -> float:
        return _rate(self.solved_epoch)

    @property
    def median_solved_epoch(self) -> float | None:
        return _percentile(self.solved_epoch, 50)

    @property
    def p90_solved_epoch(self) -> float | None:
        return _percentile(self.solved_epoch, 90)

    @classmethod
    def from_batch(cls, batch: BatchResult) -> SweepResult:
        last_entry = np.maximum(batch.lengths - 1, 0)
        finals = np.nan_to_num(batch.history["distinct_codes"][np.arange(len(batch.seeds)), last_entry])
        return cls(
            config=batch.config,
            seeds=list(batch.seeds),
            output_solved_epoch=batch.output_solved_epoch,
            solved_epoch=batch.solved_epoch,
            diverged=batch.diverged,
            final_distinct_codes=[int(value) for value in finals],
            seconds=batch.train_seconds,
            stopped=batch.stopped,
        )

    def failing_seeds(self) -> list[int]:
        return [seed for seed, epoch in zip(self.seeds, self.solved_epoch, strict=True) if epoch is None]

    def to_json(self) -> dict:
        """The CLI's `sweep --json` object."""
        return {
            "config": self.config.to_dict(),
            "seeds": self.seeds,
            "output_solved_epoch": self.output_solved_epoch,
            "solved_epoch": self.solved_epoch,
            "output_solved_rate": self.output_solved_rate,
            "solved_rate": self.solved_rate,
            "median_solved_epoch": self.median_solved_epoch,
            "p90_solved_epoch": self.p90_solved_epoch,
            "diverged": self.diverged,
            "seconds": self.seconds,
        }


def sweep(
    config: Config,
    seeds: Sequence[int],
    on_progress: ProgressCallback | None = None,
    progress_interval: float = 0.2,
) -> SweepResult:
    """Train every seed in one batch until all are solved (or `config.epochs`), and summarise.

    `SweepResult.from_batch(progress.result())` in the callback gives the sweep so far."""
    return SweepResult.from_batch(train_seeds(config, seeds, on_progress, progress_interval, stop_when_solved=True))


def _rate(epochs: list[int | None]) -> float:
    return sum(epoch is not None for epoch in epochs) / len(epochs)


def _percentile(epochs: list[int | None], q: float) -> float | None:
    reached = [epoch for epoch in epochs if epoch is not None]
    return float(np.percentile(reached, q)) if reached else None
