"""How long a click may hold the server by the clock: the wall-clock allowance beside the CPU-time one.

The CPU-time allowance (aelab.allowance) bounds what a click computes, but not how long it lasts: a
paced run (the page's Speed, epochs per second at most) sleeps between epochs and uses little CPU,
so at 1 epoch/s a 100,000-epoch link would hold its place in the server's line (and its thread) for
more than a day. So every click also gets WALL_FACTOR times its CPU allowance in wall-clock seconds:
a paced run whose epochs cannot fit in it at its speed is refused up front, and any training that
reaches it stops itself as it runs, like one whose CPU time is spent. Work that takes no place in the
line (quick work) gets WALL_FACTOR times the click's limit, as long work does.

A training at full speed reaches the wall allowance only with less than 1/WALL_FACTOR of a CPU.
"""

from __future__ import annotations

from aelab.budget import Budget, duration

WALL_FACTOR = 10.0  # wall-clock seconds a click may train per CPU second of its allowance


def wall_seconds(budget: Budget, estimated_seconds: float) -> float | None:
    """The wall-clock seconds a click whose work is estimated at `estimated_seconds` of CPU may train
    (None: no limit, as when the click's CPU limit is lifted)."""
    if budget.max_seconds is None:
        return None
    if budget.needs_slot(estimated_seconds):  # a place in the line: it moves on within this
        return WALL_FACTOR * budget.allowance_seconds(estimated_seconds)
    return WALL_FACTOR * budget.max_seconds


def paced_seconds(epochs: int, speed: float) -> float:
    """The least wall-clock time `epochs` take at `speed` epochs per second (0: full speed, no least)."""
    return epochs / speed if speed > 0 else 0.0


def over_pace(budget: Budget, epochs: int, speed: float, estimated_seconds: float) -> str | None:
    """None when `epochs` at `speed` epochs per second fit the click's wall-clock allowance, else one
    message: how long they take, the allowance, and the most epochs that fit at that speed."""
    allowed = wall_seconds(budget, estimated_seconds)
    needed = paced_seconds(epochs, speed)
    if allowed is None or needed <= allowed:
        return None
    fits = int(allowed * speed)
    return (
        f"At {speed:g} epochs per second, {epochs:,} epochs take at least {duration(needed)}; this server lets "
        f"a click train for {duration(allowed)} by the clock. To run it here, lower the epochs to {fits:,} or "
        "fewer, or raise the speed (full speed has no pace); or run it on your own machine (no limit):"
    )
