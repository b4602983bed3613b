"""Seeds that are done leave their batch: a sweep costs what its unsolved seeds cost.

A sweep's batch trains until every seed has reached its goal. Without compaction a solved seed
trains on with the rest to the batch's end; here it leaves at the very epoch a run of it alone
would stop (goals.stop_point of that seed), with what that run ends with: its weights measured
once more, its history, its final codes. Its rows go out of the backend's arrays, optimizer state,
noise and order draws, and the recorder (in bulk, once a quarter of the batch has left: see take),
so the epochs after cost only the seeds still training. A seed whose weights diverged leaves too
(a run of it alone stops there).

`take(trainer, rows)` is the one operation: it takes rows out of a Trainer and returns their
BatchResult, the same as a run of those seeds alone gives (tests/test_grid.py checks it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from aelab.backends import Backend, Forward
from aelab.config import Config
from aelab.recorder import MEASURE_BLOCK, MEASURE_BUDGET, Recorder
from aelab.results import BatchResult
from aelab.train import Trainer
from aelab.weights import Weights

# The recorder's arrays with a leading seed axis, besides the history and snapshots.
_ROW_ARRAYS = (
    "length",
    "first_output_solved",
    "first_solved",
    "first_loss_below",
    "alive",
    "ever_solved",
    "attempts",
    "attempt_start",
    "last_good_activations",
    "last_good_outputs",
)


class LeavingTrainer(Trainer):
    """A Trainer whose done seeds may leave: after each update, `leave(trainer)` may take them out
    (take); True from it: none is left to train (the run ends there, at its goal). `row_ids`: each
    row's place in `seeds` as given (-1: it has left, though its arrays may still be in the batch)."""

    def __init__(self, *args, leave: Callable[[LeavingTrainer], bool] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.leave, self.row_ids = leave, np.arange(len(self.seeds))

    def _at_goal(self, since: int) -> tuple[bool, Forward | None]:
        if self.leave is not None and self.leave(self):
            return True, None
        return super()._at_goal(since)


def done_rows(trainer: LeavingTrainer) -> np.ndarray:
    """The rows still in the run whose own run would have stopped by now: at their goal's stop point,
    or diverged."""
    state = trainer.recorder
    reached = state.reached()
    stopped = (reached >= 0) & (reached + max(state.goal.extra, 1) <= trainer.epoch)
    return np.flatnonzero((~state.alive | stopped) & (trainer.row_ids >= 0))


def take(trainer: LeavingTrainer, rows: np.ndarray, config: Config | None = None, stopped: bool = False) -> BatchResult:
    """Take seeds `rows` out of `trainer` and return their run as it stands, measured at their
    current weights (as Trainer.result() measures a run), with `config` as its config (the
    trainer's by default: a grid's cell gives its own). The trainer goes on with the other rows.

    A row taken is marked gone (its row_id -1) and trains on, ignored, until gone rows are a
    quarter of the batch: then they all leave its arrays at once. (Leaving one at a time would copy
    the rest's history at every epoch where a seed solves: in a 1200-seed batch that costs more
    than the training it saves.)"""
    rows = np.asarray(rows, dtype=np.int64)
    state = trainer.recorder
    state.flush()
    part = _select_recorder(state, rows, trainer.backend.select(rows), config or trainer.config)
    result = part.result(trainer.epoch, trainer.seconds, stopped)
    result.changes, result.at_goal = list(trainer.changes), not stopped
    trainer.row_ids = trainer.row_ids.copy()
    trainer.row_ids[rows] = -1
    gone = trainer.row_ids < 0
    if 4 * gone.sum() >= len(gone) and not gone.all():
        _drop_gone(trainer, np.flatnonzero(~gone))
    return result


def _drop_gone(trainer: LeavingTrainer, keep: np.ndarray) -> None:
    """The trainer goes on with rows `keep` alone: weights, optimizer state, draws, record."""
    state = trainer.recorder
    trainer.backend = trainer.backend.select(keep)
    trainer.recorder = _select_recorder(state, keep, trainer.backend, state.config)
    trainer.seeds = [trainer.seeds[row] for row in keep]
    trainer.row_ids = trainer.row_ids[keep]
    if trainer.noise is not None:
        trainer.noise = trainer.noise.select(keep)
    if trainer.order is not None:
        trainer.order = trainer.order.select(keep)


def _select_recorder(state: Recorder, rows: np.ndarray, backend: Backend, config: Config) -> Recorder:
    """A recorder of seeds `rows` alone (nothing pending: the caller flushed)."""
    part = copy.copy(state)
    part.config, part.backend, part.pending = config, backend, []
    part.seeds = [state.seeds[row] for row in rows]
    part.initial = Weights(*(array[rows] for array in state.initial))
    part.history = {name: values[rows] for name, values in state.history.items()}
    part.latest = {name: values[rows] for name, values in state.latest.items()}
    for name in _ROW_ARRAYS:
        setattr(part, name, getattr(state, name)[rows])
    part.restarts = [list(state.restarts[row]) for row in rows]
    part.rows = slice(None) if part.alive.all() else part.alive.copy()
    part.any_alive = bool(part.alive.any())
    part.previous = None if state.previous is None else Forward(*(array[rows] for array in state.previous))
    part.snapshots = state.snapshots[:, rows]
    part.snapshot_weights = {
        epoch: Weights(*(array[rows] for array in weights)) for epoch, weights in state.snapshot_weights.items()
    }
    values_per_entry = max(1, len(rows)) * state.data.shape[0] * (state.data.shape[1] + config.hidden)
    part.block = max(1, min(MEASURE_BLOCK, MEASURE_BUDGET // values_per_entry))
    return part
