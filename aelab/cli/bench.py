"""`bench`: the classic experiments rerun beside their published figures, an entry at a time."""

from __future__ import annotations

import argparse
import json
from functools import partial

from aelab import formats, report
from aelab.bench import BENCH, BenchEntry
from aelab.bench_run import run_bench
from aelab.cli.common import StopOnInterrupt, interruptible, refuse, whole_number
from aelab.config import ConfigError
from aelab.sweep import MAX_SWEEP_SEEDS, seed_range

HELP = "rerun the classic experiments beside their published figures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", metavar="NAME", help=f"run one entry: {', '.join(BENCH)}")
    parser.add_argument("--seeds", default="100", help=f"seeds 0..S-1 per entry (1..{MAX_SWEEP_SEEDS}; default: 100)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def run(args: argparse.Namespace) -> int:
    return interruptible(partial(_bench, args))


def _bench(args: argparse.Namespace) -> int:
    """The entries in turn, a line per entry as it ends, then the table (or one JSON object)."""
    try:
        seeds = seed_range(whole_number("seeds", args.seeds), 0)
        if args.only is not None and args.only not in BENCH:
            raise ConfigError("only", args.only, f"choose one of: {', '.join(BENCH)}")
    except ConfigError as error:
        return refuse(error)
    names = [args.only] if args.only else list(BENCH)
    with StopOnInterrupt() as interrupt:
        stop = interrupt.callback()

        def announce(entry: BenchEntry) -> None:
            print(report.bench_start_line(entry, len(seeds)), flush=True)

        on_start = None if args.json else announce
        results = run_bench(
            names, seeds, lambda entry, progress: stop(progress), 0.1, interrupt.allowance(), on_start=on_start
        )
        print(json.dumps(formats.bench_json(results, names)) if args.json else "\n" + report.bench_table(results))
    return interrupt.status
