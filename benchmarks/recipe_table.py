"""The evidence for the default recipe: success rates of recipes, measured with the sweep command.

Runs `python -m aelab sweep --json` (the real CLI) for each recipe on 8-3-8
and 16-4-16 over seeds 0..99 and prints a markdown table for docs/evidence.md.
"Solved" means every output passes the 40-20-40 rule AND all N patterns
have distinct binary codes; the median is over the seeds that solved.

    python benchmarks/recipe_table.py            # ~2 minutes on 2 cores
    python benchmarks/recipe_table.py --seeds 20 # a quick look
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (label, options); the first row is the default recipe (no options).
RECIPES: list[tuple[str, list[str]]] = [
    ("**default**: tanh, MSE, SGD lr 50, init 0.2", []),
    ("tanh, MSE, SGD lr 30, init 0.2", ["--lr", "30"]),
    ("tanh, MSE, SGD lr 50, init 1.0", ["--init_scale", "1.0"]),
    ("tanh, BCE, SGD lr 30, init 0.3", ["--loss", "bce", "--lr", "30", "--init_scale", "0.3"]),
    (
        "tanh, BCE, Rprop lr 0.05, init 1.0",
        ["--loss", "bce", "--optimizer", "rprop", "--lr", "0.05", "--init_scale", "1"],
    ),
    ("ReLU, MSE, SGD lr 50, init 0.2", ["--activation", "relu"]),
    ("sigmoid, MSE, SGD lr 30, init 1.0", ["--activation", "sigmoid", "--lr", "30", "--init_scale", "1"]),
    (
        "sigmoid, MSE, momentum lr 2, init 1.0 (classic backprop)",
        ["--activation", "sigmoid", "--optimizer", "momentum", "--lr", "2", "--init_scale", "1"],
    ),
    (
        "sigmoid, BCE, Adam lr 0.1, init 1.0",
        ["--activation", "sigmoid", "--loss", "bce", "--optimizer", "adam", "--lr", "0.1", "--init_scale", "1"],
    ),
    (
        "sigmoid, MSE, Adam lr 0.01, init 1.0 (the seed notebook's)",
        ["--activation", "sigmoid", "--optimizer", "adam", "--lr", "0.01", "--init_scale", "1"],
    ),
    (
        "sigmoid, BCE, Rprop lr 0.05, init 1.0",
        ["--activation", "sigmoid", "--loss", "bce", "--optimizer", "rprop", "--lr", "0.05", "--init_scale", "1"],
    ),
]
PROBLEMS = [("8-3-8", ["--width", "8", "--hidden", "3", "--epochs", "2000"]),
            ("16-4-16", ["--width", "16", "--hidden", "4", "--epochs", "5000"])]  # fmt: skip


def sweep(options: list[str], seeds: int) -> dict:
    command = [sys.executable, "-m", "aelab", "sweep", "--seeds", str(seeds), "--json", *options]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def cell(result: dict) -> list[str]:
    median = result["median_solved_epoch"]
    return [
        f"{result['solved_rate']:.0%}",
        "–" if median is None else f"{median:.0f}",
        f"{result['output_solved_rate']:.0%}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    header = ["recipe"]
    for name, _ in PROBLEMS:
        header += [f"{name} solved", f"{name} median epoch", f"{name} outputs solved"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, options in RECIPES:
        row = [label]
        for _, problem in PROBLEMS:
            row += cell(sweep(problem + options, args.seeds))
        print("| " + " | ".join(row) + " |", flush=True)
    print(f"\nseeds 0..{args.seeds - 1}; budgets: 2000 epochs (8-3-8), 5000 epochs (16-4-16); float32, NumPy backend")


if __name__ == "__main__":
    main()
