"""Wide is fast: aelab's backends against a bare NumPy loop that records nothing, 8-3-8 to 1024-10-1024.

    .venv/bin/python benchmarks/bench_wide.py           # about 30 seconds
    .venv/bin/python benchmarks/bench_wide.py --quick   # a smoke run

The bare loop does the same maths as the default recipe (tanh hidden, sigmoid
outputs, mean squared error, plain SGD, float32), written the plain way
(X @ W1 with X the identity, a fresh array for every step) and records
nothing. aelab runs `train(config)` with its full history (loss, argmax
accuracy, 40-20-40 bits and distinct codes every epoch), timed around the
whole call; the loop is timed the same way. Every side runs on one thread:
OpenBLAS, OpenMP and MKL threads are set to 1 before NumPy loads, and torch
(whose MKL and oneDNN products use its OpenMP pool) is pinned with
torch.set_num_threads(1); the script checks both. The clock is the process's
CPU time: with one thread it is the work done, without the time other jobs on
a shared machine hold the core (a second thread would add to it, not hide).
Contenders are interleaved, several repeats each, and the table reports the
best of each and the ratios. Targets: NumPy at least 0.7 of the bare loop at
8-3-8 and 1024-10-1024; torch at least 1.0x NumPy at 256 and 1024 wide.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
for _name in THREAD_VARIABLES:
    os.environ[_name] = "1"  # before NumPy loads its BLAS: one thread, as torch gets

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing aelab

from bench_backends import race  # noqa: E402

from aelab.config import Config  # noqa: E402
from aelab.train import train  # noqa: E402
from aelab.weights import init_weights  # noqa: E402

SIZES = [(8, 3, 4000), (64, 6, 1500), (256, 8, 600), (1024, 10, 120)]  # (N, k, epochs): about 0.1-0.4 s each


def bare_loop(width: int, hidden: int, epochs: int, lr: float = 50.0) -> float:
    """The default recipe's maths, plainly written, recording nothing: seconds for `epochs` updates."""
    W1, b1, W2, b2 = init_weights(width, hidden, seed=0, scale=0.2, dtype="float32")
    X = np.eye(width, dtype=np.float32)
    count = X.size
    start = time.process_time()
    for _ in range(epochs):
        h = np.tanh(X @ W1 + b1)
        y = 1 / (1 + np.exp(-(h @ W2 + b2)))
        dz2 = (2 / count) * (y - X) * y * (1 - y)
        dz1 = (dz2 @ W2.T) * (1 - h * h)
        W2 -= lr * (h.T @ dz2)
        b2 -= lr * dz2.sum(axis=0)
        W1 -= lr * (X.T @ dz1)
        b1 -= lr * dz1.sum(axis=0)
    return time.process_time() - start


def aelab_run(backend: str, width: int, hidden: int, epochs: int) -> float:
    config = Config(backend=backend, device="cpu", width=width, hidden=hidden, epochs=epochs)
    start = time.process_time()
    result = train(config)
    seconds = time.process_time() - start
    assert result.epochs_done == epochs
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: a tenth of the epochs, two repeats")
    args = parser.parse_args()
    torch.set_num_threads(1)
    assert torch.get_num_threads() == 1 and all(os.environ[name] == "1" for name in THREAD_VARIABLES)
    repeats = 2 if args.quick else 5
    print(f"default recipe, float32, one thread everywhere, CPU time, best of {repeats} interleaved repeats")
    print(f"{'size':<14} {'epochs':>6} {'bare ep/s':>10} {'numpy ep/s':>11} {'torch ep/s':>11} "
          f"{'numpy/bare':>11} {'torch/numpy':>12}")  # fmt: skip
    for width, hidden, epochs in SIZES:
        epochs = max(epochs // 10, 5) if args.quick else epochs
        best = race(
            {
                "bare": lambda: bare_loop(width, hidden, epochs),  # noqa: B023
                "numpy": lambda: aelab_run("numpy", width, hidden, epochs),  # noqa: B023
                "torch": lambda: aelab_run("torch", width, hidden, epochs),  # noqa: B023
            },
            repeats,
        )
        rate = {name: epochs / seconds for name, seconds in best.items()}
        print(
            f"{f'{width}-{hidden}-{width}':<14} {epochs:>6} {rate['bare']:>10,.0f} {rate['numpy']:>11,.0f} "
            f"{rate['torch']:>11,.0f} {rate['numpy'] / rate['bare']:>10.2f}x {rate['torch'] / rate['numpy']:>11.2f}x"
        )


if __name__ == "__main__":
    main()
