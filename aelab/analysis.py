"""What the network learned: reconstruction quality and the hidden binary code.

Pure NumPy functions on plain arrays. Shapes: `outputs` (..., P, N) and
`activations` (..., P, k) -- the hidden layer's values -- for P patterns of
width N and k hidden units, with an optional leading seed axis; `targets` is
the (P, N) data.

A hidden unit reads as bit 1 when its value is above its activation's
threshold (`Activation.threshold` in aelab.activations): the midpoint of the
range for sigmoid (0.5) and tanh (0); 0 for relu and leaky relu, whose
natural binary state is "active or not"; the sign for linear.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np

from aelab.activations import ACTIVATIONS

HIGH, LOW = 0.6, 0.4  # the 40-20-40 rule: a 1 must be >= 0.6, a 0 must be <= 0.4


def code_threshold(activation: str) -> float:
    return ACTIVATIONS[activation].threshold


def binary_codes(activations: np.ndarray, activation: str) -> np.ndarray:
    """(..., P, k) activations -> (..., P, k) bools."""
    return activations > code_threshold(activation)


def code_strings(bits: np.ndarray) -> list[str]:
    """(P, k) bools -> P strings such as '011' (unit 0 first)."""
    return ["".join("1" if bit else "0" for bit in row) for row in bits]


def distinct_codes(bits: np.ndarray) -> np.ndarray | int:
    """Number of different codes among the P patterns, per seed for a batch: each seed's codes are
    packed into integers, sorted, and the steps between neighbours counted, for all seeds at once."""
    if bits.ndim == 2:
        return int(distinct_codes(bits[None])[0])
    units = bits.shape[-1]
    if units <= 62:  # nearly always: each code is one int64
        packed = np.sort(bits @ _powers_of_two(units), axis=1)  # (S, P)
        return 1 + (packed[:, 1:] != packed[:, :-1]).sum(axis=1)
    words = _packed_words(bits)  # (S, P, W)
    order = np.lexsort(np.moveaxis(words, -1, 0)[::-1], axis=-1)  # (S, P): by word 0, then 1, ...
    ordered = np.take_along_axis(words, order[..., None], axis=1)
    return 1 + (ordered[:, 1:] != ordered[:, :-1]).any(axis=-1).sum(axis=1)


def _packed_words(bits: np.ndarray) -> np.ndarray:
    """(S, P, k) bools -> (S, P, ceil(k / 64)) uint64 words holding the same bits (equal codes, equal words)."""
    packed = np.packbits(bits, axis=-1)  # (S, P, ceil(k / 8)) bytes
    spare = -packed.shape[-1] % 8
    if spare:
        packed = np.concatenate([packed, np.zeros((*packed.shape[:-1], spare), dtype=np.uint8)], axis=-1)
    return np.ascontiguousarray(packed).view(np.uint64)


@cache
def _powers_of_two(units: int) -> np.ndarray:
    """1, 2, 4, ... as int64, made once per size (this runs every epoch)."""
    powers = 1 << np.arange(units, dtype=np.int64)
    powers.flags.writeable = False  # shared between calls
    return powers


def collisions(bits: np.ndarray) -> list[list[int]]:
    """Groups of patterns (indices) that share one code; empty when all differ."""
    groups: dict[bytes, list[int]] = {}
    for index, row in enumerate(bits):
        groups.setdefault(row.tobytes(), []).append(index)
    return [members for members in groups.values() if len(members) > 1]


def hamming_matrix(bits: np.ndarray) -> np.ndarray:
    """(P, k) bools -> (P, P) number of differing bits between codes."""
    # A float matrix product (BLAS) is exact here -- the counts are at most k <= 1024 -- and at
    # N = k = 1024 it takes milliseconds where NumPy's integer product takes a second.
    ones = bits.astype(np.float64)
    return (ones @ (1 - ones).T + (1 - ones) @ ones.T).astype(np.int64)


def binariness(activations: np.ndarray, activation: str) -> float:
    """1 when every hidden value sits at an end of its range, 0 when all sit at the midpoint.

    Values are mapped onto [0, 1] -- through the activation's range for sigmoid
    and tanh, per unit between its smallest and largest value over the patterns
    for the unbounded activations -- and scored as 1 - 2 * mean distance to the
    nearer end.
    """
    bounds = ACTIVATIONS[activation].bounds
    if bounds is not None:
        low, high = bounds
        unit = (activations - low) / (high - low)
    else:
        low, high = activations.min(axis=0), activations.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        unit = (activations - low) / span
    unit = np.clip(unit, 0.0, 1.0)
    return float(1.0 - 2.0 * np.mean(np.minimum(unit, 1.0 - unit)))


def bits_right(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(..., P, N) bools: the output is right under the 40-20-40 rule."""
    return np.where(targets > 0.5, outputs >= HIGH, outputs <= LOW)


def argmax_accuracy(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray | float:
    """Fraction of patterns whose largest output is where the target's 1 is."""
    hits = outputs.argmax(axis=-1) == targets.argmax(axis=-1)  # (..., P)
    # count / total is what np.mean computes, without its Python-level overhead (measure() runs every epoch)
    return hits.sum(axis=-1) / hits.shape[-1]


def is_solved(outputs_solved: np.ndarray, distinct: np.ndarray, patterns: int) -> np.ndarray:
    """Solved: every output passes 40-20-40 and all `patterns` codes differ (any matching shapes)."""
    return outputs_solved & (distinct == patterns)


class Metrics(NamedTuple):
    """Per-seed figures at one epoch, each of shape (S,)."""

    accuracy: np.ndarray
    bits_correct: np.ndarray  # fraction of outputs right under 40-20-40
    outputs_solved: np.ndarray  # every output right under 40-20-40
    distinct_codes: np.ndarray


def measure(
    activations: np.ndarray, outputs: np.ndarray, targets: np.ndarray, activation: str, one_hot: bool = False
) -> Metrics:
    """The per-epoch figures for a batch: activations (S, P, k), outputs (S, P, N).

    With `one_hot` (the targets are the identity: see patterns.is_one_hot) the same figures come
    from fewer passes over the outputs, which at N = 1024 cost as much as training itself."""
    # This runs every epoch: fractions are taken as count / total, which is what np.mean computes,
    # without np.mean's Python-level overhead (most of its cost on arrays this small).
    if one_hot:
        right_per_row = _one_hot_right_per_row(outputs)  # (S, P)
        accuracy = _one_hot_accuracy(outputs, right_per_row == outputs.shape[-1])
    else:
        right_per_row = bits_right(outputs, targets).sum(axis=-1)
        accuracy = argmax_accuracy(outputs, targets)
    count, total = right_per_row.sum(axis=-1), outputs[0].size  # (S,) outputs right, out of total
    return Metrics(
        accuracy=accuracy,
        bits_correct=count / total,
        outputs_solved=count == total,
        distinct_codes=distinct_codes(binary_codes(activations, activation)),
    )


def _one_hot_right_per_row(outputs: np.ndarray) -> np.ndarray:
    """(S, P, P) outputs of one-hot targets -> (S, P) outputs right under 40-20-40, per pattern.

    One pass over the outputs: count those <= 0.4 per row, then correct the diagonal (the
    target's own output), which must instead be >= 0.6."""
    # (S, P) outputs <= 0.4 per row; einsum sums the bools ~4x faster than count_nonzero(axis=-1)
    low_per_row = np.einsum("spn->sp", outputs <= LOW, dtype=np.int32)
    patterns = np.arange(outputs.shape[-1])
    diagonal = outputs[:, patterns, patterns]  # (S, P): each pattern's own output
    return low_per_row - (diagonal <= LOW) + (diagonal >= HIGH)


def _one_hot_accuracy(outputs: np.ndarray, row_right: np.ndarray) -> np.ndarray:
    """(S,) argmax accuracy, exactly as argmax_accuracy gives it, with argmax only where needed:
    a row whose outputs are all right under 40-20-40 has its target (>= 0.6, every other
    <= 0.4) as its one largest output, so only the other rows are searched."""
    patterns = outputs.shape[-1]
    if 2 * np.count_nonzero(row_right) < row_right.size:  # mostly unsolved rows: one plain argmax is cheaper
        hits = outputs.argmax(axis=-1) == np.arange(patterns)
    else:
        hits = row_right.copy()  # (S, P)
        seeds, rows = np.nonzero(~row_right)
        if rows.size:
            hits[seeds, rows] = outputs[seeds, rows].argmax(axis=-1) == rows
    return hits.sum(axis=-1) / patterns


class CodeReport(NamedTuple):
    """The binary code of one trained network, ready to print or draw."""

    codes: list[str]
    distinct: int
    collisions: list[list[int]]
    hamming: np.ndarray
    binariness: float


def code_report(activations: np.ndarray, activation: str) -> CodeReport:
    bits = binary_codes(activations, activation)
    return CodeReport(
        codes=code_strings(bits),
        distinct=distinct_codes(bits),
        collisions=collisions(bits),
        hamming=hamming_matrix(bits),
        binariness=binariness(activations, activation),
    )
