"""The training loop both backends share: updates, hidden noise, restarts, progress and stopping.

`train(config)` runs one seed; `train_seeds(config, seeds)` runs S seeds as
one batched computation, each seed starting from exactly the weights a
single run with that seed starts from. A single run *is* a batch of one, so
there is one loop to trust.

History entry i (i = 0..epochs) is measured at the weights after i updates.
The loop never raises for numerical trouble: a seed whose loss or weights
become NaN or infinite is flagged `diverged` and its history ends there.
An optional `on_progress(progress)` callback is called `progress_interval`
seconds after the previous call ended (longer if the calls are slow, so that
they take at most PROGRESS_SHARE of the time); returning True from it stops training, and
`progress.result()` is a consistent result of the run so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from aelab.backends import make_backend
from aelab.config import Config
from aelab.data import one_hot_patterns
from aelab.noise import HiddenNoise, PatternOrder
from aelab.recorder import Recorder, first_weights
from aelab.results import BatchResult, RunResult, SweepResult, thin_indices
from aelab.weights import Weights

PROGRESS_SHARE = 0.2  # at most this share of a run's time goes to progress updates


class Progress:
    """What the progress callback sees: how far training is, and the run so far."""

    def __init__(self, state: Recorder, epoch: int, seconds: float):
        self._state = state
        self.epoch = epoch  # updates done so far
        self.epochs = state.config.epochs
        self.config = state.config
        self.seconds = seconds  # training time so far

    @property
    def fraction(self) -> float:
        return self.epoch / self.epochs

    def latest(self, name: str) -> np.ndarray:
        """(S,) the last recorded value of a history metric, per seed."""
        return self._state.latest[name]

    def curve(self, name: str, max_points: int = 600) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of seed 0's `name` so far, at most `max_points` of them, evenly spread:
        what a live chart draws, at a cost that does not grow with the run."""
        state = self._state
        count = int(np.searchsorted(state.history_epochs, self.epoch))  # the columns before this epoch
        keep = thin_indices(count, max_points)
        return state.history_epochs[keep], state.history[name][0, keep]

    def result(self) -> BatchResult:
        """The run as if it had stopped now (costs one forward pass and a copy of the history)."""
        return self._state.result(self.epoch, self.seconds, stopped=True)

    def sweep_result(self) -> SweepResult:
        """A sweep's summary so far: cheap enough for a long, wide sweep's every update."""
        return self._state.sweep_so_far(self.seconds)


ProgressCallback = Callable[[Progress], "bool | None"]


def train(
    config: Config,
    on_progress: ProgressCallback | None = None,
    progress_interval: float = 0.2,
) -> RunResult:
    """Train one network with `config.seed`."""
    batch = train_seeds(config, [config.seed], on_progress, progress_interval, keep_snapshots=True)
    return batch.run(0)


def train_seeds(
    config: Config,
    seeds: Sequence[int],
    on_progress: ProgressCallback | None = None,
    progress_interval: float = 0.2,
    *,
    keep_snapshots: bool = False,
    stop_when_solved: bool = False,
) -> BatchResult:
    """Train one network per seed, all in one batched computation.

    With `stop_when_solved`, training ends as soon as every seed that has not
    diverged is solved (outputs and distinct codes): a sweep needs no more.
    """
    data = one_hot_patterns(config.width)
    initial = Weights.stack([first_weights(config, seed) for seed in seeds])
    backend = make_backend(config, initial, data)
    # stop_when_solved needs each epoch's figures before the next update: measure every epoch.
    state = Recorder(config, list(seeds), data, initial, backend, keep_snapshots, measure_each_epoch=stop_when_solved)
    noise = None
    if config.noise:
        patterns, length = data.shape[0], config.attempt_length
        noise = HiddenNoise(seeds, patterns, config.hidden, config.noise, config.noise_schedule, length, config.dtype)
    order = PatternOrder(seeds, data.shape[0]) if config.minibatch else None  # shuffled per epoch, per seed

    start = time.perf_counter()
    last_report, wait = start, progress_interval
    stopped = False
    epoch = 0
    # A run that blows up overflows on its way to NaN; `diverged` reports that, so NumPy need not warn.
    with np.errstate(over="ignore", invalid="ignore"):
        while epoch < config.epochs:
            now = time.perf_counter()
            if on_progress is not None and now - last_report >= wait:
                state.flush()  # the callback may read the history
                if on_progress(Progress(state, epoch, now - start)):
                    stopped = True
                    break
                last_report = time.perf_counter()
                # Timed from the end of the update, and never shorter than PROGRESS_SHARE allows:
                # a slow update (a busy server, a big redraw) then costs training a bounded share.
                # (An interval of 0 asks for every epoch, share or not: tests and stepping use it.)
                if progress_interval:
                    wait = max(progress_interval, (last_report - now) * (1 - PROGRESS_SHARE) / PROGRESS_SHARE)
            hidden_noise = noise.draw(epoch - state.attempt_start) if noise else None
            forward = backend.step(hidden_noise, order.draw()) if order else backend.step(hidden_noise)
            state.record(epoch, forward)
            epoch += 1
            state.check_weights(epoch)
            if not state.any_alive or (stop_when_solved and state.all_solved()):
                break
            if config.restart_after and epoch % config.restart_after == 0:
                state.restart_unsolved(epoch)
        return state.result(epoch, time.perf_counter() - start, stopped)
