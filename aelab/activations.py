"""The hidden layer's activation functions: one table, one entry each.

Everything aelab knows about an activation lives in its `Activation` entry:
the NumPy function and slope (the from-scratch backend), the same function
written with tensor methods (the torch backend, so this module never imports
torch), the range of its values, the threshold that reads a unit as a bit,
and its label. Backends, analysis, charts, the page and the CLI all read
`ACTIVATIONS`; adding an activation is one entry here (plus its tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from aelab.tables import by_name

LEAKY_SLOPE = 0.01  # torch.nn.functional.leaky_relu's default


@dataclass(frozen=True)
class Activation:
    """h = act(z) for the hidden layer, and what follows from it."""

    name: str
    label: str
    numpy: Callable[[np.ndarray], np.ndarray]  # act(z)
    # d act / dz, given z and h = act(z): whichever is cheaper. At a kink (relu at z = 0) the
    # slope must be the one torch's autograd takes there, so that the backends agree.
    slope: Callable[[np.ndarray, np.ndarray], np.ndarray]
    torch: Callable[[Any], Any]  # act(z) on a torch tensor, written with tensor methods
    threshold: float  # a unit reads as bit 1 above this value
    bounds: tuple[float, float] | None = None  # the range of act, where it is bounded

    def value_range(self, values: np.ndarray) -> tuple[float, float]:
        """The colour range for these activations: the function's range, else the values' own."""
        if self.bounds is not None:
            return self.bounds
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        return (low, high) if high > low else (low, low + 1.0)

    def corners(self, values: np.ndarray) -> tuple[float, float]:
        """Where bits 0 and 1 sit along each hidden axis: the range's ends, or for an unbounded
        function the threshold and the largest value (at least one above the threshold)."""
        if self.bounds is not None:
            return self.bounds
        finite = values[np.isfinite(values)]
        return min(self.threshold, float(finite.min(initial=0.0))), max(
            self.threshold + 1.0, float(finite.max(initial=1.0))
        )


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z). Call inside np.errstate(over="ignore"): e^-z may overflow to inf, which gives
    the right limit, 0."""
    return 1.0 / (1.0 + np.exp(-z))


ACTIVATIONS: dict[str, Activation] = by_name(
    Activation(
        "sigmoid",
        "sigmoid",
        numpy=sigmoid,
        slope=lambda z, h: h * (1 - h),
        torch=lambda z: z.sigmoid(),
        threshold=0.5,
        bounds=(0.0, 1.0),
    ),
    Activation(
        "tanh",
        "tanh",
        numpy=np.tanh,
        slope=lambda z, h: 1 - h * h,
        torch=lambda z: z.tanh(),
        threshold=0.0,
        bounds=(-1.0, 1.0),
    ),
    # relu and leaky relu have no upper end: their natural binary state is "active or not".
    Activation(
        "relu",
        "ReLU",
        numpy=lambda z: np.maximum(z, 0),
        slope=lambda z, h: (z > 0).astype(z.dtype),  # 0 at z = 0, as torch takes it
        torch=lambda z: z.relu(),
        threshold=0.0,
    ),
    Activation(
        "leaky_relu",
        f"leaky ReLU ({LEAKY_SLOPE:g})",
        numpy=lambda z: np.where(z > 0, z, z * LEAKY_SLOPE),
        slope=lambda z, h: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
        torch=lambda z: z.where(z > 0, z * LEAKY_SLOPE),  # the slope at 0 is the left one, as above
        threshold=0.0,
    ),
    Activation(
        "linear",
        "linear",
        numpy=lambda z: z,
        slope=lambda z, h: np.ones_like(z),
        torch=lambda z: z,
        threshold=0.0,  # read by sign
    ),
)
