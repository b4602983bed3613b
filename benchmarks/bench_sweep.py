"""A 100-seed batched run against 100 single runs of the same config, on each backend.

    .venv/bin/python benchmarks/bench_sweep.py           # the full run (about a minute)
    .venv/bin/python benchmarks/bench_sweep.py --quick   # a smoke run (a few seconds)

Like is compared with like: both sides train every seed for the full number of
epochs -- `train_seeds(config, seeds)` without a stop goal (one batched
computation) against `train(config with seed=s)` for each seed in turn -- so
neither side stops early. The default recipe (Config()) on 8-3-8, float32, with
torch on the CPU. Target: the batch >= 20x faster than the single runs.

The machine may be shared, so the two sides run interleaved, a few repeats
each, and the table reports the best repeat and the ratio of bests. torch is
pinned to one thread (torch.set_num_threads(1)); by default it uses one per core.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing aelab

from bench_backends import race  # the same interleaved best-of timing

from aelab.config import Config
from aelab.train import train, train_seeds

SEEDS = range(100)


def time_batch(config: Config) -> float:
    start = time.perf_counter()
    batch = train_seeds(config, SEEDS)
    seconds = time.perf_counter() - start
    assert (batch.lengths == config.epochs + 1).all()
    return seconds


def time_singles(config: Config) -> float:
    start = time.perf_counter()
    for seed in SEEDS:
        train(replace(config, seed=seed))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: fewer epochs and repeats")
    args = parser.parse_args()
    torch.set_num_threads(1)
    epochs, repeats = (30, 1) if args.quick else (300, 3)

    print(
        f"8-3-8 default recipe, {len(SEEDS)} seeds x {epochs} epochs, best of {repeats} interleaved repeats, "
        "torch threads = 1"
    )
    print(f"{'backend':<8} {'100 singles s':>14} {'batch s':>9} {'seed-epochs/s':>14} {'ratio':>8} {'target':>7}")
    for backend in ("numpy", "torch"):
        config = Config(backend=backend, epochs=epochs, device="cpu")
        contenders = {"batch": partial(time_batch, config), "singles": partial(time_singles, config)}
        best = race(contenders, repeats)
        best_batch, best_singles = best["batch"], best["singles"]
        ratio = best_singles / best_batch
        print(
            f"{backend:<8} {best_singles:>14.3f} {best_batch:>9.3f} {len(SEEDS) * epochs / best_batch:>14,.0f} "
            f"{ratio:>7.1f}x {20:>6}x {'ok' if ratio >= 20 else 'MISS'}"
        )


if __name__ == "__main__":
    main()
