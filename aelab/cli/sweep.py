"""`sweep`: many seeds of one setting at once, their success rates and epochs."""

from __future__ import annotations

import argparse
from functools import partial

from aelab import formats, report
from aelab.backends import check_available
from aelab.cli.common import add_settings, interruptible, refuse, run_and_report, whole_number
from aelab.cli.data import add_csv_argument, config_with_csv
from aelab.config import ConfigError
from aelab.sweep import MAX_SWEEP_SEEDS, check_sweepable, seed_range, sweep

HELP = "train many seeds at once and report success rates"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", default="20", help=f"how many seeds (1..{MAX_SWEEP_SEEDS}; default: 20)")
    parser.add_argument(
        "--first-seed", "--seed", default="0", help="seeds run from F to F+S-1 (default: 0); --seed means the same"
    )
    add_csv_argument(parser)
    add_settings(parser, skip=("seed",))  # a sweep's seeds come from --first-seed and --seeds


def run(args: argparse.Namespace) -> int:
    try:
        config, inputs = config_with_csv(args)
        seeds = seed_range(whole_number("seeds", args.seeds), whole_number("first-seed", args.first_seed))
        check_available(config)
        check_sweepable(config, inputs)
    except ConfigError as error:
        return refuse(error)
    header = (
        f"sweeping seeds {seeds[0]}..{seeds[-1]} of {config.describe(with_seed=False)} for up to {config.epochs} epochs"
    )
    start = partial(sweep, config, seeds, inputs=inputs)
    epochs = (0, config.epochs)
    return interruptible(
        partial(run_and_report, start, header, report.sweep_summary, formats.sweep_json, epochs, args.json)
    )
