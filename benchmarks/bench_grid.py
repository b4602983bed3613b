"""What a grid and a sweep cost, side by side in one process, printed as ratios.

1. Grid vs sweep: a 12-cell grid (lr 0.5,1,2,4 x weight_decay 0,0.001,0.003) of 100 seeds each at the
   16-4-16 preset, whose cells share one batch (per-seed lr and weight decay), against one 1200-seed
   sweep of one of its cells, the preset's own recipe (lr 1, weight_decay 0.003; target <= 1.25x).
   For scale also against the same 12 cells swept one after another (what the grid would cost
   without shared batches), and against a 1200-seed sweep of its slowest cell.
2. Compaction: the 64-6-64 preset's 100-seed sweep with solved seeds leaving the batch against the
   same sweep with them training on to the batch's end (`compact=False`: today's behaviour before
   compaction; target >= 2x faster). Both give the same solved epochs (checked).

Each side runs once per repeat, the sides alternating; the best of the repeats is kept. A busy
machine slows both alike, but not evenly: run it with `nice` on a quiet machine for figures.

    PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/bench_grid.py               # ~3 min
    PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/bench_grid.py --seeds 40    # fewer seeds per cell
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from threadpoolctl import threadpool_limits

from aelab import Config
from aelab.grid import grid, vary
from aelab.presets import preset_config
from aelab.sweep import sweep

GRID = ("lr=0.5,1,2,4", "weight_decay=0,0.001,0.003")


def timed(work: Callable[[], object]) -> tuple[float, object]:
    """CPU seconds of `work` (one thread: see main), and its result."""
    start = time.process_time()
    result = work()
    return time.process_time() - start, result


def best(sides: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, object]]:
    """Each side's best time over `repeats` rounds, the sides alternating within a round."""
    times: dict[str, tuple[float, object]] = {}
    for _ in range(repeats):
        for name, work in sides.items():
            seconds, result = timed(work)
            if name not in times or seconds < times[name][0]:
                times[name] = (seconds, result)
    return times


def grid_vs_sweep(seeds: int, repeats: int) -> None:
    base = preset_config("16-4-16")
    varied = [vary(text, base) for text in GRID]
    cells = len(varied[0].values) * len(varied[1].values)
    seed_list, many = list(range(seeds)), list(range(cells * seeds))
    recipe = base  # lr 1, weight_decay 0.003: a cell of the grid
    slowest = Config(**{**base.to_dict(), "lr": 0.5, "weight_decay": 0.0})
    times = best(
        {
            "grid": lambda: grid(base, varied, seed_list),
            "recipe": lambda: sweep(recipe, many),
        },
        repeats,
    )
    apart, _ = timed(lambda: [sweep(result.config, seed_list) for result in times["grid"][1].sweeps])
    slow, _ = timed(lambda: sweep(slowest, many))
    grid_seconds = times["grid"][0]
    print(
        f"16-4-16: a {cells}-cell grid of {seeds} seeds each vs {cells * seeds}-seed sweeps (CPU s, best of {repeats})"
    )
    print(f"  grid (cells share one batch)               {grid_seconds:7.2f} s")
    recipe_seconds = times["recipe"][0]
    print(f"  sweep of the recipe's cell (lr 1, wd 0.003) {recipe_seconds:7.2f} s   "
          f"grid / sweep = {grid_seconds / recipe_seconds:.2f}x (target <= 1.25x)")  # fmt: skip
    print(f"  the 12 cells swept one by one               {apart:7.2f} s   grid / apart = {grid_seconds / apart:.2f}x")
    print(f"  sweep of the slowest cell (lr 0.5, wd 0)    {slow:7.2f} s   grid / sweep = {grid_seconds / slow:.2f}x")


def compaction(seeds: int, repeats: int) -> None:
    config = preset_config("64-6-64")
    seed_list = list(range(seeds))
    times = best(
        {"compact": lambda: sweep(config, seed_list), "train on": lambda: sweep(config, seed_list, compact=False)},
        repeats,
    )
    (fast, left), (slow, stayed) = times["compact"], times["train on"]
    assert left.solved_epoch == stayed.solved_epoch
    # The work, whatever the machine's load: each seed's own epochs (to the epoch after its solved one),
    # against every seed training to the batch's end (one batch at these sizes)
    own = [config.epochs if epoch is None else epoch + 1 for epoch in left.solved_epoch]
    print(f"64-6-64 preset: a {seeds}-seed sweep (CPU s, best of {repeats}), {left.solved_rate:.0%} solved")
    print(f"  solved seeds train on (before)  {slow:7.2f} s   seed-epochs {len(own) * max(own):>9,}")
    print(f"  solved seeds leave (now)        {fast:7.2f} s   seed-epochs {sum(own):>9,} (at least)")
    print(f"  {slow / fast:.2f}x faster (target >= 2x); the work shrank {len(own) * max(own) / sum(own):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100, help="seeds per grid cell and in the 64-6-64 sweep")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", choices=("grid", "compaction"))
    args = parser.parse_args()
    with threadpool_limits(1):  # one BLAS thread: CPU seconds are then the work of one core
        if args.only != "compaction":
            grid_vs_sweep(args.seeds, args.repeats)
        if args.only != "grid":
            compaction(args.seeds, args.repeats)


if __name__ == "__main__":
    main()
