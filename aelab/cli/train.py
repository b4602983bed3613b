"""`train`: one network, a log and a summary (or one JSON object); `--resume` goes on from a saved run."""

from __future__ import annotations

import argparse
from functools import partial

from aelab import formats, report
from aelab.backends import check_available
from aelab.cli.common import add_settings, given_settings, interruptible, refuse, run_and_report
from aelab.cli.data import add_csv_argument, config_with_csv
from aelab.config import Config, ConfigError
from aelab.probe import MAX_CORNER_BITS, CornerTable, corner_table
from aelab.results import RunResult
from aelab.run_file import RunFileError, read_run, resume_section
from aelab.train import Trainer, continue_epochs

HELP = "train one network and report its code"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corners",
        action="store_true",
        help=f"also decode every corner of the hidden cube (k <= {MAX_CORNER_BITS}): what each reads as",
    )
    parser.add_argument(
        "--resume",
        metavar="RUN.json",
        help="continue a run saved by `train --json` (or downloaded from the page): --epochs F then means "
        "F more (default: the rest of its epochs, or as many again); lr, optimizer, loss and other "
        "training settings may change, the network's shape and seed may not",
    )
    add_csv_argument(parser)
    add_settings(parser)


def run(args: argparse.Namespace) -> int:
    if args.resume is not None:
        return _resume(args)
    try:
        config, inputs = config_with_csv(args)
        _check_corners(args, config)
        check_available(config)  # torch missing, no CUDA: say so before printing anything
        trainer = Trainer(config, [config.seed], keep_snapshots=True, inputs=inputs)
    except ConfigError as error:
        return refuse(error)
    header = f"training {config.describe()} for {config.epochs} epochs"
    return _train(trainer, config.epochs, header, args)


def _resume(args: argparse.Namespace) -> int:
    """`train --resume RUN.json`: the saved run, with any settings given changed, for --epochs more."""
    try:
        if args.preset is not None:
            raise ConfigError("preset", args.preset, "a resumed run keeps its recipe: give single settings instead")
        trainer = read_run(args.resume)
        settings = {name: value for name, value in given_settings(args).items() if name != "epochs"}
        config = Config.from_strings(settings, base=trainer.config)
        _check_corners(args, config)
        more = continue_epochs(trainer.epoch, trainer.config.epochs)
        if args.epochs is not None:
            more = Config.from_strings({"epochs": args.epochs}).epochs
        check_available(config)
        trainer.change(config)  # ConfigError for a setting a resumed run keeps (width, seed ...)
    except RunFileError as error:
        return refuse(error, f"{args.resume}: ")
    except ConfigError as error:
        return refuse(error)
    header = f"resuming {config.describe()} at epoch {trainer.epoch} for {more} more epochs"
    return _train(trainer, more, header, args)


def _check_corners(args: argparse.Namespace, config: Config) -> None:
    if args.corners and config.hidden > MAX_CORNER_BITS:
        raise ConfigError("corners", config.hidden, f"the corner table needs hidden <= {MAX_CORNER_BITS}")


def _train(trainer: Trainer, epochs: int, header: str, args: argparse.Namespace) -> int:
    """Train `trainer` for `epochs` more; the JSON holds the whole run and what resuming it needs."""

    def start(**progress) -> RunResult:
        return trainer.run(epochs, **progress).run(0)

    def to_json(result: RunResult) -> dict:
        payload = _json_with_corners(result) if args.corners else formats.run_json(result)
        return payload | {"resume": resume_section(trainer)}

    summary = _summary_with_corners if args.corners else report.run_summary
    log_from = (trainer.epoch, epochs)
    return interruptible(partial(run_and_report, start, header, summary, to_json, log_from, args.json))


def _corners(result: RunResult) -> CornerTable:
    return corner_table(result.final, result.config, result.activations)


def _summary_with_corners(result: RunResult) -> str:
    return report.run_summary(result) + "\n\n" + report.corner_summary(_corners(result))


def _json_with_corners(result: RunResult) -> dict:
    return formats.run_json(result) | {"corners": formats.corners_json(_corners(result))}
