"""Look inside the bottleneck: what the decoder makes of any hidden vector, not only the N codes.

Shapes: a hidden vector h is (k,), a batch of them (..., k); the decoder is
the second layer of `weights`, y = out(h W2 + b2) with out the run's output
(sigmoid, or softmax for softmax_ce).

- `decode` is that forward pass from the hidden layer on.
- `reading` says which pattern a decoded output counts as under 40-20-40, and
  `why_no_pattern` why an output reads as none.
- `corner_table` decodes every corner of the hidden hypercube (k <= 10).
- `plane` decodes a grid over two hidden units (the others held fixed), and
  `decision_lines` gives, for sigmoid outputs, where each output crosses 0.5.
- `code_pushes` is -dLoss/dh at each training code: where training is pushing it.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from aelab.activations import ACTIVATIONS, sigmoid
from aelab.analysis import HIGH, LOW
from aelab.config import Config
from aelab.weights import Weights

MAX_CORNER_BITS = 10  # 1024 corners
CROSSING_LOGIT = {"sigmoid": 0.0, "linear": 0.5}  # the logit z at which an output is 0.5 (softmax has no line)


def decode(weights: Weights, hidden: np.ndarray, loss: str, output: str = "auto") -> np.ndarray:
    """(..., k) hidden vectors -> (..., N) outputs of the decoder: `output` (Config.output_layer; auto:
    softmax for softmax_ce, else sigmoid)."""
    logits = np.asarray(hidden, dtype=np.float64) @ weights.W2 + weights.b2  # (..., k) @ (k, N) -> (..., N)
    if output == "linear":
        return logits
    if loss == "softmax_ce":
        exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return exp / exp.sum(axis=-1, keepdims=True)
    with np.errstate(over="ignore"):
        return sigmoid(logits)


def counts_as(outputs: np.ndarray) -> np.ndarray:
    """(..., N) outputs -> (...) the pattern that 40-20-40 reads them as (its output >= 0.6 and every
    other <= 0.4), or -1 where they read as no pattern."""
    winner = outputs.argmax(axis=-1)
    high = np.take_along_axis(outputs, winner[..., None], axis=-1)[..., 0] >= HIGH
    others_low = (outputs <= LOW).sum(axis=-1) == outputs.shape[-1] - 1
    return np.where(high & others_low, winner, -1)


def why_no_pattern(outputs: np.ndarray) -> str:
    """Why 40-20-40 reads (N,) outputs as no pattern ("" when it reads one): no output is high
    enough, several are, or the one high output has a neighbour that is neither 0 nor 1."""
    high = int((outputs >= HIGH).sum())
    middle = int(((outputs > LOW) & (outputs < HIGH)).sum())
    if high == 0:
        return f"no output >= {HIGH:g}"
    if high > 1:
        return f"{_count(high)} outputs >= {HIGH:g}"
    if middle:
        return f"{_count(middle, 'an')} {'output' if middle == 1 else 'outputs'} between {LOW:g} and {HIGH:g}"
    return ""


_WORDS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _count(number: int, one: str = "one") -> str:
    """2 -> 'two'; 1 -> `one` ('an output'); ten and more in digits."""
    return one if number == 1 else _WORDS[number] if number < len(_WORDS) else str(number)


class Reading(NamedTuple):
    """What the decoder makes of one hidden vector."""

    outputs: np.ndarray  # (N,)
    argmax: int  # the largest output
    counts_as: int | None  # the pattern 40-20-40 reads it as, if any
    nearest: int  # the training pattern whose hidden vector is closest
    distance: float  # ... and how far


def reading(weights: Weights, hidden: np.ndarray, loss: str, codes: np.ndarray, output: str = "auto") -> Reading:
    """Decode one hidden vector (k,) with the run's `output` and place it among the training patterns'
    hidden vectors `codes` (P, k)."""
    outputs = decode(weights, hidden, loss, output)
    distances = np.linalg.norm(codes - hidden, axis=1)
    pattern = int(counts_as(outputs))
    return Reading(outputs, int(outputs.argmax()), None if pattern < 0 else pattern, int(distances.argmin()),
                   float(distances.min()))  # fmt: skip


class CornerTable(NamedTuple):
    """Every corner of the hidden hypercube and what the decoder makes of it."""

    bits: list[str]  # '0110' per corner, unit 0 first
    hidden: np.ndarray  # (2^k, k) the corner's hidden values
    counts_as: np.ndarray  # (2^k,) pattern under 40-20-40, or -1: ambiguous
    argmax: np.ndarray  # (2^k,)
    used_by: list[list[int]]  # training patterns whose binary code is this corner
    why_none: list[str]  # why_no_pattern of each corner's outputs ("" where it reads as a pattern)

    @property
    def unused(self) -> int:
        """Corners no training pattern's code sits at."""
        return sum(not patterns for patterns in self.used_by)

    @property
    def ambiguous(self) -> int:
        """Corners that 40-20-40 reads as no pattern."""
        return int((self.counts_as < 0).sum())


def corner_values(config: Config, activations: np.ndarray) -> tuple[float, float]:
    """The hidden values of bits 0 and 1: the activation's range, or for an unbounded one the
    threshold and the largest training value (see Activation.corners)."""
    return ACTIVATIONS[config.activation].corners(activations)


def corner_table(weights: Weights, config: Config, activations: np.ndarray) -> CornerTable:
    """Decode all 2^k corners; `activations` (N, k) are the training patterns' hidden vectors."""
    if config.hidden > MAX_CORNER_BITS:
        raise ValueError(f"{2**config.hidden} corners: the table stops at k = {MAX_CORNER_BITS}")
    low, high = corner_values(config, activations)
    bits = np.array(list(itertools.product([0, 1], repeat=config.hidden)), dtype=bool)  # (2^k, k)
    hidden = np.where(bits, high, low)
    outputs = decode(weights, hidden, config.loss, config.output_layer)
    threshold = ACTIVATIONS[config.activation].threshold
    codes = [tuple(row) for row in (activations > threshold)]
    used_by = [[p for p, code in enumerate(codes) if code == tuple(corner)] for corner in bits]
    strings = ["".join("1" if bit else "0" for bit in corner) for corner in bits]
    reasons = [why_no_pattern(row) for row in outputs]
    return CornerTable(strings, hidden, counts_as(outputs), outputs.argmax(axis=-1), used_by, reasons)


class Plane(NamedTuple):
    """The decoder over a grid of two hidden units, the rest fixed."""

    x: np.ndarray  # (R,) values of unit `units[0]`
    y: np.ndarray  # (R,) values of unit `units[1]`
    winner: np.ndarray  # (R, R) argmax output at (y[i], x[j])
    top: np.ndarray  # (R, R) the winning output's value


def plane_points(point: np.ndarray, units: tuple[int, int], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hidden vectors (len(y), len(x), k): `point` with units[0] set to x and units[1] to y."""
    grid = np.broadcast_to(np.asarray(point, dtype=np.float64), (len(y), len(x), len(point))).copy()
    grid[..., units[0]] = x[None, :]
    grid[..., units[1]] = y[:, None]
    return grid


def plane(
    weights: Weights,
    loss: str,
    point: np.ndarray,
    units: tuple[int, int],
    span: tuple[float, float],
    size: int = 41,
    output: str = "auto",
) -> Plane:
    """Decode (with the run's `output`) a size x size grid over `span` in units (a, b), the other units
    at `point`'s values."""
    x = y = np.linspace(*span, size)
    outputs = decode(weights, plane_points(point, units, x, y), loss, output)
    return Plane(x, y, outputs.argmax(axis=-1), outputs.max(axis=-1))


class Line(NamedTuple):
    output: int  # the output unit
    x0: float
    y0: float
    x1: float
    y1: float


def decision_lines(
    weights: Weights, point: np.ndarray, units: tuple[int, int], span: tuple[float, float], output: str = "sigmoid"
) -> list[Line]:
    """For sigmoid or linear outputs: where each output crosses 0.5 in the plane of `units`, clipped to the square.

    With z = h W2[:, j] + b2[j], sigmoid(z) = 0.5 exactly where z = 0 and a linear output where z = 0.5:
    a straight line in any two units, wa x + wb y + c = 0, with c gathering the bias, the fixed units
    and that level."""
    level = CROSSING_LOGIT[output]
    a, b = units
    low, high = span
    lines = []
    for unit_out in range(weights.W2.shape[1]):
        wa, wb = weights.W2[a, unit_out], weights.W2[b, unit_out]
        others = [unit for unit in range(len(point)) if unit not in units]
        c = weights.b2[unit_out] + sum(weights.W2[unit, unit_out] * point[unit] for unit in others) - level
        ends = _clip_line(wa, wb, c, low, high)
        if ends is not None:
            lines.append(Line(unit_out, *ends))
    return lines


def _clip_line(wa: float, wb: float, c: float, low: float, high: float) -> tuple[float, ...] | None:
    """The segment of wa x + wb y + c = 0 inside [low, high]^2, or None."""
    candidates = []
    for edge in (low, high):
        if wb != 0:  # x = edge
            y = -(wa * edge + c) / wb
            if low <= y <= high:
                candidates.append((edge, y))
        if wa != 0:  # y = edge
            x = -(wb * edge + c) / wa
            if low <= x <= high:
                candidates.append((x, edge))
    unique = sorted(set(candidates))
    if len(unique) < 2:
        return None
    (x0, y0), (x1, y1) = unique[0], unique[-1]
    return float(x0), float(y0), float(x1), float(y1)


def code_pushes(
    weights: Weights, activations: np.ndarray, loss: str, targets: np.ndarray | None = None, output: str = "auto"
) -> np.ndarray:
    """(P, k): -dLoss/dh at each training pattern's hidden vector: the direction training pushes
    that code (through the decoder; the encoder moves it by changing W1 and b1). `targets` (P, N):
    the patterns, one-hot when None."""
    from aelab.backends.numpy_backend import output_layer  # the backend's own maths, not a copy

    targets = np.eye(weights.W2.shape[1]) if targets is None else targets
    logits = activations @ weights.W2 + weights.b2  # (P, k) @ (k, N) -> (P, N)
    _, _, dz2 = output_layer(loss, logits[None].copy(), targets, output=output)
    return -(dz2[0] @ weights.W2.T)  # (P, N) @ (N, k) -> (P, k)
