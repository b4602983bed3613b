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
    """The square a plane covers: the activation's range (sigmoid 0..1, tanh -1..1), else the codes' own
    range with a margin, so that every code lies on it."""
    low, high = ACTIVATIONS[activation].value_range(activations)
    if ACTIVATIONS[activation].bounds is None:
        pad = MARGIN * (high - low)
        low, high = low - pad, high + pad
    return low, high


def decoded_plane(weights: Weights, loss: str, output: str, span: tuple[float, float], steps: int = 8) -> DecodedPlane:
    """Decode a steps x steps grid over `span` in both hidden units of a k = 2 decoder."""
    if weights.W2.shape[0] != 2:
        raise ValueError(f"a decoded plane needs k = 2 hidden units, this decoder has k = {weights.W2.shape[0]}")
    x = y = np.linspace(*span, steps)
    points = np.stack(np.meshgrid(x, y), axis=-1)  # (S, S, 2): points[i, j] = (x[j], y[i])
    return DecodedPlane(x, y, decode(weights, points, loss, output))
