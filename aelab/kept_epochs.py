"""Which epochs a run keeps: its history's columns and its snapshots, bounded whatever its length."""

from __future__ import annotations

import numpy as np

SNAPSHOT_COUNT = 60  # at most this many hidden-activation snapshots per run
SNAPSHOT_BUDGET = 4_000_000  # ... and at most this many stored values in all
HISTORY_BUDGET = 2_000_000  # history entries kept per metric, all seeds together (4 metrics x 8 bytes: 64 MB)


def snapshot_epochs(epochs: int, values_per_snapshot: int) -> list[int]:
    """Epochs to keep hidden activations at: dense early (where codes form), sparse late."""
    count = max(2, min(SNAPSHOT_COUNT, SNAPSHOT_BUDGET // max(values_per_snapshot, 1), epochs + 1))
    spaced = np.unique(np.round(np.geomspace(1, epochs + 1, count)).astype(int) - 1)
    return sorted(set(spaced.tolist()) | {0, epochs})


def history_epochs(epochs: int, seeds: int) -> np.ndarray:
    """The epochs a run's history keeps: all of 0..epochs while seeds x (epochs + 1) entries fit
    HISTORY_BUDGET, else evenly spaced ones, always with 0 and `epochs`."""
    per_seed = max(2, HISTORY_BUDGET // seeds)
    if epochs + 1 <= per_seed:
        return np.arange(epochs + 1)
    stride = -(-epochs // (per_seed - 1))  # ceil: at most per_seed columns
    return np.unique(np.append(np.arange(0, epochs + 1, stride), epochs))
