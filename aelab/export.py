"""Downloads of a run: config as JSON, history as CSV, weights as .npz."""

from __future__ import annotations

import io
import json

import numpy as np

from aelab.results import METRICS, RunResult


def config_json(result: RunResult) -> str:
    return json.dumps(result.config.to_dict(), indent=2) + "\n"


def history_csv(result: RunResult) -> str:
    columns = ["epoch", *METRICS]
    lines = [",".join(columns)]
    for row in zip(*(result.history[name] for name in columns), strict=True):
        lines.append(",".join(f"{value:.10g}" if isinstance(value, float) else str(value) for value in row))
    return "\n".join(lines) + "\n"


def weights_npz(result: RunResult) -> bytes:
    """Initial and final W1, b1, W2, b2, e.g. `W1_final`; np.load reads it back."""
    arrays = {f"{name}_initial": value for name, value in result.initial._asdict().items()}
    arrays |= {f"{name}_final": value for name, value in result.final._asdict().items()}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()
