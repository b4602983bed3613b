"""Shared fixtures: an independent NumPy reference of the network, written from the maths."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest


class ReferencePass(NamedTuple):
    loss: float
    hidden: np.ndarray  # (N, k)
    outputs: np.ndarray  # (N, N)


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    return {
        "sigmoid": lambda: 1.0 / (1.0 + np.exp(-z)),
        "tanh": lambda: np.tanh(z),
        "relu": lambda: np.where(z > 0, z, 0.0),
        "leaky_relu": lambda: np.where(z > 0, z, 0.01 * z),
        "linear": lambda: z,
    }[name]()


def reference_pass(weights, activation: str, loss: str) -> ReferencePass:
    """Loss, hidden and outputs of one network (no seed axis) on the one-hot data, in float64."""
    W1, b1, W2, b2 = (np.asarray(w, dtype=np.float64) for w in weights)
    X = np.eye(W1.shape[0])
    hidden = _activate(activation, X @ W1 + b1)
    logits = hidden @ W2 + b2
    if loss == "softmax_ce":  # softmax outputs; the mean over patterns of -log(output at the target)
        outputs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return ReferencePass(float(np.mean(-np.log(outputs[X > 0]))), hidden, outputs)
    outputs = 1.0 / (1.0 + np.exp(-logits))
    squared_error = np.mean((outputs - X) ** 2)
    cross_entropy = np.mean(np.logaddexp(0.0, logits) - X * logits)  # BCE from the logits: log(1 + e^z) - x z
    value = {"mse": squared_error, "sse": 0.5 * np.sum((outputs - X) ** 2)}.get(loss, cross_entropy)
    return ReferencePass(float(value), hidden, outputs)


@pytest.fixture
def reference() -> Callable[..., ReferencePass]:
    """reference(weights, activation, loss) -> ReferencePass, independent of aelab's backends."""
    return reference_pass


@pytest.fixture
def cli(capsys) -> Callable[[list[str]], tuple[int, str, str]]:
    """cli(argv) runs `python -m aelab` in-process: (exit status, stdout, stderr); argparse exits count too."""
    from aelab.cli import main

    def run(argv: list[str]) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            status = main(argv)
        except SystemExit as exit_:
            status = exit_.code
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture(autouse=True, scope="session")
def _torch_on_one_thread():
    """The networks here are tiny: on a busy two-core machine torch's thread pool makes them ~10x slower."""
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)
