"""Which codes the solved seeds of a sweep found, up to the symmetries of the hidden layer.

Reordering the hidden units, or flipping one (complementing its bit), changes
nothing a network can do: the decoder's weights follow. So two codes are the
same when one is a reordered, complemented copy of the other. `canonical_code`
picks one code of each such group, `group_codes` groups the solved seeds by it,
and `code_classes` counts how many groups there can be (840 for 8-3-8).
"""

from __future__ import annotations

import math
from functools import cache
from typing import NamedTuple

import numpy as np

from aelab import analysis


class CodeGroup(NamedTuple):
    """Solved seeds whose codes are the same up to the order and complement of the hidden units."""

    code: list[str]  # the canonical code: one k-bit string per pattern, pattern 0 first
    seeds: list[int]


def canonical_code(bits: np.ndarray) -> np.ndarray:
    """(P, k) bools -> the one representative of its class under reordering and complementing units.

    Each unit (column) is flipped so that pattern 0 reads 0 -- which picks one of a column and its
    complement, whatever the column -- and the columns are then sorted as bit strings (pattern 0's
    bit first): two codes get the same result exactly when one is a reordered, complemented copy."""
    flipped = bits ^ bits[:1]  # (P, k)
    order = np.lexsort(flipped[::-1])  # columns by row 0, then row 1, ...
    return flipped[:, order]


def group_codes(activations: np.ndarray, activation: str, seeds: list[int], solved: list[bool]) -> list[CodeGroup]:
    """Group the solved seeds by canonical code, largest groups first.

    activations (S, P, k): each seed's final hidden values, binarised by analysis.binary_codes. A sweep
    trains on until every seed is solved, so a seed solved early may have lost its distinct code by the
    end (noise, weight decay, a large step): such seeds are left out, as they have no code to group."""
    groups: dict[tuple[str, ...], list[int]] = {}
    bits = analysis.binary_codes(activations, activation)
    patterns = bits.shape[1]
    for seed, seed_bits, is_solved in zip(seeds, bits, solved, strict=True):
        if is_solved and analysis.distinct_codes(seed_bits) == patterns:
            groups.setdefault(tuple(analysis.code_strings(canonical_code(seed_bits))), []).append(seed)
    return _ordered(groups)


def merge_groups(parts: list[list[CodeGroup]]) -> list[CodeGroup]:
    """The groups of consecutive parts of one sweep (its seed batches) as one list, largest first."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for part in parts:
        for group in part:
            groups.setdefault(tuple(group.code), []).extend(group.seeds)
    return _ordered(groups)


def _ordered(groups: dict[tuple[str, ...], list[int]]) -> list[CodeGroup]:
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [CodeGroup(list(code), members) for code, members in ordered]


MAX_CLASS_UNITS = 16  # code_classes answers up to this many hidden units (the sum is over k terms)


def code_classes(patterns: int, units: int) -> int | None:
    """How many distinct codes P patterns can have on k units, counted up to the order and complement of
    the units: 840 for 8-3-8 (8! / (3! 2^3)). None beyond MAX_CLASS_UNITS units.

    Burnside's lemma over the k! 2^k symmetries of the hidden cube: a symmetry whose unit permutation has
    c cycles fixes a code only if each cycle's flips cancel (2^(k - c) of the 2^k flips), and then fixes
    2^c corners, which take the P patterns in perm(2^c, P) ways. Summed with the c(k, c) permutations of
    c cycles (Stirling numbers of the first kind) and divided by k! 2^k."""
    if units > MAX_CLASS_UNITS:
        return None
    total = sum(
        _cycle_counts(units)[cycles] * 2 ** (units - cycles) * math.perm(2**cycles, patterns)
        for cycles in range(1, units + 1)
    )
    return total // (math.factorial(units) * 2**units)


@cache
def _cycle_counts(units: int) -> tuple[int, ...]:
    """The unsigned Stirling numbers of the first kind c(k, 0..k): permutations of k things with c cycles."""
    row = [1]  # k = 0
    for k in range(units):
        row = [(row[c - 1] if c else 0) + (k * row[c] if c < len(row) else 0) for c in range(len(row) + 1)]
    return tuple(row)
