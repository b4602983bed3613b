"""What a training loop's progress callback sees: how far training is, and the run so far.

Each call reads the recorder's latest figures and a thinned curve, never the whole history, so an
update costs the same however long the run (aelab.train calls it between epochs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from aelab import analysis
from aelab.backends.base import Forward
from aelab.recorder import Recorder
from aelab.results import BatchResult, SweepResult, thin_indices
from aelab.weights import Weights

if TYPE_CHECKING:
    from aelab.train import Trainer


class Progress:
    """What the progress callback sees: how far training is, and the run so far."""

    def __init__(self, trainer: Trainer, epoch: int, seconds: float, first: int = 0):
        self._trainer, self._state = trainer, trainer.recorder  # the run, and what it has recorded
        self.epoch = epoch  # updates done so far
        self.first = first  # ... when this call to Trainer.run began
        self.config = trainer.recorder.config
        self.epochs = self.config.epochs
        self.seconds = seconds  # training time so far

    @property
    def several_seeds(self) -> bool:
        """The run trains more than one seed: its figures are a batch's, not one network's."""
        return len(self._state.seeds) > 1

    @property
    def pattern_count(self) -> int:
        """P: how many patterns the run trains on (a seed with P distinct codes has them all apart)."""
        return self._trainer.patterns.inputs.shape[0]

    @property
    def binary(self) -> bool:
        """The targets are 0s and 1s, so the bits-right and distinct-codes figures mean something."""
        return self._trainer.patterns.binary

    @property
    def fraction(self) -> float:
        return self.epoch / self.epochs

    def now(self) -> tuple[Forward, analysis.Metrics]:
        """Seed 0's forward pass at the current weights (epoch `epoch`) and its figures: one extra pass, so
        that a live view shows the weights, the code, the outputs and the figures of one epoch."""
        forward, metrics = measure_now(self._state)
        return Forward(*(array[:1] for array in forward)), analysis.Metrics(*(array[:1] for array in metrics))

    def weights(self) -> Weights:
        """Seed 0's current weights (a copy): what the next epoch's forward pass uses."""
        return self._state.backend.weights().select(0)

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
        """The run as if it had stopped now (costs one forward pass and a copy of the history). Asked
        after training was interrupted, that is where the trainer is, which may be epochs after
        this progress (a stop between updates comes between two calls of the callback)."""
        if self._trainer.epoch != self.epoch:  # (its seconds are counted once it stopped)
            return self._trainer.result(stopped=True)
        return self._state.result(self.epoch, self.seconds, stopped=True)

    def sweep_result(self) -> SweepResult:
        """A sweep's summary so far: cheap enough for a long, wide sweep's every update."""
        return self._state.sweep_so_far(self.seconds)


ProgressCallback = Callable[[Progress], "bool | None"]


def measure_now(state: Recorder) -> tuple[Forward, analysis.Metrics]:
    """Every seed's forward pass at the current weights, and its figures (nothing is recorded)."""
    forward = state.backend.forward()
    return forward, analysis.measure(forward.activations, forward.outputs, state.data, state.config.activation,
                                     state.one_hot)  # fmt: skip
