"""What a run may train to and stop at: every output right, distinct codes too, or a low loss.

A sweep trains each seed until it is solved (SOLVED); the literature bench counts each entry's
epochs to its own criterion. The recorder notes the first epoch each seed reaches the goal, exactly,
and the training loop stops once every seed not diverged has.
"""

from __future__ import annotations

from typing import NamedTuple

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


SOLVED = Goal("codes")  # what a sweep trains to
