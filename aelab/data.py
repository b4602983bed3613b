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
