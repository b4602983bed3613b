"""Check the page's work budget (aelab/budget.py) against measurement, knob by knob.

Every row is one click a page could start: a run, a sweep (seeds x config, stopping when solved)
or the literature bench. Each is measured on a slice -- a few epochs, or for an epoch of many
mini-batch updates a few of its updates -- in CPU seconds of the one training thread (BLAS and
torch held to one thread, as on the served page), extrapolated to the row's epochs, and printed
beside `estimate_seconds` with the ratio estimate / measured. The estimate must stay between 1.0x
and 3x on every row: at or above what the work costs, never far above it.

    PYTHONPATH=. python benchmarks/calibrate_budget.py            # every row, a few minutes
    PYTHONPATH=. python benchmarks/calibrate_budget.py --quick    # shorter slices
    PYTHONPATH=. python benchmarks/calibrate_budget.py --only torch

The rows named "issue 19" are the links the issue measured far above their estimate.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from aelab import analysis
from aelab.bench import BENCH
from aelab.budget import estimate_bench_seconds, estimate_seconds
from aelab.config import Config
from aelab.goals import Goal
from aelab.noise import HiddenNoise, PatternOrder
from aelab.presets import preset_config
from aelab.sweep import seed_batches
from aelab.train import Trainer

REPEATS = 3  # each slice is measured this often, the least kept
SLICED_UPDATES = 16  # an epoch of more mini-batch updates than this is measured a few updates at a time
RESTART_COVERED = 100  # slices cover a restart where they come this often (rarer ones cost too little to see)
# The estimate is a worst case: every epoch of every seed. A sweep (and the bench) checks its goal every
# epoch; this one, a loss below zero, is never reached, so slices see the worst case as a sweep does.
NEVER = Goal("loss", -1.0)
ISSUE_LINK = dict(width=1024, hidden=1024, batch_size=1, optimizer="quickprop", weight_decay=0.1, dtype="float64")


@dataclasses.dataclass(frozen=True)
class Row:
    label: str
    config: Config
    seeds: int = 1
    sweep: bool = False  # seeds in the page's batches, each stopping when solved (aelab.sweep)


def rows(backend: str) -> list[Row]:
    c = dict(backend=backend, device="cpu")
    wide = dict(width=1024, hidden=1024, **c)
    return [
        Row("default 8-3-8", Config(**c)),
        Row("64-6-64 preset", dataclasses.replace(preset_config("64-6-64"), **c)),
        Row("256-8-256", Config(width=256, hidden=8, **c)),
        Row("1024-10-1024", Config(width=1024, hidden=10, **c)),
        Row("1024-10-1024 softmax", Config(width=1024, hidden=10, loss="softmax_ce", **c)),
        Row("1024-1024 sgd", Config(**wide)),
        Row("1024-1024 adam float64", Config(optimizer="adam", lr=0.01, dtype="float64", **wide)),
        Row("issue 19: 1024 full quickprop f64", Config(**(ISSUE_LINK | dict(batch_size=0, **c)))),
        Row("issue 19: 1024 b=1 quickprop f64", Config(**(ISSUE_LINK | c))),
        Row("issue 19: 1024 b=1 rprop f64", Config(**(ISSUE_LINK | dict(optimizer="rprop", lr=0.01, **c)))),
        Row("issue 19: 512-512 b=1 adam", Config(width=512, hidden=512, batch_size=1, optimizer="adam", lr=0.01, **c)),
        Row("issue 19: 1024 b=1 sgd", Config(batch_size=1, **wide)),
        Row("256-8-256 b=16 momentum", Config(width=256, hidden=8, batch_size=16, optimizer="momentum", **c)),
        Row("64-6-64 b=1 f64 wd", Config(width=64, hidden=6, batch_size=1, dtype="float64", weight_decay=1e-3, **c)),
        Row("256-64-256 rprop", Config(width=256, hidden=64, optimizer="rprop", lr=0.01, **c)),
        Row("256-64-256 quickprop f64", Config(width=256, hidden=64, optimizer="quickprop", dtype="float64", **c)),
        Row("64-6-64 quickprop x100", Config(width=64, hidden=6, optimizer="quickprop", lr=0.1, **c), seeds=100),
        Row("256-64-256 adam", Config(width=256, hidden=64, optimizer="adam", lr=0.01, **c)),
        Row("64-6-64 noise x100", Config(width=64, hidden=6, noise=0.2, **c), seeds=100),
        Row("8-3-8 adam+restart x100", Config(optimizer="adam", lr=0.05, restart_after=50, **c), seeds=100),
        Row("256-8-256 softmax x20", Config(width=256, hidden=8, loss="softmax_ce", lr=0.1, **c), seeds=20),
        Row("8-3-8 sse x100", Config(loss="sse", lr=1.0, **c), seeds=100),
        Row("8-3-8 flat spot x100", Config(flat_spot=0.1, **c), seeds=100),
        Row("128-128-128 codes x20", Config(width=128, hidden=128, **c), seeds=20),
        Row("sweep 8-3-8 preset x1000", dataclasses.replace(preset_config("8-3-8"), **c), 1000, sweep=True),
        Row("issue 19: sweep 64-63-64 x1000", Config(width=64, hidden=63, **c), 1000, sweep=True),
        Row("issue 19: sweep 64-6-64 preset x1000", dataclasses.replace(preset_config("64-6-64"), **c), 1000, True),
        Row("sweep 256-8-256 b=8 x100", Config(width=256, hidden=8, batch_size=8, **c), 100, sweep=True),
    ]


def cpu_seconds(work: Callable[[], object]) -> float:
    start = time.thread_time()
    work()
    return time.thread_time() - start


def seconds_per_epoch(config: Config, seeds: list[int], goal: Goal | None, slice_seconds: float) -> float:
    """CPU seconds of one epoch of one batch of `seeds`, the least over repeated slices (the machine is
    shared; interference only adds). A slice is the difference between e and 2e more epochs, which
    leaves out what a call costs once (its result); with frequent restarts e covers one. An epoch of many
    mini-batch updates is measured update by update: its clean pass with 1 and with 3 updates give
    the cost of one update, extrapolated to the epoch's."""
    trainer = Trainer(config, seeds, goal=goal)
    patterns = trainer.data.shape[0]
    if config.minibatch and patterns // config.batch_size > SLICED_UPDATES:
        return _sliced_epoch(trainer)
    first = cpu_seconds(lambda: trainer.run(2))  # also warms every cache up
    epochs = max(2, int(slice_seconds / max(first / 2, 1e-6)))
    if config.restart_after <= RESTART_COVERED:
        epochs = max(epochs, config.restart_after)
    best = {}
    for _ in range(REPEATS):
        for count in (epochs, 2 * epochs):
            best[count] = min(best.get(count, float("inf")), cpu_seconds(lambda count=count: trainer.run(count)))
    return max(best[2 * epochs] - best[epochs], 0.0) / epochs


def _sliced_epoch(trainer: Trainer) -> float:
    config, seeds, patterns = trainer.config, trainer.seeds, trainer.data.shape[0]
    order = PatternOrder(seeds, patterns).draw()  # (S, P)
    noise = None
    if config.noise:
        noise = HiddenNoise(seeds, patterns, config.hidden, config.noise, "constant", config.epochs, config.dtype)
    drawn = noise.draw(np.zeros(len(seeds), dtype=np.int64)) if noise else None
    trainer.backend.step(drawn, order[:, : config.batch_size])  # warms the caches up
    few, more = config.batch_size, 3 * config.batch_size
    cost = {}
    for count in (few, more):
        rows = order[:, :count]
        cost[count] = min(cpu_seconds(lambda rows=rows: trainer.backend.step(drawn, rows)) for _ in range(REPEATS))
    per_update = (cost[more] - cost[few]) / 2
    forward = trainer.backend.forward()
    measure = cpu_seconds(
        lambda: analysis.measure(forward.activations, forward.outputs, trainer.data, config.activation, True)
    )
    return cost[few] + per_update * (-(-patterns // config.batch_size) - 1) + measure


def measured_seconds(row: Row, slice_seconds: float) -> float:
    """The row's whole work, extrapolated from slices: every epoch of every batch of seeds."""
    seeds = list(range(row.seeds))
    batches = seed_batches(row.config, seeds) if row.sweep else [seeds]
    goal = NEVER if row.sweep else None
    distinct = {len(batch) for batch in batches}  # batches of one size cost alike: measure one of each
    per_size = {size: seconds_per_epoch(row.config, seeds[:size], goal, slice_seconds) for size in distinct}
    return row.config.epochs * sum(per_size[len(batch)] for batch in batches)


def bench_seconds(backend: str, slice_seconds: float) -> tuple[float, float]:
    """The literature bench at 100 seeds (the page's default click): estimate, measured."""
    configs = [dataclasses.replace(entry.config, backend=backend, device="cpu") for entry in BENCH.values()]
    measured = 0.0
    for config in configs:
        measured += config.epochs * seconds_per_epoch(config, list(range(100)), NEVER, slice_seconds)
    return estimate_bench_seconds(configs, 100), measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter slices (noisier figures)")
    parser.add_argument("--only", choices=["numpy", "torch"], help="one backend")
    args = parser.parse_args()
    slice_seconds = 0.05 if args.quick else 0.25
    backends = [args.only] if args.only else ["numpy", "torch"]
    import torch

    torch.set_num_threads(1)
    print(f"{'backend':<7} {'row':<38} {'measured':>10} {'estimate':>10} {'estimate/measured':>18}")
    ratios = []
    with threadpool_limits(1):
        for backend in backends:
            for row in rows(backend):
                measured = measured_seconds(row, slice_seconds)
                ratios.append(show(backend, row.label, estimate_seconds(row.config, row.seeds), measured))
            estimate, measured = bench_seconds(backend, slice_seconds)
            ratios.append(show(backend, "bench, every entry x100", estimate, measured))
    outside = sum(not 1.0 <= ratio <= 3.0 for ratio in ratios)
    print(f"{len(ratios)} rows, ratio {min(ratios):.2f} .. {max(ratios):.2f}; {outside} outside 1.0 .. 3.0")


def show(backend: str, label: str, estimate: float, measured: float) -> float:
    ratio = estimate / measured
    flag = "" if 1.0 <= ratio <= 3.0 else "  <-- outside 1.0 .. 3.0"
    line = f"{backend:<7} {label:<38} {_seconds(measured):>10} {_seconds(estimate):>10} {ratio:>18.2f}{flag}"
    print(line, flush=True)
    return ratio


def _seconds(value: float) -> str:
    return f"{value:,.0f} s" if value >= 100 else f"{value:.3g} s"


if __name__ == "__main__":
    main()
