"""`grid`: a sweep at every combination of a few settings' values (aelab.grid)."""

from __future__ import annotations

import argparse
from functools import partial

from aelab import formats, report
from aelab.backends import check_available
from aelab.cli.common import add_settings, interruptible, refuse, run_and_report, whole_number
from aelab.cli.data import add_csv_argument, config_with_csv
from aelab.config import ConfigError
from aelab.grid import MAX_CELLS, MAX_VALUES, GridResult, grid, grid_cells, shared_description, value_text, vary
from aelab.sweep import MAX_SWEEP_SEEDS, check_sweepable, seed_range

HELP = "sweep the same seeds at every combination of a few settings' values"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help=f"a setting and its values (repeat for more settings; up to {MAX_VALUES} values, {MAX_CELLS} cells)",
    )
    parser.add_argument("--seeds", default="20", help=f"how many seeds per cell (1..{MAX_SWEEP_SEEDS}; default: 20)")
    parser.add_argument(
        "--first-seed", "--seed", default="0", help="seeds run from F to F+S-1 (default: 0); --seed means the same"
    )
    add_csv_argument(parser)
    add_settings(parser, skip=("seed",))


def run(args: argparse.Namespace) -> int:
    try:
        base, inputs = config_with_csv(args)
        if not args.vary:
            raise ConfigError("vary", "", "give at least one --vary NAME=V1,V2,...")
        varied = [vary(text, base) for text in args.vary]
        cells = grid_cells(base, varied)
        seeds = seed_range(whole_number("seeds", args.seeds), whole_number("first-seed", args.first_seed))
        for cell in cells:
            check_available(cell.config)
            check_sweepable(cell.config, inputs)
    except ConfigError as error:
        return refuse(error)
    names = " x ".join(f"{item.name} ({len(item.values)})" for item in varied)
    header = (
        f"grid of {len(cells)} cells over {names}, {len(seeds)} seeds each ({seeds[0]}..{seeds[-1]}),"
        f" of {shared_description(cells)}"
    )
    start = partial(grid, base, varied, seeds, inputs=inputs)
    return interruptible(
        partial(run_and_report, start, header, summary, formats.grid_json, (0, base.epochs), args.json)
    )


def summary(result: GridResult) -> str:
    """One line per cell: its varied values, solved rates and epochs; then the grid's time."""
    names = [item.name for item in result.varied]
    lines = ["  ".join([*(f"{name:>12}" for name in names), "outputs solved", "codes solved", "median", "p90"])]
    for cell, sweep in zip(result.cells, result.sweeps, strict=True):
        values = [f"{value_text(cell.settings[name]):>12}" for name in names]
        figures = [f"{report.percent(sweep.output_solved_rate):>14}", f"{report.percent(sweep.solved_rate):>12}"]
        epochs = [
            f"{report.epoch_statistic(sweep.median_solved_epoch, '-'):>6}",
            f"{report.epoch_statistic(sweep.p90_solved_epoch, '-'):>6}",
        ]
        lines.append("  ".join(values + figures + epochs))
    seeds = f"{len(result.cells)} cells of {len(result.seeds)} seeds in {result.seconds:.2f} s"
    return "\n".join([*lines, "", seeds + (" (stopped early)" if result.stopped else "")])
