"""The evidence for the presets' recipes: every tight preset swept with the real CLI.

For each tight preset it runs `python -m aelab sweep --preset P --seeds 100 --json`
(everything else at the preset's values) on seeds 0..99 and 1000..1099 with the
NumPy backend, and on seeds 0..99 with the torch backend for 8-3-8 and 16-4-16;
then the recipes that lost. Each sweep runs on one core (one BLAS and torch
thread). Prints markdown tables for docs/evidence.md.

The recipes were chosen on seeds 10000..10099; none of the seeds here was
looked at while choosing them.

    python benchmarks/preset_table.py             # ~4 minutes on one core
    python benchmarks/preset_table.py --quick     # 20 seeds, no second range, no losers
    python benchmarks/preset_table.py --wide      # the wide preset only (128-7-128), seeds 0..99:
                                                  # minutes (docs/search.md has the figures)

The wide preset's recipe was found with `python -m aelab search` on seeds 10000.. (docs/search.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
TIGHT = ["4-2-4", "8-3-8", "16-4-16", "32-5-32", "64-6-64", "12-2-12"]
WIDE = ["128-7-128"]  # one range only: a 100-seed sweep takes minutes (256-8-256 has no recipe: docs/search.md)
TORCH = ["8-3-8", "16-4-16"]
# Recipes that lost, each a preset with options over it: (preset, what changed, options).
LOSERS: list[tuple[str, str, list[str]]] = [
    (
        "16-4-16",
        "the default recipe (tanh, MSE, SGD lr 50), 5000 epochs",
        [
            "--preset",
            "8-3-8",
            "--width",
            "16",
            "--hidden",
            "4",
            "--loss",
            "mse",
            "--optimizer",
            "sgd",
            "--lr",
            "50",
            "--weight-decay",
            "0",
            "--noise",
            "0",
            "--restart-after",
            "0",
        ],
    ),
    ("16-4-16", "no weight decay", ["--weight-decay", "0"]),
    ("16-4-16", "no restarts", ["--restart-after", "0"]),
    ("32-5-32", "no weight decay", ["--weight-decay", "0"]),
    ("32-5-32", "no noise", ["--noise", "0"]),
    ("32-5-32", "no restarts", ["--restart-after", "0"]),
    ("32-5-32", "MSE on sigmoid outputs instead of softmax + CE", ["--loss", "mse"]),
    ("64-6-64", "no weight decay", ["--weight-decay", "0"]),
]


def sweep(options: list[str], seeds: int, first: int = 0) -> dict:
    command = [sys.executable, "-m", "aelab", "sweep", "--json", "--seeds", str(seeds), "--first-seed", str(first)]
    completed = subprocess.run(
        [*command, *options], cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, **ONE_CORE}
    )
    return json.loads(completed.stdout)


def epoch(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def row(label: str, result: dict) -> str:
    cells = [
        label,
        f"{result['solved_rate']:.0%}",
        f"{result['output_solved_rate']:.0%}",
        epoch(result["median_solved_epoch"]),
        epoch(result["p90_solved_epoch"]),
        f"{result['seconds']:.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = "| {} | solved | outputs solved | median epoch | p90 epoch | seconds |\n|---|---|---|---|---|---|"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 seeds, seeds 0.. only, no losing recipes")
    parser.add_argument("--wide", action="store_true", help="the wide presets only, seeds 0..99 (slow)")
    args = parser.parse_args()
    seeds = 20 if args.quick else 100
    print(HEADER.format("preset, recipe, seeds"))
    for name in WIDE if args.wide else TIGHT:
        ranges = [0] if args.quick or args.wide else [0, 1000]
        for first in ranges:
            result = sweep(["--preset", name], seeds, first)
            label = f"**{name}** {describe(result['config'])}, seeds {first}..{first + seeds - 1}"
            print(row(label, result), flush=True)
        if name in TORCH:
            result = sweep(["--preset", name, "--backend", "torch", "--device", "cpu"], seeds)
            print(row(f"**{name}** the same on **torch**, seeds 0..{seeds - 1}", result), flush=True)
    if args.quick or args.wide:
        return
    print("\nRecipes that lost (seeds 0..99, each a preset with one thing changed):\n")
    print(HEADER.format("preset: what changed"))
    for name, change, options in LOSERS:
        print(row(f"{name}: {change}", sweep(["--preset", name, *options], seeds)), flush=True)


def describe(config: dict) -> str:
    parts = [config["activation"], config["loss"], f"{config['optimizer']} lr {config['lr']:g}"]
    if config["optimizer"] == "momentum":
        parts[-1] += f" (momentum {config['momentum']:g})"
    if config["weight_decay"]:
        parts.append(f"weight decay {config['weight_decay']:g}")
    if config["noise"]:
        parts.append(f"noise {config['noise']:g}" + (" linear" if config["noise_schedule"] == "linear" else ""))
    if config["restart_after"]:
        parts.append(f"restart after {config['restart_after']:,}")
    parts.append(f"init {config['init_scale']:g}, {config['epochs']:,} epochs")
    return ", ".join(parts)


if __name__ == "__main__":
    main()
