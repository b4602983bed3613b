"""Results as plain data: one run, a batch of seeds, a sweep's summary.

They pickle into session state and are written out by aelab.formats (JSON,
CSV, npz) and aelab.report (text) alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from aelab import analysis, diagnosis, pca
from aelab.code_groups import CodeGroup, group_codes, merge_groups
from aelab.config import SETTINGS, Config
from aelab.patterns import Patterns, config_patterns
from aelab.weights import Weights

METRICS = ("loss", "accuracy", "bits_correct", "distinct_codes")
MAX_HISTORY_POINTS = 1500  # per run and metric in a chart: histories are thinned to this many points


class TrainedOn:
    """What a run or a batch trained on, for the result classes below (each has `config` and `patterns`)."""

    config: Config
    patterns: Patterns | None

    @property
    def data(self) -> Patterns:
        """The patterns (inputs and targets, labels, image shape) the run trained on."""
        return self.patterns if self.patterns is not None else config_patterns(self.config)

    @property
    def targets(self) -> np.ndarray:
        """(P, N): the patterns, which are the targets."""
        return self.data.inputs


@dataclass
class RunResult(TrainedOn):
    """One trained network and how it got there."""

    config: Config
    history: dict[str, np.ndarray]  # "epoch" and each of METRICS: (T,) with T = updates done + 1
    initial: Weights
    final: Weights
    activations: np.ndarray  # (P, k) hidden activations at the final weights
    outputs: np.ndarray  # (P, N) reconstructions at the final weights
    snapshot_epochs: list[int]
    snapshots: np.ndarray  # (len(snapshot_epochs), P, k) hidden activations during training
    output_solved_epoch: int | None  # first entry where every output passes 40-20-40
    solved_epoch: int | None  # ... and all P codes are distinct
    diverged: bool
    restarts: list[int]  # history entries where a restart's new attempt began (restart_after)
    stopped: bool  # ended early by the progress callback (the user)
    train_seconds: float
    changes: list[tuple[int, dict]] = field(default_factory=list)  # (epoch, {setting: (old, new)}) of a paused run
    snapshot_weights: dict[int, Weights] = field(default_factory=dict)  # epoch -> float32 weights (a replay's edges)
    at_goal: bool = False  # its last stretch of training ended where the `stop` setting ends it
    patterns: Patterns | None = None  # what it trained on (None: the config's own set, made when asked)
    _code_report: analysis.CodeReport | None = field(default=None, init=False, repr=False, compare=False)
    _reconstruction: dict | None = field(default=None, init=False, repr=False, compare=False)

    def reconstruction(self) -> dict:
        """pca.reconstruction_figures at the final weights: the PCA floor, the error, the variance explained.
        Worked out once (an SVD of the patterns: the header, the status line and the views each ask)."""
        if self._reconstruction is None:
            config = self.config
            linear = config.activation == "linear" and config.output_layer == "linear"
            figures = pca.reconstruction_figures(self.targets, self.outputs, self.final.W2, config.loss, linear)
            self._reconstruction = figures
        return self._reconstruction

    @property
    def epochs_done(self) -> int:
        return int(self.history["epoch"][-1])

    @property
    def status(self) -> str:
        """How the run ended: 'diverged', 'paused' (stopped by the user: Pause, Ctrl-C), 'initial weights, not
        trained yet', 'stopped at its goal (codes solved)' (or outputs: its stop setting), 'paused' (short of
        its epochs, e.g. after a Step) or 'finished'. One word for a run stopped short, as a run file keeps
        no `stopped`: the same run reads 'paused' when loaded from its file."""
        if self.diverged:
            return "diverged"
        if self.stopped:
            return "paused"
        if self.epochs_done == 0:
            return "initial weights, not trained yet"
        if self.at_goal:
            return f"stopped at its goal ({SETTINGS['stop'].options[self.config.stop]})"
        return "paused" if self.epochs_done < self.config.epochs else "finished"

    def code_report(self) -> analysis.CodeReport:
        """The final binary code; worked out once (the page asks on every rerun)."""
        if self._code_report is None:
            self._code_report = analysis.code_report(self.activations, self.config.activation)
        return self._code_report


@dataclass
class BatchResult(TrainedOn):
    """S networks trained together, one per seed; arrays have a leading seed axis."""

    config: Config
    seeds: list[int]
    history: dict[str, np.ndarray]  # each of METRICS: (S, T), NaN past a seed's length
    history_epochs: np.ndarray  # (T,) the epoch of each history column (0, 1, 2, ... unless thinned)
    lengths: np.ndarray  # (S,) epochs measured per seed: its last history entry is epoch lengths - 1
    latest: dict[str, np.ndarray]  # each of METRICS: (S,) each seed's figures at its last entry
    initial: Weights
    final: Weights
    activations: np.ndarray  # (S, P, k)
    outputs: np.ndarray  # (S, P, N)
    snapshot_epochs: list[int]
    snapshots: np.ndarray  # (len(snapshot_epochs), S, P, k)
    output_solved_epoch: list[int | None]
    solved_epoch: list[int | None]
    diverged: list[bool]
    restarts: list[list[int]]  # per seed
    stopped: bool
    train_seconds: float
    changes: list[tuple[int, dict]] = field(default_factory=list)  # settings changed while paused (Trainer.change)
    reached_epoch: list[int | None] = field(default_factory=list)  # per seed, when it reached the run's goal
    snapshot_weights: dict[int, Weights] = field(default_factory=dict)  # epoch -> float32 weights, seed axis first
    at_goal: bool = False  # the last stretch of training ended at the run's goal (every seed reached it)
    patterns: Patterns | None = None  # what it trained on (None: the config's own set, made when asked)

    def rows(self, rows: np.ndarray, config: Config) -> BatchResult:
        """Seeds `rows` alone, as their own batch of `config` (a grid's cell of a shared batch)."""
        pick = [int(row) for row in rows]

        def listed(values: list) -> list:
            return [values[row] for row in pick] if values else []

        return replace(
            self, config=config, seeds=listed(self.seeds), lengths=self.lengths[rows],
            history={name: values[rows] for name, values in self.history.items()},
            latest={name: values[rows] for name, values in self.latest.items()},
            initial=Weights(*(array[rows] for array in self.initial)),
            final=Weights(*(array[rows] for array in self.final)),
            activations=self.activations[rows], outputs=self.outputs[rows], snapshots=self.snapshots[:, rows],
            output_solved_epoch=listed(self.output_solved_epoch), solved_epoch=listed(self.solved_epoch),
            diverged=listed(self.diverged), restarts=listed(self.restarts), reached_epoch=listed(self.reached_epoch),
            snapshot_weights={e: Weights(*(a[rows] for a in w)) for e, w in self.snapshot_weights.items()},
        )  # fmt: skip

    def run(self, index: int) -> RunResult:
        """The result of seed `seeds[index]`, as a single run would report it."""
        length = int(self.lengths[index])
        columns = self.history_epochs < length
        history = {"epoch": self.history_epochs[columns]}
        history.update({name: self.history[name][index, columns] for name in METRICS})
        if length and history["epoch"][-1:].tolist() != [length - 1]:  # thinned: the last entry is kept apart
            history["epoch"] = np.append(history["epoch"], length - 1)
            history.update({name: np.append(history[name], self.latest[name][index]) for name in METRICS})
        history["distinct_codes"] = history["distinct_codes"].astype(np.int64)
        kept = [slot for slot, epoch in enumerate(self.snapshot_epochs) if epoch < length]
        return RunResult(
            config=replace(self.config, seed=self.seeds[index]),
            history=history,
            initial=self.initial.select(index),
            final=self.final.select(index),
            activations=self.activations[index],
            outputs=self.outputs[index],
            snapshot_epochs=[self.snapshot_epochs[slot] for slot in kept],
            snapshots=self.snapshots[kept, index],
            output_solved_epoch=self.output_solved_epoch[index],
            solved_epoch=self.solved_epoch[index],
            diverged=self.diverged[index],
            restarts=[epoch for epoch in self.restarts[index] if epoch < length],
            stopped=self.stopped,
            train_seconds=self.train_seconds,
            changes=list(self.changes),
            snapshot_weights={e: weights.select(index) for e, weights in self.snapshot_weights.items() if e < length},
            at_goal=self.at_goal,
            patterns=self.patterns,
        )


@dataclass
class SweepResult:
    """How often, and how fast, one setting solves over many seeds."""

    config: Config
    seeds: list[int]
    output_solved_epoch: list[int | None]  # aligned with seeds; None where never
    solved_epoch: list[int | None]
    diverged: list[bool]
    final_distinct_codes: list[int]  # at the end of each seed's training
    seconds: float
    stopped: bool = False
    # Worked out from the batch when the sweep ends (from_batch); empty in the live summary
    # (Recorder.sweep_so_far), and left out of == so that the two compare on what both hold.
    failures: list[diagnosis.Failure | None] = field(default_factory=list, compare=False)  # per seed; None: solved
    code_groups: list[CodeGroup] = field(default_factory=list, compare=False)  # the solved seeds' codes

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

    @property
    def diagnosed(self) -> bool:
        """Causes and code groups were worked out (a finished or CLI-stopped sweep, not a live summary)."""
        return len(self.failures) == len(self.seeds)

    @classmethod
    def from_batch(cls, batch: BatchResult) -> SweepResult:
        solved = [epoch is not None for epoch in batch.solved_epoch]
        failures = diagnosis.sweep_failures(
            batch.history["loss"], batch.history_epochs, batch.lengths, batch.activations, batch.outputs,
            batch.targets, batch.config.activation,
            solved=solved, diverged=batch.diverged, restarts=batch.restarts, stopped=batch.stopped,
            optimizer=batch.config.optimizer,
        )  # fmt: skip
        return cls(
            config=batch.config,
            seeds=list(batch.seeds),
            output_solved_epoch=batch.output_solved_epoch,
            solved_epoch=batch.solved_epoch,
            diverged=batch.diverged,
            final_distinct_codes=[int(codes) for codes in np.nan_to_num(batch.latest["distinct_codes"])],
            seconds=batch.train_seconds,
            stopped=batch.stopped,
            failures=failures,
            code_groups=group_codes(batch.activations, batch.config.activation, batch.seeds, solved),
        )

    @classmethod
    def not_started(cls, config: Config, seeds: list[int]) -> SweepResult:
        """Seeds a stopped sweep never reached: unsolved, with no codes."""
        count = len(seeds)
        failures = [diagnosis.Failure("not_started", "the sweep was stopped before this seed's batch")] * count
        none = [None] * count
        return cls(config, list(seeds), none, none, [False] * count, [0] * count, 0.0, True, failures, [])

    @classmethod
    def concat(cls, parts: list[SweepResult], seconds: float, stopped: bool) -> SweepResult:
        """One sweep from consecutive parts over the same config: the per-seed lists one after another,
        the code groups merged (diagnosed only if every part was)."""
        per_seed = ("seeds", "output_solved_epoch", "solved_epoch", "diverged", "final_distinct_codes")
        lists = {name: [value for part in parts for value in getattr(part, name)] for name in per_seed}
        diagnosed = all(part.diagnosed for part in parts)
        failures = [failure for part in parts for failure in part.failures] if diagnosed else []
        groups = merge_groups([part.code_groups for part in parts]) if diagnosed else []
        return cls(parts[0].config, **lists, seconds=seconds, stopped=stopped, failures=failures, code_groups=groups)

    def cause_counts(self) -> dict[str, int]:
        return diagnosis.cause_counts(self.failures)

    def seeds_by_cause(self) -> dict[str, list[int]]:
        """The unsolved seeds under each cause that has any, in CAUSES order."""
        by_cause: dict[str, list[int]] = {name: [] for name in diagnosis.CAUSES}
        for seed, failure in zip(self.seeds, self.failures, strict=False):  # no failures: nothing to list
            if failure is not None:
                by_cause[failure.cause].append(seed)
        return {name: seeds for name, seeds in by_cause.items() if seeds}

    def ungrouped_seeds(self) -> list[int]:
        """Solved seeds in no code group: their final code was no longer distinct (see code_groups.group_codes)."""
        grouped = {seed for group in self.code_groups for seed in group.seeds}
        solved = [seed for seed, epoch in zip(self.seeds, self.solved_epoch, strict=True) if epoch is not None]
        return [seed for seed in solved if seed not in grouped] if self.diagnosed else []

    def failing_seeds(self) -> list[int]:
        return [seed for seed, epoch in zip(self.seeds, self.solved_epoch, strict=True) if epoch is None]


def thin_indices(length: int, max_points: int = MAX_HISTORY_POINTS) -> np.ndarray:
    """Evenly spread indices into a history of `length`, always keeping the first and last."""
    if length <= max_points:
        return np.arange(length)
    return np.unique(np.round(np.linspace(0, length - 1, max_points)).astype(int))


def _rate(epochs: list[int | None]) -> float:
    return sum(epoch is not None for epoch in epochs) / len(epochs)


def _percentile(epochs: list[int | None], q: float) -> float | None:
    reached = [epoch for epoch in epochs if epoch is not None]
    return float(np.percentile(reached, q)) if reached else None
