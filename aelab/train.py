"""The training loop both backends share: updates, hidden noise, restarts, progress and stopping.

`train(config)` runs one seed; `train_seeds(config, seeds)` runs S seeds as one batched computation,
each seed starting from exactly the weights a single run with that seed starts from. A single run *is*
a batch of one, so there is one loop to trust.

History entry i (i = 0..epochs) is measured at the weights after i updates. The loop never raises for
numerical trouble: a seed whose loss or weights become NaN or infinite is flagged `diverged` and its
history ends there. An optional `on_progress(progress)` callback is called `progress_interval` seconds
after the previous call ended (longer if the calls are slow, so that they take at most PROGRESS_SHARE of
the time); returning True from it stops training, and `progress.result()` is the run so far.

An optional `allowance` (aelab.allowance) stops training when its CPU time is spent or a stop is requested:
between epochs, and in an epoch of many updates (per-pattern, mini-batch) between updates. An epoch left
part-way is undone: the weights, optimiser state and draws go back to its start, so the run holds whole
epochs only, and Continue from there gives exactly what an uninterrupted run gives. (The updates of the
part undone are lost: at most one epoch's work.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace

import numpy as np

from aelab import goals
from aelab.allowance import Allowance
from aelab.backends import make_backend
from aelab.backends.base import Forward, StopCheck
from aelab.config import Config, ConfigError, changed_settings
from aelab.goals import Goal, stop_goal
from aelab.noise import HiddenNoise, PatternOrder
from aelab.patterns import config_patterns
from aelab.per_seed import NO_SEED_SETTINGS, SeedSettings
from aelab.progress import Progress, ProgressCallback, measure_now
from aelab.recorder import Recorder
from aelab.results import BatchResult, RunResult
from aelab.weights import Weights, first_weights

PROGRESS_SHARE = 0.2  # at most this share of a run's time goes to progress updates
# An epoch that took longer than this (seconds) is checked between its updates: it then costs a
# copy of the weights and optimiser state first, to go back to if it is left part-way. Shorter
# epochs are checked between epochs only (the first of each run() call is checked inside).
CHECK_INSIDE_EPOCHS = 0.02


def train(
    config: Config,
    on_progress: ProgressCallback | None = None,
    progress_interval: float = 0.2,
    allowance: Allowance | None = None,
) -> RunResult:
    """Train one network with `config.seed`."""
    batch = train_seeds(config, [config.seed], on_progress, progress_interval, keep_snapshots=True, allowance=allowance)
    return batch.run(0)


def train_seeds(
    config: Config,
    seeds: Sequence[int],
    on_progress: ProgressCallback | None = None,
    progress_interval: float = 0.2,
    *,
    keep_snapshots: bool = False,
    stop_when: Goal | None = None,
    allowance: Allowance | None = None,
) -> BatchResult:
    """Train one network per seed, all in one batched computation.

    With `stop_when`, training ends as soon as every seed that has not diverged has reached
    that goal (a sweep: solved, goals.SOLVED), and the result says when each did (reached_epoch);
    without it, where the config's `stop` and `hold` say (never, by default).
    """
    trainer = Trainer(config, seeds, keep_snapshots=keep_snapshots, goal=stop_when)
    return trainer.run(config.epochs, on_progress, progress_interval, allowance)


# Settings a paused run may change and go on from its weights; any other change is a new run
# (the network's shape, where its weights and draws come from, how restarts are cut).
CONTINUABLE = frozenset(
    {"optimizer", "lr", "momentum", "max_growth", "rprop_max_step", "rprop_min_step", "flat_spot", "batch_size"}
    | {"weight_decay", "loss"}
    | {"noise", "noise_schedule", "epochs", "stop", "hold"}
)
UPDATE_SETTINGS = CONTINUABLE - {"epochs", "stop", "hold"}  # those that change the updates themselves


def new_run_settings(old: Config, new: Config) -> list[str]:
    """The settings that differ between `old` and `new` and cannot change in a paused run."""
    return [name for name in changed_settings(old, new) if name not in CONTINUABLE]


def update_changes(old: Config, new: Config) -> dict[str, tuple[object, object]]:
    """{setting: (old, new)} for the UPDATE_SETTINGS that differ, by name: what a continued run records."""
    return changed_settings(old, new, sorted(UPDATE_SETTINGS))


def restart_begins(epoch: int, planned: int, restart_after: int) -> bool:
    """Whether the unsolved seeds begin again after `epoch` updates (history entry `epoch` is then the new
    attempt's first) in a run of `planned` epochs.

    Every restart_after epochs, but only where a whole restart_after epochs still fit before the planned
    end: a shorter attempt would be judged on less than its settings' window (on nothing, on the last
    epoch), so a seed keeps its attempt to the end instead. A run continued past its plan restarts again."""
    return bool(restart_after) and epoch > 0 and epoch % restart_after == 0 and planned - epoch >= restart_after


def continue_epochs(done: int, planned: int) -> int:
    """How many epochs Continue (and --resume without --epochs) trains: the rest of a run paused
    before its planned `planned` epochs, or, once it has them, as many again."""
    return planned - done if done < planned else planned


class Trainer:
    """A batched run that can be trained on: `run(epochs)` trains that many more epochs from where the last
    call stopped (weights, optimiser state, noise and order draws, history), so that e epochs and then f more
    give exactly what e + f epochs at once give. `change(config)` carries a paused run on with new CONTINUABLE
    settings. aelab.run_file saves and loads one. A run stops at `goal` when one is given (a sweep, the
    bench), else where the config's `stop` and `hold` say, which a paused run may change."""

    def __init__(
        self,
        config: Config,
        seeds: Sequence[int],
        *,
        keep_snapshots: bool = False,
        goal: Goal | None = None,
        inputs: np.ndarray | None = None,  # a csv run's (P, N) patterns; every other set makes its own
        seed_settings: SeedSettings | None = None,  # settings that differ per seed (aelab.per_seed)
    ):
        self.config, self.seeds = config, list(seeds)
        self.patterns = config_patterns(config, inputs)
        self.data = self.patterns.inputs  # (P, N): the inputs, and the targets
        initial = Weights.stack([first_weights(config, seed) for seed in seeds])
        self.seed_settings = seed_settings or NO_SEED_SETTINGS
        self.backend = make_backend(config, initial, self.data, self.seed_settings)
        self.goal_from_settings = goal is None
        goal = stop_goal(config.stop, config.hold) if goal is None else goal
        self.recorder = Recorder(config, self.seeds, self.data, initial, self.backend, keep_snapshots, goal)
        self.recorder.patterns = self.patterns
        self.noise: HiddenNoise | None = None  # made when first needed, then kept: its draws go on
        self.order: PatternOrder | None = None
        self.epoch = 0  # updates done so far
        self.seconds = 0.0  # training time so far, every call together
        self.epoch_seconds: float | None = None  # how long the last epoch took (None: none yet this call)
        self.changes: list[tuple[int, dict[str, tuple[object, object]]]] = []  # (epoch, {setting: (old, new)})
        self.at_goal = False  # the last call to run() ended at the goal

    def change(self, config: Config) -> None:
        """Go on with `config` from the current weights. The optimiser keeps its state when it stays
        the same kind (with the new lr, momentum ...); a new kind starts with none. ConfigError when a
        setting outside CONTINUABLE differs (that is a new run)."""
        fixed = new_run_settings(self.config, config)
        if fixed:
            name = fixed[0]
            raise ConfigError(name, getattr(config, name), "a continued run keeps it: start a new run to change it")
        if self.goal_from_settings and (config.stop, config.hold) != (self.config.stop, self.config.hold):
            self.recorder.flush()  # the entries so far are measured as the old goal had them
            self.recorder.goal = stop_goal(config.stop, config.hold)
        changed = update_changes(self.config, config)
        if changed:
            state = self.backend.optimizer_state() if config.optimizer == self.config.optimizer else {}
            self.backend = make_backend(config, self.backend.weights(), self.data, self.seed_settings)
            self.backend.load_optimizer_state(state)
            self.recorder.backend = self.backend
            self.changes.append((self.epoch, changed))
        if config.epochs > self.config.epochs:
            self.recorder.extend(config.epochs, self.epoch)
        self.config = self.recorder.config = replace(config, epochs=max(config.epochs, self.config.epochs))
        if self.noise is not None:
            self.noise.std, self.noise.schedule = self.seed_settings.vector("noise", config), config.noise_schedule
            self.noise.length = self.config.attempt_length

    def result(self, stopped: bool = False, forward: Forward | None = None) -> BatchResult:
        """The run so far, measured at the current weights (`forward`: the pass there, where one was just made)."""
        result = self.recorder.result(self.epoch, self.seconds, stopped, forward)
        result.changes, result.at_goal = list(self.changes), self.at_goal
        return result

    def _at_goal(self, since: int) -> tuple[bool, Forward | None]:
        """After an update: stop here? A run that stops at `goal` (a sweep, the bench) stops the epoch after
        every seed has reached it; one that stops where its settings say, only once every seed meets the
        goal at the weights it would end with (the code it shows is solved), `hold` or more epochs after.
        With True, the forward pass it measured there (None: it needed none), which the result reuses."""
        state = self.recorder
        if state.goal is None:
            return False, None
        stop_at = goals.stop_point(state.goal, state.reached()[state.alive])
        # A stop point before `since` is a run continued past its goal: it trains on.
        if stop_at is None or not since < stop_at <= self.epoch:
            return False, None
        if not self.goal_from_settings:
            return True, None
        ending, figures = measure_now(state)  # at the weights the run would end with
        holds = bool(goals.holds(state.goal, ending.loss, figures, self.data.shape[0])[state.alive].all())
        return holds, ending if holds else None

    @contextmanager
    def _timed(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start

    def run(
        self,
        epochs: int,
        on_progress: ProgressCallback | None = None,
        progress_interval: float = 0.2,
        allowance: Allowance | None = None,
    ) -> BatchResult:
        """Train `epochs` more epochs (the run's config.epochs grows to cover them) and return the
        run so far: stopped early when `on_progress` or `allowance` asked to (see the module's
        docstring), or when every seed has reached the trainer's goal."""
        target = self.epoch + epochs
        if target > self.config.epochs:
            self.change(replace(self.config, epochs=target))
        config = self.config
        if config.noise and self.noise is None:
            self.noise = HiddenNoise.for_run(config, self.seeds, self.data.shape[0], self.seed_settings)
        if config.minibatch and self.order is None:  # shuffled per epoch, per seed
            self.order = PatternOrder(self.seeds, self.data.shape[0])
        check = None
        if allowance is not None:
            allowance.start()
            check = allowance.should_stop

        start, first = time.perf_counter(), self.epoch
        self.at_goal, ending = False, None  # ending: the pass at the weights the run stopped at its goal with
        last_report, wait = start, progress_interval
        stopped = False
        self.epoch_seconds = None
        # A run that blows up overflows on its way to NaN; `diverged` reports that, so NumPy need not warn.
        # An exception from on_progress or the allowance (a click on the page) leaves the run paused
        # at the last whole epoch, consistent.
        with np.errstate(over="ignore", invalid="ignore"), self._timed():
            while self.epoch < target and self.recorder.any_alive:
                if check is not None and check():
                    stopped = True
                    break
                now = time.perf_counter()
                if on_progress is not None and now - last_report >= wait:
                    self.recorder.flush()  # the callback may read the history
                    with allowance.aside() if allowance is not None else nullcontext():
                        asked = on_progress(Progress(self, self.epoch, self.seconds + now - start, first))
                    if asked:
                        stopped = True
                        break
                    last_report = time.perf_counter()
                    # Timed from the end of the update, and never shorter than PROGRESS_SHARE allows:
                    # a slow update (a busy server, a big redraw) then costs training a bounded share.
                    # (An interval of 0 asks for every epoch, share or not: tests and stepping use it.)
                    if progress_interval:
                        wait = max(progress_interval, (last_report - now) * (1 - PROGRESS_SHARE) / PROGRESS_SHARE)
                state = self.recorder  # (the same one all run long, unless seeds left: aelab.compaction)
                state.note_weights(self.epoch)
                hidden_noise = self.noise.draw(self.epoch - state.attempt_start) if config.noise else None
                forward = self._epoch(hidden_noise, self.order if config.minibatch else None, check)
                if forward is None:  # stopped part-way through the epoch, and put back at its start
                    stopped = True
                    break
                state.record(self.epoch, forward)
                self.epoch += 1
                state.check_weights(self.epoch)
                self.at_goal, ending = self._at_goal(first)
                if self.at_goal:
                    break
                if restart_begins(self.epoch, config.epochs, config.restart_after):
                    self.recorder.restart_unsolved(self.epoch)
        return self.result(stopped, ending)

    def _epoch(self, noise: np.ndarray | None, order: PatternOrder | None, check: StopCheck | None) -> Forward | None:
        """One epoch's updates, with this epoch's `noise` drawn. An epoch of many updates that may be
        long is checked between them: None when `check` stopped it there, everything back at its start."""
        started, backend = time.perf_counter(), self.backend
        if order is None:
            forward = backend.step(noise)
        elif check is None or (self.epoch_seconds is not None and self.epoch_seconds < CHECK_INSIDE_EPOCHS):
            forward = backend.step(noise, order.draw())
        else:
            weights, optimizer_state, forward = backend.weights(), backend.optimizer_state(), None
            try:
                forward = backend.step(noise, order.draw(), check)
            finally:  # stopped, or an interrupt raised in `check`
                if forward is None:
                    self._back_to_epoch_start(weights, optimizer_state, noise is not None)
        self.epoch_seconds = time.perf_counter() - started
        return forward

    def _back_to_epoch_start(self, weights: Weights, optimizer_state: dict[str, np.ndarray], noisy: bool) -> None:
        """Undo an epoch left part-way: its updates, and its order (and noise) draws."""
        self.backend.restart(np.arange(len(self.seeds)), weights)  # the weights, with fresh optimiser state ...
        self.backend.load_optimizer_state(optimizer_state)  # ... then the state from before the epoch
        self.order.undraw()
        if noisy:
            self.noise.undraw()
