"""The datasets the lab trains on.

The encoder problem uses the N one-hot patterns of width N. The seed notebook
built them by rolling [1, 0, ..., 0] one step at a time, which is exactly the
identity matrix: pattern i has its single 1 in column i.
"""

from __future__ import annotations

import numpy as np


def one_hot_patterns(width: int, dtype: str = "float64") -> np.ndarray:
    """The (N, N) matrix whose row i is pattern i."""
    return np.eye(width, dtype=dtype)


def is_one_hot(data: np.ndarray) -> bool:
    """True when `data` is the identity: pattern i is 1 at unit i and 0 elsewhere.

    Then X @ W = W and Xᵀ @ D = D exactly, and pattern i's target unit is i: the one
    place where code may take those shortcuts is behind this test, so that other data
    (should it come) takes the general path."""
    return data.ndim == 2 and data.shape[0] == data.shape[1] and np.array_equal(data, np.eye(len(data)))
