"""What a run may train to and stop at: every output right, distinct codes too, or a low loss.

A sweep trains each seed until it is solved (SOLVED); the literature bench counts each entry's
epochs to its own criterion; a run stops where its `stop` and `hold` settings say (stop_goal).
The recorder notes the first epoch each seed reaches the goal, exactly, and the training loop
stops once every seed not diverged has (and, with `extra`, that many epochs later).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from aelab.analysis import HIGH, Metrics, binary_codes, distinct_codes, is_solved

# What a seed may have to reach for a run to stop (train_seeds' stop_when), by name.
GOALS = {
    "outputs": "40-20-40 on every output",
    "codes": "40-20-40 and distinct binary codes",  # aelab's "solved"
    "loss": "the loss below a threshold",
}


class Goal(NamedTuple):
    """A run that stops once every seed not diverged has reached this: a criterion of GOALS, and for
    "loss" the threshold. The recorder notes the first epoch each seed reaches it, exactly."""

    criterion: str = "codes"
    loss_below: float = 0.0
    extra: int = 0  # epochs trained on after the last seed reached it (Config.hold)


SOLVED = Goal("codes")  # what a sweep trains to


def stop_goal(stop: str, hold: int = 0) -> Goal | None:
    """The goal a run's `stop` and `hold` settings give: None for "never" (every epoch is trained)."""
    return None if stop == "never" else Goal(stop, extra=hold)


def stop_point(goal: Goal, reached: np.ndarray) -> int | None:
    """The epoch a run stops at, given (S,) when each seed reached `goal` (-1: not yet; None then): the
    goal's `extra` epochs after the last seed did, and at least the epoch after, as the training loop
    learns an epoch's figures while it makes the next update."""
    if (reached < 0).any():
        return None
    return int(reached.max(initial=0)) + max(goal.extra, 1)


def holds(goal: Goal, loss: np.ndarray, metrics: Metrics, patterns: int) -> np.ndarray:
    """(S,) whether each seed meets `goal` at one forward pass: its loss and its figures (analysis.measure)."""
    if goal.criterion == "loss":
        return loss < goal.loss_below
    if goal.criterion == "codes":
        return is_solved(metrics.outputs_solved, metrics.distinct_codes, patterns)
    return metrics.outputs_solved


def may_reach(goal: Goal, forward, waiting: np.ndarray, one_hot: bool, activation: str) -> bool:
    """Whether a seed in `waiting` (S,) may reach `goal` at this forward pass: a cheap necessary test, so
    that the recorder measures such an entry at once (and knows exactly when a run reached its goal)
    while it measures every other in blocks. Outputs solved needs each pattern's own output at least
    HIGH (one-hot targets; other targets are measured at once), codes solved distinct codes too; a loss
    goal, the loss under its threshold. With no seed waiting (all there, or diverged) nothing is tested."""
    if not waiting.any():
        return False
    if goal.criterion == "loss":
        return bool((forward.loss[waiting] < goal.loss_below).any())
    if not one_hot:
        return True
    own = np.diagonal(forward.outputs, axis1=1, axis2=2)  # (S, P): each pattern's output for itself
    candidates = waiting & (own.min(axis=1) >= HIGH)
    if goal.criterion == "codes" and candidates.any():
        patterns = forward.activations.shape[1]
        candidates &= distinct_codes(binary_codes(forward.activations, activation)) == patterns
    return bool(candidates.any())
