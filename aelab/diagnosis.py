"""Why the unsolved seeds of a sweep failed: pure functions on plain arrays.

`failure_cause` gives one unsolved seed exactly one cause from `CAUSES`, with a
detail that names what was seen. The first that applies wins:

1. diverged: the loss or the weights became NaN or infinite; with Quickprop that is
   `runaway`, the way its steps overflow (see `RUNAWAY_DETAIL`).
2. saturated: a hidden unit sits on one flat end of its activation for every
   pattern (`saturated_units`): it carries no bit and barely learns.
3. shared code, settled: two patterns share a binary code and either the outputs
   already pass 40-20-40 (the network has solved its outputs around the collision,
   and the loss now falls only because the outputs sharpen) or k units cannot
   give P patterns distinct codes at all (2^k < P).
4. still improving: the best loss was still falling (`IMPROVING_DROP`) over the
   last quarter of the seed's last attempt. When the user stopped the sweep this
   is `cut_short`, never "ran out of epochs". The last attempt is a whole one: no
   restart begins with fewer than restart_after epochs left (train.restart_begins),
   so a restart never leaves a seed to be judged on a few epochs of new weights.
5. shared code: the loss stopped falling with two patterns on one code and the
   hidden values committed (binariness >= `SETTLED_BINARINESS`).
6. plateau: the loss stopped falling before the outputs passed 40-20-40, with the
   codes distinct or the hidden values still near their threshold.

Which codes the solved seeds found is aelab.code_groups' job.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np

from aelab import analysis
from aelab.activations import ACTIVATIONS
from aelab.tables import by_name

# A unit is saturated (or dead) when, for every pattern, it sits on the same side of its threshold with a
# slope below this fraction of its activation's steepest slope: sigmoid beyond 0.026 / 0.974, tanh beyond
# -/+0.949, ReLU at 0 (slope 0: it never comes back), leaky ReLU below 0 (slope 0.01). Its gradients are
# then at most a tenth of what the unit could pass, for every pattern at once, and its bit says nothing about
# which pattern is shown: the network is left with k - 1 units until (if ever) it climbs out.
SATURATED_SLOPE = 0.1
# The best loss must fall by at least this fraction over the last quarter of an attempt to count as still
# improving. Measured (30 seeds each): seeds stuck on a plateau or in a shared-code minimum move it 0.01-0.4%
# over hundreds to thousands of epochs (4-2-4 default recipe; 8-3-8 sigmoid SGD lr 2 at 300 epochs), seeds
# still learning 6-75% (the seed notebook's recipe at 1000 epochs, 8-3-8 ReLU).
IMPROVING_DROP = 0.01
TREND_SHARE = 0.25  # the last quarter of an attempt's epochs: the window the trend is read over
MIN_TREND_EPOCHS = 8  # fewer measured epochs in an attempt cannot show a trend: counted as still improving
# Hidden values count as committed to a code when, on average, they sit nearer the ends of their range than
# the threshold (analysis.binariness >= 0.5). Measured: seeds in a shared-code minimum 0.65-1.0, seeds on
# sigmoid's flat start (all patterns near 0.5-0.7, one code for most) 0.20-0.27.
SETTLED_BINARINESS = 0.5
MAX_NAMED_COLLISIONS = 3  # a detail names at most this many groups of patterns that share a code ...
MAX_NAMED_PATTERNS = 8  # ... and at most this many patterns of a group


class Cause(NamedTuple):
    name: str
    label: str
    meaning: str


CAUSES: dict[str, Cause] = by_name(
    Cause("diverged", "diverged", "the loss or the weights became NaN or infinite"),
    Cause(
        "runaway",
        "Quickprop's steps ran away",
        "Quickprop's step grows from the last one faster than the slope shrinks, until the weights overflow",
    ),
    Cause(
        "saturated",
        "dead or saturated unit",
        "a hidden unit sits on one flat end of its activation for every pattern: it carries no bit and barely learns",
    ),
    Cause("shared_code", "shared code", "two or more patterns settled on one binary code"),
    Cause(
        "still_improving",
        "ran out of epochs while still improving",
        "the best loss was still falling at the end: more epochs may solve it",
    ),
    Cause("cut_short", "stopped early while still improving", "the sweep was stopped while the loss was still falling"),
    Cause("plateau", "plateau", "the loss stopped falling before the outputs passed 40-20-40"),
    # Given by the sweep, not by failure_cause: wide nets go in seed batches, and a stop can come first.
    Cause("not_started", "not started", "the sweep was stopped before this seed's batch began"),
)


# Quickprop (kept exact to SNNS) has two ways to grow a step past all bounds: the capped step mu x d, taken
# epoch after epoch while the slope does not shrink, and the quadratic jump d S / (p - S), which has no cap at
# all when the previous step d and the previous slope p share a sign and S comes close to p. Measured on the
# 18 diverged seeds of 100 in rb-12-2-12-quickprop with flat spot 0.1 (docs/literature.md): from the first step
# over 1e3 to the overflow, the largest step was mu x d 75% of the time and a quadratic jump with d and p of
# opposite signs (growth below mu) 25%, never the uncapped same-sign jump. The flat spot keeps the slope of a
# saturated unit from vanishing, so mu x d goes on; with flat spot 0 no seed diverged.
RUNAWAY_DETAIL = (
    "Quickprop's step grew from one epoch to the next (mu times the last step while the slope did not shrink, "
    "or the quadratic jump, which has no cap when the last step and the last slope share a sign)"
)


class Failure(NamedTuple):
    """One unsolved seed's cause (a key of CAUSES) and what was seen."""

    cause: str
    detail: str


def failure_cause(
    loss: np.ndarray,
    epochs: np.ndarray,
    activations: np.ndarray,
    outputs: np.ndarray,
    targets: np.ndarray,
    activation: str,
    *,
    diverged: bool,
    stopped: bool,
    attempt_start: int = 0,
    optimizer: str = "",
) -> Failure:
    """The cause of one unsolved seed, by the precedence in the module docstring.

    loss (T,) and epochs (T,): the seed's loss history and each entry's epoch (NaN where not
    measured; history may be thinned); activations (P, k) and outputs (P, N) at the end (for a
    diverged seed, its last finite ones); targets (P, N); attempt_start: the epoch the seed's
    last attempt began (its last restart), so that only that attempt's trend counts; optimizer: the
    config's, which names how a run diverged (Quickprop's runaway steps)."""
    if diverged:
        where = f"NaN or infinite values after epoch {_last_epoch(loss, epochs):,}"
        if optimizer == "quickprop":
            return Failure("runaway", f"{where}: {RUNAWAY_DETAIL}")
        return Failure("diverged", where)
    saturated = saturated_units(activations, activation)
    if saturated:
        return Failure("saturated", _saturated_detail(activations, saturated, activation))
    bits = analysis.binary_codes(activations, activation)
    patterns, units = bits.shape
    collide = analysis.distinct_codes(bits) < patterns
    wrong = int(outputs.size - np.count_nonzero(analysis.bits_right(outputs, targets)))  # outputs failing 40-20-40
    if collide and 2**units < patterns:
        return Failure("shared_code", f"{units} units give at most {2**units} codes for {patterns} patterns")
    if collide and not wrong:
        return Failure("shared_code", _collision_detail(bits) + "; the outputs pass 40-20-40 all the same")
    trend = loss_trend(loss, epochs, attempt_start)
    if trend.drop is None or trend.drop >= IMPROVING_DROP:
        return Failure("cut_short" if stopped else "still_improving", trend.detail)
    if collide and analysis.binariness(activations, activation) >= SETTLED_BINARINESS:
        return Failure("shared_code", f"{_collision_detail(bits)}; {trend.detail}")
    codes = f"{analysis.distinct_codes(bits)} of {patterns} codes distinct"
    return Failure("plateau", f"{trend.detail}; {wrong} of {outputs.size} outputs fail 40-20-40, {codes}")


class Trend(NamedTuple):
    drop: float | None  # how much the best loss fell over the window, as a fraction; None: too few epochs
    detail: str


def loss_trend(loss: np.ndarray, epochs: np.ndarray, attempt_start: int = 0) -> Trend:
    """How much the best loss so far fell over the last TREND_SHARE of the attempt's measured epochs.

    The best (lowest) loss rather than the last: a large step size makes the loss oscillate and
    noise makes it jitter, while the best value still falls as long as the seed is learning."""
    measured = np.isfinite(loss) & (epochs >= attempt_start)
    loss, epochs = loss[measured], epochs[measured]
    if len(loss) < MIN_TREND_EPOCHS:
        return Trend(None, f"only {len(loss)} epochs measured: too few to see a trend")
    window_start = epochs[-1] - TREND_SHARE * (epochs[-1] - epochs[0])
    before = loss[epochs <= window_start].min()
    drop = float((before - loss.min()) / before) if before > 0 else 0.0
    share = f"{TREND_SHARE:.0%}"
    return Trend(
        drop, f"best loss fell {drop:.2%} over the last {share} of epochs ({window_start:,.0f}-{epochs[-1]:,})"
    )


def saturated_units(activations: np.ndarray, activation: str) -> list[int]:
    """(P, k) activations -> the units that are dead or saturated (see SATURATED_SLOPE)."""
    entry = ACTIVATIONS[activation]
    with np.errstate(invalid="ignore"):
        # The slope is read with h standing in for z: exact for every activation here, since each keeps the
        # sign of z and their slopes read z only for its sign (tests/test_diagnosis.py checks this).
        flat = entry.slope(activations, activations) < SATURATED_SLOPE * peak_slope(activation)  # (P, k)
    bits = analysis.binary_codes(activations, activation)
    one_side = bits.all(axis=0) | (~bits).all(axis=0)
    return [int(unit) for unit in np.flatnonzero(flat.all(axis=0) & one_side)]


@cache
def peak_slope(activation: str) -> float:
    """The activation's steepest slope (sigmoid 0.25, tanh 1, ReLU 1), read off a fine grid."""
    entry = ACTIVATIONS[activation]
    z = np.linspace(-8.0, 8.0, 16_001)
    return float(entry.slope(z, entry.numpy(z)).max())


def _saturated_detail(activations: np.ndarray, units: list[int], activation: str) -> str:
    """'unit 1 is saturated at 1 for every pattern', 'units 0 and 2 are dead: at or below 0 for every pattern'."""
    entry = ACTIVATIONS[activation]
    sides: dict[str, list[int]] = {}
    for unit in units:
        high = bool(activations[:, unit].min() > entry.threshold)
        if entry.bounds is not None:
            state = f"saturated at {entry.bounds[int(high)]:g}"
        else:  # ReLU-like: only the flat side below the threshold can hold a unit
            state = "flat" if high else f"dead: at or below {entry.threshold:g}"
        sides.setdefault(state, []).append(unit)
    return "; ".join(
        f"{'unit' if len(group) == 1 else 'units'} {_and_list(group)} {'is' if len(group) == 1 else 'are'} "
        f"{state} for every pattern"
        for state, group in sides.items()
    )


def _collision_detail(bits: np.ndarray) -> str:
    """'patterns 2 and 5 share code 011', for the first few groups; 'all 64 patterns share code 111101'."""
    groups = analysis.collisions(bits)
    codes = analysis.code_strings(bits)
    parts = [f"{_patterns(group, len(bits))} share code {codes[group[0]]}" for group in groups[:MAX_NAMED_COLLISIONS]]
    if len(groups) > MAX_NAMED_COLLISIONS:
        parts.append(f"{len(groups) - MAX_NAMED_COLLISIONS} more shared codes")
    return ", ".join(parts)


def _patterns(group: list[int], patterns: int) -> str:
    if len(group) == patterns:
        return f"all {patterns} patterns"
    if len(group) > MAX_NAMED_PATTERNS:
        return f"{len(group)} patterns ({', '.join(map(str, group[:MAX_NAMED_PATTERNS]))}, ...)"
    return f"patterns {_and_list(group)}"


def _and_list(items: list[int]) -> str:
    names = [str(item) for item in items]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _last_epoch(loss: np.ndarray, epochs: np.ndarray) -> int:
    finite = np.flatnonzero(np.isfinite(loss))
    return int(epochs[finite[-1]]) if finite.size else 0


def sweep_failures(
    loss: np.ndarray,
    epochs: np.ndarray,
    lengths: np.ndarray,
    activations: np.ndarray,
    outputs: np.ndarray,
    targets: np.ndarray,
    activation: str,
    *,
    solved: list[bool],
    diverged: list[bool],
    restarts: list[list[int]],
    stopped: bool,
    optimizer: str = "",
) -> list[Failure | None]:
    """failure_cause for each unsolved seed of a batch, None for the solved ones.

    loss (S, T) with epochs (T,), NaN past each seed's `lengths`; activations (S, P, k), outputs (S, P, N);
    restarts: per seed, the epochs its new attempts began."""
    failures: list[Failure | None] = []
    for row, is_solved in enumerate(solved):
        if is_solved:
            failures.append(None)
            continue
        attempt_start = max((epoch for epoch in restarts[row] if epoch < lengths[row]), default=0)
        seed_arrays = (loss[row], epochs, activations[row], outputs[row], targets, activation)
        failures.append(
            failure_cause(
                *seed_arrays, diverged=diverged[row], stopped=stopped, attempt_start=attempt_start, optimizer=optimizer
            )
        )
    return failures


def cause_counts(failures: list[Failure | None]) -> dict[str, int]:
    """How many seeds each cause claims, every cause listed in CAUSES order (solved seeds are None)."""
    counts = dict.fromkeys(CAUSES, 0)
    for failure in failures:
        if failure is not None:
            counts[failure.cause] += 1
    return counts
