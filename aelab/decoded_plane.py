"""The decoder drawn across a k = 2 code plane: what it makes of every point of a grid (the ConvNetJS picture).

Each grid point is a hidden vector (x, y); the decoder's output there, reshaped to the patterns' image
shape, is the image that point stands for. The outputs come from probe.decode, the one decoder the
probe and the views share, with the run's own output layer.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from aelab.activations import ACTIVATIONS
from aelab.probe import decode
from aelab.weights import Weights

MARGIN = 0.05  # the grid reaches this share of its span beyond the codes (unbounded activations)
# 8 x 8 decoded 8 x 8 digits are 4096 rects, under Altair's 5000-row limit for one data set


class DecodedPlane(NamedTuple):
    x: np.ndarray  # (S,) hidden unit 0 at each grid column
    y: np.ndarray  # (S,) hidden unit 1 at each grid row
    outputs: np.ndarray  # (S, S, N): the decoder's output at (x[j], y[i]) is outputs[i, j]


def plane_span(activations: np.ndarray, activation: str) -> tuple[float, float]:
    """The square a plane covers: the codes' own range with a margin (the picture is where the codes
    are), kept inside the activation's range (sigmoid 0..1, tanh -1..1)."""
    finite = activations[np.isfinite(activations)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = MARGIN * (high - low) if high > low else 0.5
    low, high = low - pad, high + pad
    bounds = ACTIVATIONS[activation].bounds
    return (max(low, bounds[0]), min(high, bounds[1])) if bounds is not None else (low, high)


def cell_centres(span: tuple[float, float], steps: int) -> np.ndarray:
    """(steps,) the centres of `steps` equal cells across `span`: their images tile the square exactly."""
    low, high = span
    return low + (np.arange(steps) + 0.5) * (high - low) / steps


def decoded_plane(weights: Weights, loss: str, output: str, span: tuple[float, float], steps: int = 8) -> DecodedPlane:
    """Decode a steps x steps grid of cell centres over `span` in both hidden units of a k = 2 decoder."""
    centres = cell_centres(span, steps)
    return decode_grid(weights, loss, output, centres, centres)


def decode_grid(weights: Weights, loss: str, output: str, x: np.ndarray, y: np.ndarray) -> DecodedPlane:
    """The decoder's output at every (x[j], y[i]) of a k = 2 decoder."""
    if weights.W2.shape[0] != 2:
        raise ValueError(f"a decoded plane needs k = 2 hidden units, this decoder has k = {weights.W2.shape[0]}")
    points = np.stack(np.meshgrid(x, y), axis=-1)  # (len(y), len(x), 2): points[i, j] = (x[j], y[i])
    return DecodedPlane(np.asarray(x), np.asarray(y), decode(weights, points, loss, output))
