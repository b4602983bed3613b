"""What a training run records as it goes: history, solved epochs, restarts, divergence, snapshots.

`Recorder` is the state of one (batched) run; the loop in aelab.train drives
it. History entry i is measured at the weights after i updates. Figures are
measured in blocks of epochs (see `Recorder.flush`), which is exactly what
measuring each epoch alone gives, for a fraction of NumPy's per-call cost.

Memory stays bounded whatever the run: the history keeps every epoch while
seeds x epochs fits HISTORY_BUDGET, else evenly spaced epochs (`history_epochs`);
the solved epochs and each seed's last figures are tracked as they happen,
so they stay exact however thin the stored history is.
"""

from __future__ import annotations

import numpy as np

from aelab import analysis
from aelab.backends import Backend, Forward
from aelab.backends.base import surely_finite
from aelab.config import Config
from aelab.goals import Goal, may_reach
from aelab.kept_epochs import HISTORY_BUDGET, SNAPSHOT_BUDGET, history_epochs, snapshot_epochs
from aelab.patterns import Patterns, is_one_hot
from aelab.results import METRICS, BatchResult, SweepResult
from aelab.weights import Weights, first_weights

MEASURE_BLOCK = 256  # epochs measured together (see Recorder.flush) ...
MEASURE_BUDGET = 100_000  # ... holding at most this many hidden and output values while they wait (beyond
# that, stacking the waiting outputs into one array costs more than measuring them one by one)


class Recorder:
    """What one (batched) run has recorded so far: history, solved epochs, who diverged, snapshots."""

    def __init__(
        self,
        config: Config,
        seeds: list[int],
        data: np.ndarray,
        initial: Weights,
        backend: Backend,
        keep_snapshots: bool,
        goal: Goal | None = None,
    ):
        self.config, self.seeds, self.data, self.initial, self.backend = config, seeds, data, initial, backend
        self.patterns: Patterns | None = None  # the Trainer's, handed on to its results (csv: the only copy)
        self.goal = goal  # checked after every epoch: an entry that may reach it is measured at once (record)
        self.one_hot = is_one_hot(data)  # then the figures take the one-hot shortcuts
        count = len(seeds)
        # Forward passes recorded but not yet measured (consecutive entries from pending_start),
        # and how many may wait: see flush().
        self.pending: list[Forward] = []
        self.pending_start = 0
        values_per_entry = count * data.shape[0] * (data.shape[1] + config.hidden)
        self.block = max(1, min(MEASURE_BLOCK, MEASURE_BUDGET // values_per_entry))
        self.history_epochs = history_epochs(config.epochs, count)  # (T,) the epoch each column holds
        self.history = {name: np.full((count, len(self.history_epochs)), np.nan) for name in METRICS}
        self.latest = {name: np.full(count, np.nan) for name in METRICS}  # (S,) each seed's last figures
        self.length = np.zeros(count, dtype=np.int64)  # epochs measured per seed (the last one is length - 1)
        # The first entry with every output right, and with distinct codes too; -1 until then.
        self.first_output_solved = np.full(count, -1, dtype=np.int64)
        self.first_solved = np.full(count, -1, dtype=np.int64)
        self.first_loss_below = np.full(count, -1, dtype=np.int64)  # a "loss" goal's threshold; -1 until then
        self.alive = np.ones(count, dtype=bool)
        # The alive seeds as an index: a plain slice while every seed is alive (nearly always),
        # which NumPy indexes several times faster than the boolean mask -- this runs every epoch.
        self.rows: slice | np.ndarray = slice(None)
        self.any_alive = True
        self.ever_solved = np.zeros(count, dtype=bool)  # in the current attempt; the epochs come from history
        self.attempts = np.zeros(count, dtype=np.int64)  # restarts so far, per seed
        self.attempt_start = np.zeros(count, dtype=np.int64)  # the history entry each seed's attempt began at
        self.restarts: list[list[int]] = [[] for _ in seeds]
        patterns, hidden = data.shape[0], config.hidden
        self.last_good_activations = np.full((count, patterns, hidden), np.nan)
        self.last_good_outputs = np.full((count, patterns, data.shape[1]), np.nan)
        self.previous: Forward | None = None
        self.snapshot_epochs = snapshot_epochs(config.epochs, patterns * hidden * count) if keep_snapshots else []
        self.snapshot_slot = {epoch: slot for slot, epoch in enumerate(self.snapshot_epochs)}
        self.snapshots = np.full((len(self.snapshot_epochs), count, patterns, hidden), np.nan, dtype=np.float32)
        # The weights at the snapshot epochs too (float32, taken before the update that follows), for a
        # replay of the network; only while they fit SNAPSHOT_BUDGET beside the hidden snapshots.
        weight_values = sum(array.size for array in initial) * max(len(self.snapshot_epochs), 1)
        self.keep_weights = keep_snapshots and weight_values <= SNAPSHOT_BUDGET
        self.snapshot_weights: dict[int, Weights] = {}  # epoch -> weights (seed axis first)

    def record(self, epoch: int, forward: Forward) -> None:
        """Take the forward pass of history entry `epoch` for the seeds still alive."""
        if not surely_finite(forward.loss):  # the cheap test first: it nearly always passes
            dying = self.alive & ~np.isfinite(forward.loss)
            if dying.any():
                self._bury(dying, epoch, self.previous)
        if not self.pending:
            self.pending_start = epoch
        self.pending.append(forward)
        waiting = self.goal is not None and self.alive & (self.reached() < 0)  # seeds short of the goal
        goal_near = self.goal and may_reach(self.goal, forward, waiting, self.one_hot, self.config.activation)
        if len(self.pending) >= self.block or goal_near:
            self.flush()
        slot = self.snapshot_slot.get(epoch)
        if slot is not None:
            self.snapshots[slot] = forward.activations
        self.previous = forward

    def note_weights(self, epoch: int) -> None:
        """Keep the current weights if history entry `epoch` is a snapshot's (called before its update)."""
        if self.keep_weights and epoch in self.snapshot_slot:
            self.snapshot_weights[epoch] = Weights(*(array.astype(np.float32) for array in self.backend.weights()))

    def flush(self) -> None:
        """Measure the pending entries and write their figures into the history.

        The figures of many epochs are computed in one vectorised call -- at these
        sizes NumPy's per-call overhead, not arithmetic, is most of the cost -- and are
        exactly those of measuring each epoch alone (every figure is per row). All the
        pending entries belong to the seeds alive now: _bury() flushes first.
        """
        if not self.pending:
            return
        entries, seeds = len(self.pending), len(self.seeds)
        if entries == 1:  # a sweep measures every epoch: no copy of its (S, P, N) outputs
            activations, outputs = self.pending[0].activations, self.pending[0].outputs
        else:
            activations = np.concatenate([forward.activations for forward in self.pending])  # (entries * S, P, k)
            outputs = np.concatenate([forward.outputs for forward in self.pending])
        metrics = analysis.measure(activations, outputs, self.data, self.config.activation, self.one_hot)
        values = {
            "loss": np.stack([forward.loss for forward in self.pending], axis=1),  # (S, entries)
            "accuracy": metrics.accuracy.reshape(entries, seeds).T,
            "bits_correct": metrics.bits_correct.reshape(entries, seeds).T,
            "distinct_codes": metrics.distinct_codes.reshape(entries, seeds).T,
        }
        rows, start, stop = self.rows, self.pending_start, self.pending_start + entries
        # The history columns whose epochs fall in this block (all of them unless the history is thinned).
        first, last = np.searchsorted(self.history_epochs, (start, stop))
        kept = self.history_epochs[first:last] - start
        for name in METRICS:
            self.history[name][rows, first:last] = values[name][rows][:, kept]
            self.latest[name][rows] = values[name][rows, -1]
        self.length[rows] = stop
        # A seed alive now was alive at every earlier entry, so these need no alive mask beyond `rows`.
        outputs_solved = metrics.outputs_solved.reshape(entries, seeds)
        solved = analysis.is_solved(outputs_solved, metrics.distinct_codes.reshape(entries, seeds), self.data.shape[0])
        _note_first(self.first_output_solved, outputs_solved, start, self.alive)
        _note_first(self.first_solved, solved, start, self.alive)
        if self.goal is not None and self.goal.criterion == "loss":
            _note_first(self.first_loss_below, self.goal.loss_below > values["loss"].T, start, self.alive)
        self.ever_solved |= solved.any(axis=0)
        self.pending.clear()

    def check_weights(self, epoch: int) -> None:
        """After update `epoch`, retire seeds whose weights are no longer finite."""
        nonfinite = self.backend.nonfinite_weights()
        if nonfinite is not None and (nonfinite & self.alive).any():
            self._bury(self.alive & nonfinite, epoch, self.previous)

    def _bury(self, dying: np.ndarray, epoch: int, last_good: Forward | None) -> None:
        """Seeds in `dying` diverged at history entry `epoch`; keep their last good forward pass."""
        self.flush()  # the pending entries are still those of the seeds alive until now
        if last_good is not None:
            self.last_good_activations[dying] = last_good.activations[dying]
            self.last_good_outputs[dying] = last_good.outputs[dying]
        self.alive &= ~dying
        self.rows = self.alive.copy()
        self.any_alive = bool(self.alive.any())

    def restart_unsolved(self, epoch: int) -> None:
        """Seeds alive but not solved in their attempt begin again from new weights: history entry
        `epoch` is the new attempt's first (the last update of the old one is dropped)."""
        self.flush()  # ever_solved must include every entry of the attempt
        rows = np.flatnonzero(self.alive & ~self.ever_solved)
        if not rows.size:
            return
        self.attempts[rows] += 1
        self.attempt_start[rows] = epoch
        for row in rows:
            self.restarts[row].append(epoch)
        weights = [first_weights(self.config, self.seeds[row], int(self.attempts[row])) for row in rows]
        self.backend.restart(rows, Weights.stack(weights))

    def extend(self, epochs: int, done: int) -> None:
        """Make room for a run that now ends at `epochs` (> config.epochs), `done` epochs in.

        The history keeps every epoch while it fits HISTORY_BUDGET -- then it is exactly what a run
        of `epochs` from the start keeps -- else the columns so far are halved until they fill at
        most half of it, and the epochs ahead are evenly spaced in the rest. Snapshots likewise:
        those taken so far (halved while too many) and the spacing of a whole run for the rest."""
        self.flush()
        old, seeds = self.history_epochs, len(self.seeds)
        kept = old[old <= done]
        per_seed = max(4, HISTORY_BUDGET // seeds)
        if len(kept) + epochs - done > per_seed:
            while len(kept) > per_seed // 2:
                kept = kept[::2]
        stride = max(1, -(-(epochs - done) // max(1, per_seed - len(kept) - 1)))
        ahead = np.unique(np.append(np.arange(kept[-1] + stride, epochs + 1, stride), epochs))
        self.history_epochs = np.concatenate([kept, ahead[ahead > kept[-1]]])
        columns = np.searchsorted(old, kept)
        for name in METRICS:
            grown = np.full((seeds, len(self.history_epochs)), np.nan)
            grown[:, : len(kept)] = self.history[name][:, columns]
            self.history[name] = grown
        if self.snapshot_epochs:
            self._extend_snapshots(epochs, done)

    def _extend_snapshots(self, epochs: int, done: int) -> None:
        values_per_snapshot = int(np.prod(self.snapshots.shape[1:]))
        whole_run = snapshot_epochs(epochs, values_per_snapshot)
        taken = [epoch for epoch in self.snapshot_epochs if epoch <= done]
        ahead = [epoch for epoch in whole_run if epoch > done]
        while len(taken) > 2 and len(taken) + len(ahead) > len(whole_run):
            taken = taken[::2]
        slots = [self.snapshot_slot[epoch] for epoch in taken]
        self.snapshot_epochs = taken + ahead
        self.snapshot_slot = {epoch: slot for slot, epoch in enumerate(self.snapshot_epochs)}
        self.snapshot_weights = {e: weights for e, weights in self.snapshot_weights.items() if e in self.snapshot_slot}
        grown = np.full((len(self.snapshot_epochs), *self.snapshots.shape[1:]), np.nan, dtype=np.float32)
        grown[: len(taken)] = self.snapshots[slots]
        self.snapshots = grown

    def reached(self) -> np.ndarray:
        """(S,) the first entry at which each seed reached the goal; -1: not yet."""
        firsts = {"outputs": self.first_output_solved, "codes": self.first_solved, "loss": self.first_loss_below}
        return firsts[self.goal.criterion]

    def result(self, epoch: int, seconds: float, stopped: bool, forward: Forward | None = None) -> BatchResult:
        """Measure entry `epoch` at the current weights and package the run; `forward`: the pass at
        these weights where one was just made (the goal's check), so that it is not made again."""
        self.note_weights(epoch)
        with np.errstate(over="ignore", invalid="ignore"):  # as in the training loop (see backends.base)
            forward = self.backend.forward() if forward is None else forward
            self.record(epoch, forward)
            self.flush()
        activations = np.where(self.alive[:, None, None], forward.activations, self.last_good_activations)
        outputs = np.where(self.alive[:, None, None], forward.outputs, self.last_good_outputs)
        output_solved_epoch, solved_epoch = self.solved_epochs()
        # Only the columns measured so far: the rest (epochs not yet trained) are NaN, and copying all of a
        # long run's history budget cost a sweep stopped early up to a second after its stop.
        measured = int(np.searchsorted(self.history_epochs, self.length.max()))
        return BatchResult(
            config=self.config,
            seeds=list(self.seeds),
            history={name: values[:, :measured].copy() for name, values in self.history.items()},
            history_epochs=self.history_epochs[:measured].copy(),
            latest={name: values.copy() for name, values in self.latest.items()},
            lengths=self.length.copy(),
            initial=self.initial,
            final=self.backend.weights(),
            activations=activations,
            outputs=outputs,
            snapshot_epochs=[e for e in self.snapshot_epochs if e <= epoch],
            snapshots=self.snapshots[: sum(e <= epoch for e in self.snapshot_epochs)].copy(),
            snapshot_weights={e: weights for e, weights in self.snapshot_weights.items() if e <= epoch},
            output_solved_epoch=output_solved_epoch,
            solved_epoch=solved_epoch,
            diverged=(~self.alive).tolist(),
            restarts=[list(epochs) for epochs in self.restarts],
            stopped=stopped,
            train_seconds=seconds,
            reached_epoch=_entries(self.reached()) if self.goal else [],
            patterns=self.patterns,
        )

    def solved_epochs(self) -> tuple[list[int | None], list[int | None]]:
        """Per seed, the first entry with every output solved, and with distinct codes too."""
        return _entries(self.first_output_solved), _entries(self.first_solved)

    def sweep_so_far(self, seconds: float) -> SweepResult:
        """The sweep's summary from what is recorded, without copying the history or a forward pass."""
        output_solved_epoch, solved_epoch = self.solved_epochs()
        return SweepResult(
            self.config,
            list(self.seeds),
            output_solved_epoch,
            solved_epoch,
            (~self.alive).tolist(),
            [int(codes) for codes in np.nan_to_num(self.latest["distinct_codes"])],
            seconds,
            stopped=True,
        )


def _note_first(first: np.ndarray, reached: np.ndarray, start: int, alive: np.ndarray) -> None:
    """For alive seeds without one yet, record the first of `reached`'s (entries, S) rows that is
    True, as an entry number counted from `start`."""
    new = (first < 0) & reached.any(axis=0) & alive
    first[new] = start + reached.argmax(axis=0)[new]


def _entries(first: np.ndarray) -> list[int | None]:
    return [int(entry) if entry >= 0 else None for entry in first]
