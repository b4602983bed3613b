"""Running the literature bench (aelab.bench holds its entries): an entry over many seeds, and the one
loop over entries that the CLI and the page share, with its progress, stop and results as they come."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from aelab.allowance import Allowance
from aelab.bench import BENCH, BenchEntry
from aelab.goals import Goal
from aelab.progress import Progress
from aelab.train import train_seeds


@dataclasses.dataclass
class BenchResult:
    """One entry rerun over seeds: per seed, the epoch it met the criterion (None: not within the budget)."""

    entry: BenchEntry
    seeds: list[int]
    epochs: list[int | None]
    diverged: list[bool]
    seconds: float
    stopped: bool = False

    @property
    def reached(self) -> np.ndarray:
        return np.array([epoch for epoch in self.epochs if epoch is not None], dtype=float)

    @property
    def success_rate(self) -> float:
        return len(self.reached) / len(self.epochs)

    def statistic(self, name: str) -> float | None:
        """median, mean, std, p10 or p90 of the epochs of the seeds that met the criterion (None if none did)."""
        reached = self.reached
        if not reached.size:
            return None
        if name == "mean":
            return float(reached.mean())
        if name == "std":
            return float(reached.std())
        return float(np.percentile(reached, {"median": 50, "p10": 10, "p90": 90}[name]))

    @property
    def ratio(self) -> float | None:
        """aelab's median over the published figure (None where either is missing)."""
        median, reference = self.statistic("median"), self.entry.reference_epochs
        return None if median is None or not reference else median / reference


EntryProgress = Callable[[BenchEntry, Progress], "bool | None"]


def run_entry(
    entry: BenchEntry,
    seeds: Sequence[int],
    on_progress: EntryProgress | None = None,
    progress_interval: float = 0.2,
    allowance: Allowance | None = None,
) -> BenchResult:
    """Train `entry` over `seeds` until every seed has met its criterion (or the budget is spent).

    The training loop notes the first epoch each seed meets it (the criterion is its stop goal).
    `on_progress(entry, progress)` is called about every `progress_interval` seconds; True stops
    the entry, and the seeds not yet there count as not reached; so does `allowance`."""
    callback = None if on_progress is None else (lambda progress: on_progress(entry, progress))
    goal = Goal(entry.criterion, entry.threshold())
    batch = train_seeds(entry.config, seeds, callback, progress_interval, stop_when=goal, allowance=allowance)
    return BenchResult(
        entry, list(seeds), batch.reached_epoch, list(batch.diverged), batch.train_seconds, batch.stopped
    )


def run_bench(
    names: Sequence[str],
    seeds: Sequence[int],
    on_progress: EntryProgress | None = None,
    progress_interval: float = 0.2,
    allowance: Allowance | None = None,
    *,
    on_start: Callable[[BenchEntry], None] | None = None,
    on_result: Callable[[BenchResult], None] | None = None,
) -> list[BenchResult]:
    """Run the named entries in turn: the one loop the CLI and the page share.

    `on_start(entry)` is called before an entry trains and `on_result(result)` as soon as it ends
    (the page keeps each there, so a click that interrupts the next entry loses nothing). A stop
    (the callback's True, or the one `allowance`, spent or asked to stop) ends the bench after the
    entry it stopped; one asked for between two entries ends it before the next."""
    results: list[BenchResult] = []
    for name in names:
        if results and allowance is not None and allowance.should_stop(look_now=True):
            break
        if on_start is not None:
            on_start(BENCH[name])
        result = run_entry(BENCH[name], seeds, on_progress, progress_interval, allowance)
        results.append(result)
        if on_result is not None:
            on_result(result)
        if result.stopped:
            break
    return results
