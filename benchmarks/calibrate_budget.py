"""Measure what the page's work budget (aelab/budget.py) estimates: seconds per epoch per seed.

Runs short batched trainings across sizes and prints, per backend, the measured
seconds per epoch beside the estimate of `aelab.budget.estimate_seconds`, so the
constants there can be checked (or refitted) on a new machine:

    PYTHONPATH=. python benchmarks/calibrate_budget.py
"""

from __future__ import annotations

import time

from aelab.budget import estimate_seconds
from aelab.config import Config
from aelab.train import train_seeds

SIZES = [
    (8, 3, 1, 0),
    (8, 3, 1000, 0),
    (8, 3, 100, 1),
    (64, 6, 1, 0),
    (64, 6, 300, 0),
    (64, 6, 100, 1),
    (256, 8, 1, 0),
    (256, 8, 20, 0),
    (1024, 10, 1, 0),
    (1024, 64, 1, 0),
]  # (N, k, seeds, batch_size)


def seconds_per_epoch(config: Config, seeds: int) -> float:
    """The fastest of three short runs, per epoch (the minimum: the machine is shared)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        train_seeds(config, list(range(seeds)))
        best = min(best, (time.perf_counter() - start) / config.epochs)
    return best


def main() -> None:
    print(
        f"{'backend':<7} {'size':>17} {'seeds':>5} {'measured s/epoch':>17} {'estimate':>10} {'estimate/measured':>18}"
    )
    for backend in ("numpy", "torch"):
        for width, hidden, seeds, batch_size in SIZES:
            epochs = max(20, min(2000, int(2e8 // (seeds * width * width * (hidden + 8) * (2 if batch_size else 1)))))
            config = Config(
                backend=backend, width=width, hidden=hidden, batch_size=batch_size, epochs=epochs, device="cpu"
            )
            size = f"{width}-{hidden}-{width}" + (f" b={batch_size}" if batch_size else "")
            row(config, seeds, size)
        # The settings that change torch's fixed costs: autograd steps, and a state per seed with restarts
        for label, settings in METHODS:
            row(Config(backend=backend, epochs=300, device="cpu", **settings), 100, label)


# (label, settings) on 8-3-8 over 100 seeds: restarts (never reached, so every seed keeps its own
# torch.optim tensors to the end) with each optimiser, and the steps torch takes through autograd
METHODS = [
    ("momentum+restart", dict(optimizer="momentum", lr=1.0, restart_after=10_000)),
    ("adam+restart", dict(optimizer="adam", lr=0.05, restart_after=10_000)),
    ("rprop+restart", dict(optimizer="rprop", lr=0.01, restart_after=10_000)),
    ("quickprop+restart", dict(optimizer="quickprop", lr=0.5, restart_after=10_000)),
    ("sse", dict(loss="sse", lr=1.0)),
    ("flat spot", dict(flat_spot=0.1)),
]


def row(config: Config, seeds: int, label: str) -> None:
    measured = seconds_per_epoch(config, seeds)
    estimate = estimate_seconds(config, seeds) / config.epochs
    print(
        f"{config.backend:<7} {label:>17} {seeds:>5} {measured:>17.2e} {estimate:>10.2e} {estimate / measured:>18.2f}"
    )


if __name__ == "__main__":
    main()
