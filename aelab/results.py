"""Results of training as plain data: they pickle into session state, JSON and downloads alike."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from aelab import analysis
from aelab.config import Config
from aelab.weights import Weights

METRICS = ("loss", "accuracy", "bits_correct", "distinct_codes")


@dataclass
class RunResult:
    """One trained network and how it got there."""

    config: Config
    history: dict[str, np.ndarray]  # "epoch" and each of METRICS: (T,) with T = updates done + 1
    initial: Weights
    final: Weights
    hidden: np.ndarray  # (P, k) hidden activations at the final weights
    outputs: np.ndarray  # (P, N) reconstructions at the final weights
    snapshot_epochs: list[int]
    snapshots: np.ndarray  # (len(snapshot_epochs), P, k) hidden activations during training
    output_solved_epoch: int | None  # first entry where every output passes 40-20-40
    solved_epoch: int | None  # ... and all P codes are distinct
    diverged: bool
    stopped: bool  # ended early by the progress callback (the user)
    train_seconds: float
    _code_report: analysis.CodeReport | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def epochs_done(self) -> int:
        return len(self.history["epoch"]) - 1

    def code_report(self) -> analysis.CodeReport:
        """The final binary code; worked out once (the page asks on every rerun)."""
        if self._code_report is None:
            self._code_report = analysis.code_report(self.hidden, self.config.activation)
        return self._code_report

    def to_json(self) -> dict:
        """The CLI's `train --json` object."""
        report = self.code_report()
        return {
            "config": self.config.to_dict(),
            "history": {name: _json_list(values) for name, values in self.history.items()},
            "final": {
                "loss": _json_float(self.history["loss"][-1]),
                "accuracy": _json_float(self.history["accuracy"][-1]),
                "outputs": _json_list(self.outputs),
                "hidden": _json_list(self.hidden),
                "codes": report.codes,
                "distinct_codes": report.distinct,
            },
            "output_solved_epoch": self.output_solved_epoch,
            "solved_epoch": self.solved_epoch,
            "diverged": self.diverged,
            "stopped": self.stopped,
            "train_seconds": self.train_seconds,
            "weights": {"initial": _json_weights(self.initial), "final": _json_weights(self.final)},
        }


@dataclass
class BatchResult:
    """S networks trained together, one per seed; arrays have a leading seed axis."""

    config: Config
    seeds: list[int]
    history: dict[str, np.ndarray]  # each of METRICS: (S, epochs + 1), NaN past a seed's length
    lengths: np.ndarray  # (S,) history entries recorded per seed
    initial: Weights
    final: Weights
    hidden: np.ndarray  # (S, P, k)
    outputs: np.ndarray  # (S, P, N)
    snapshot_epochs: list[int]
    snapshots: np.ndarray  # (len(snapshot_epochs), S, P, k)
    output_solved_epoch: list[int | None]
    solved_epoch: list[int | None]
    diverged: list[bool]
    stopped: bool
    train_seconds: float

    def run(self, index: int) -> RunResult:
        """The result of seed `seeds[index]`, as a single run would report it."""
        length = int(self.lengths[index])
        history = {"epoch": np.arange(length)}
        history.update({name: self.history[name][index, :length] for name in METRICS})
        history["distinct_codes"] = history["distinct_codes"].astype(np.int64)
        kept = [slot for slot, epoch in enumerate(self.snapshot_epochs) if epoch < length]
        return RunResult(
            config=replace(self.config, seed=self.seeds[index]),
            history=history,
            initial=self.initial.select(index),
            final=self.final.select(index),
            hidden=self.hidden[index],
            outputs=self.outputs[index],
            snapshot_epochs=[self.snapshot_epochs[slot] for slot in kept],
            snapshots=self.snapshots[kept, index],
            output_solved_epoch=self.output_solved_epoch[index],
            solved_epoch=self.solved_epoch[index],
            diverged=self.diverged[index],
            stopped=self.stopped,
            train_seconds=self.train_seconds,
        )


def _json_weights(weights: Weights) -> dict[str, list]:
    return {name: _json_list(array) for name, array in weights._asdict().items()}


def _json_float(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _json_list(array: np.ndarray) -> list:
    """Nested lists of Python numbers, non-finite values as None (JSON has no NaN)."""
    array = np.asarray(array)
    if array.dtype.kind in "iub":
        return array.tolist()
    values = array.astype(object)
    values[~np.isfinite(array)] = None
    return values.tolist()
