"""Many seeds at once: how often does a setting find a binary code, and how fast?

A sweep trains its seeds as batched runs (a Trainer per batch), each seed leaving
its batch as soon as it is solved (aelab.compaction) and the batch ending with
its last seed; the per-seed solved epochs are exactly those of single runs with
the same seeds. Wide nets go in several batches, so that one batch's (S, P, N)
arrays stay under MAX_BATCH_VALUES whatever the sweep. `sweep_cells` sweeps the
same seeds for several configs (a grid's cells), sharing batches where it can.
`seed_range` is the one rule for which seeds a sweep may take, shared by the
CLI and the page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from aelab.allowance import Allowance
from aelab.code_groups import CodeGroup
from aelab.compaction import LeavingTrainer, done_rows, take
from aelab.config import MAX_SEED, Config, ConfigError
from aelab.goals import SOLVED
from aelab.patterns import PATTERN_SETS, binary_targets, config_patterns
from aelab.per_seed import batch_key, shared_config
from aelab.progress import Progress
from aelab.results import BatchResult, SweepResult

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

    def __init__(self, run: SweepRun, batch: Progress):
        self.run, self.batch = run, batch
        self.config = run.cells[0]
        self.done = run.batches[: run.finished]  # the batches finished by now
        self.waiting = [run.seeds[p] for jobs in run.batches[run.finished + 1 :] for _, p in jobs]
        self.epoch, self.epochs = batch.epoch, batch.epochs  # of the current batch
        self.binary = batch.binary  # (a sweep has binary targets: check_sweepable)
        self.pattern_count = batch.pattern_count
        self.several_seeds = True  # a sweep's figures are always its seeds', even with one left training
        self.batches = len(run.batches)
        self.seconds = run.seconds + batch.seconds
        self.fraction = (run.finished + batch.fraction) / self.batches

    def latest(self, name: str) -> np.ndarray:
        """(S,) the last recorded value of a history metric, per seed still training in the current batch."""
        return self.batch.latest(name)

    def sweep_result(self) -> SweepResult:
        """The whole sweep (its first cell) as if it had stopped now: seeds not yet started count as unsolved."""
        return self.cell_results(diagnosed=False)[0]

    def result(self) -> SweepResult:
        """The same, with every seed's cause and the code groups: costs a forward pass of the current
        batch and a copy of its history, so it is for when the sweep has stopped, not every update."""
        return self.cell_results(diagnosed=True)[0]

    def cell_results(self, diagnosed: bool = False) -> list[SweepResult]:
        """Every cell's sweep so far (a grid's), stopped now. Asked after the sweep ended (a click
        stopped it inside a redraw), that is the sweep as it ended."""
        run, trainer = self.run, self.run.current
        if trainer is None:  # the batch has ended: its seeds are among the run's parts
            return run.results(self.seconds, stopped=True)
        # (Progress.result() measures where the trainer is; the cheap summary reads its recorder now)
        batch = self.batch.result() if diagnosed else trainer.recorder.sweep_so_far(self.batch.seconds)
        current = run.cell_parts(batch, trainer.row_ids, diagnosed)
        return run.results(self.seconds, stopped=True, extra=current)


class SweepRun:
    """A sweep of one or more cells (configs) over the same seeds, batch by batch.

    Cells that differ only in VECTOR_SETTINGS (aelab.per_seed) and run on the NumPy backend share
    batches, each seed with its cell's numbers; the others have batches of their own. A batch's
    job is a (cell, position in seeds) pair. With `compact`, solved seeds leave their batch
    (aelab.compaction) and each seed's result is exactly that of a sweep of its cell alone; without,
    solved seeds train on to their batch's end (as before compaction): the solved epochs are the same.
    `inputs`: a csv set's (P, N) patterns, which every cell trains on."""

    def __init__(
        self, cells: Sequence[Config], seeds: Sequence[int], compact: bool = True, inputs: np.ndarray | None = None
    ):
        self.cells, self.seeds, self.compact, self.inputs = list(cells), list(seeds), compact, inputs
        groups: dict[Config, list[int]] = {}
        for index, cell in enumerate(self.cells):
            groups.setdefault(batch_key(cell) if cell.backend == "numpy" else cell, []).append(index)
        self.batches: list[list[tuple[int, int]]] = []
        for members in groups.values():
            jobs = [(cell, position) for cell in members for position in range(len(self.seeds))]
            size = seeds_per_batch(self.cells[members[0]])
            self.batches += [jobs[start : start + size] for start in range(0, len(jobs), size)]
        self.parts: list[tuple[int, list[int], SweepResult]] = []  # (cell, positions, their result)
        self.finished, self.seconds, self.stopped = 0, 0.0, False
        self.jobs: list[tuple[int, int]] = []  # the current batch's, and its trainer while it trains
        self.current: LeavingTrainer | None = None

    def train(
        self,
        on_progress: Callable[[SweepProgress], bool | None] | None = None,
        progress_interval: float = 0.2,
        allowance: Allowance | None = None,
    ) -> None:
        """Train the batches in turn; a stop (the callback, the allowance) leaves the rest unstarted."""
        for jobs in self.batches:
            self.jobs = jobs
            shared, settings = shared_config([self.cells[cell] for cell, _ in jobs])
            seeds, leave = [self.seeds[p] for _, p in jobs], self._leave if self.compact else None
            trainer = LeavingTrainer(
                shared, seeds, goal=SOLVED, seed_settings=settings, leave=leave, inputs=self.inputs
            )

            def report(progress: Progress) -> bool | None:
                return on_progress(SweepProgress(self, progress))

            callback = report if on_progress is not None else None
            self.current = trainer
            trained = trainer.run(shared.epochs, callback, progress_interval, allowance)
            self.parts += self.cell_parts(trained, trainer.row_ids)
            self.current = None
            self.seconds += trained.train_seconds
            self.finished += 1
            if trained.stopped:
                self.stopped = True
                return

    def _leave(self, trainer: LeavingTrainer) -> bool:
        """The done seeds leave (aelab.compaction), each cell's apart; True when none would be left."""
        rows = done_rows(trainer)
        if rows.size == np.count_nonzero(trainer.row_ids >= 0):
            return True
        ids = trainer.row_ids[rows]
        for cell in sorted({self.jobs[i][0] for i in ids}):
            mine = [i for i in ids if self.jobs[i][0] == cell]
            taken = take(trainer, np.flatnonzero(np.isin(trainer.row_ids, mine)), self.cells[cell])
            self.parts.append((cell, [self.jobs[i][1] for i in mine], SweepResult.from_batch(taken)))
        return False

    def cell_parts(
        self, batch: BatchResult | SweepResult, row_ids: np.ndarray, diagnosed: bool = True
    ) -> list[tuple[int, list[int], SweepResult]]:
        """A batch's rows (a BatchResult, or an undiagnosed SweepResult) as one part per cell."""
        parts, present = [], [i for i in row_ids if i >= 0]  # (-1: a row that has left, aelab.compaction)
        for cell in sorted({self.jobs[i][0] for i in present}):
            rows = [row for row, i in enumerate(row_ids) if i >= 0 and self.jobs[i][0] == cell]
            positions = [self.jobs[row_ids[row]][1] for row in rows]
            if diagnosed:
                part = SweepResult.from_batch(batch.rows(np.array(rows), self.cells[cell]))
            else:
                part = pick(batch, rows, self.cells[cell])
            parts.append((cell, positions, part))
        return parts

    def results(self, seconds: float, stopped: bool, extra: list | None = None) -> list[SweepResult]:
        """Each cell's sweep: its parts in seed order, seeds never reached counted as not started."""
        results = []
        for index, cell in enumerate(self.cells):
            mine = [(positions, part) for c, positions, part in [*self.parts, *(extra or [])] if c == index]
            positions = [p for placed, _ in mine for p in placed]
            placed = set(positions)
            missing = [p for p in range(len(self.seeds)) if p not in placed]
            pieces = [part for _, part in mine] + [SweepResult.not_started(cell, [self.seeds[p] for p in missing])]
            whole = SweepResult.concat(pieces, seconds=seconds, stopped=stopped)
            order = np.argsort(positions + missing, kind="stable")
            results.append(pick(whole, order.tolist(), cell))
        return results


def check_sweepable(config: Config, inputs: np.ndarray | None = None) -> None:
    """A sweep counts the seeds that reach distinct binary codes: ConfigError naming `data` for targets that
    are not binary (the digits, a csv file of other values than 0 and 1), where that goal does not apply.
    `inputs`: a csv set's (P, N) patterns, which must have the config's shape (a grid's cell may not change
    its width)."""
    if config.data == "csv":
        config_patterns(config, inputs)  # ConfigError for no file, or one of another shape
    if not binary_targets(config, inputs):
        binary = [name for name, entry in PATTERN_SETS.items() if entry.binary]
        allowed = f"{', '.join(binary)}, or a csv file of 0s and 1s"
        kind = "is a file with values other than 0 and 1" if config.data == "csv" else "is real-valued"
        needs = f"{kind}: a sweep counts the seeds that reach distinct binary codes; it needs binary data ({allowed})"
        raise ConfigError("data", config.data, allowed, needs=needs)


def pick(result: SweepResult, indices: Sequence[int], config: Config) -> SweepResult:
    """The seeds at `indices` of `result` (each seed at most once), in that order, as a sweep of `config`:
    a cell's seeds out of a shared batch, or a cell's parts put back in its seed order. Code groups keep
    the seeds picked."""
    per_seed = ("seeds", "output_solved_epoch", "solved_epoch", "diverged", "final_distinct_codes")
    lists = {name: [getattr(result, name)[index] for index in indices] for name in per_seed}
    failures = [result.failures[index] for index in indices] if result.diagnosed else []
    place = {seed: rank for rank, seed in enumerate(lists["seeds"])}
    groups = [CodeGroup(group.code, sorted((s for s in group.seeds if s in place), key=place.get))
              for group in result.code_groups]  # fmt: skip
    return replace(result, config=config, **lists, failures=failures, code_groups=[g for g in groups if g.seeds])


def sweep(
    config: Config,
    seeds: Sequence[int],
    on_progress: Callable[[SweepProgress], bool | None] | None = None,
    progress_interval: float = 0.2,
    allowance: Allowance | None = None,
    *,
    compact: bool = True,
    inputs: np.ndarray | None = None,
) -> SweepResult:
    """Train every seed until it is solved (or `config.epochs`), batch by batch, and summarise.

    `progress.sweep_result()` in the callback gives the sweep so far; returning True stops it, as
    does `allowance` (one for the whole sweep: its batches train in turn on this thread). With
    `compact` (the default) solved seeds leave their batch (aelab.compaction), each with the figures
    of its own stop, whatever its batch; `compact=False` has them train on to the batch's end (the
    solved epochs are the same; the final codes are the batch end's). `inputs`: a csv set's (P, N) patterns."""
    return sweep_cells([config], seeds, on_progress, progress_interval, allowance, compact=compact, inputs=inputs)[0]


def sweep_cells(
    cells: Sequence[Config],
    seeds: Sequence[int],
    on_progress: Callable[[SweepProgress], bool | None] | None = None,
    progress_interval: float = 0.2,
    allowance: Allowance | None = None,
    *,
    compact: bool = True,
    inputs: np.ndarray | None = None,
) -> list[SweepResult]:
    """A sweep of `seeds` for each config in `cells` (a grid), cells that may share batches doing so;
    `inputs`: a csv set's (P, N) patterns, which every cell trains on."""
    for cell in cells:
        check_sweepable(cell, inputs)
    run, start = SweepRun(cells, seeds, compact, inputs), time.perf_counter()
    run.train(on_progress, progress_interval, allowance)
    return run.results(time.perf_counter() - start, stopped=run.stopped)
