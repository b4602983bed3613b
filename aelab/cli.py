"""Headless runs: `python -m aelab train ...` and `python -m aelab sweep ...`.

The CLI runs the same library code as the page. Options map one to one onto
`Config` fields and are parsed by `Config.from_strings`, so the CLI, the page
and share links accept and reject exactly the same values. Bad input exits
with status 2 and one line on stderr, nothing on stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from functools import partial

from aelab import report
from aelab.backends import check_available
from aelab.config import Config, ConfigError
from aelab.results import RunResult
from aelab.sweep import SweepResult, sweep
from aelab.train import Progress, train

CONFIG_OPTIONS = [field.name for field in dataclasses.fields(Config)]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m aelab", description="aelab: train N-k-N autoencoders from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train_parser = commands.add_parser("train", help="train one network and report its code")
    sweep_parser = commands.add_parser("sweep", help="train many seeds at once and report success rates")
    sweep_parser.add_argument("--seeds", default="20", help="how many seeds (1..1000)")
    sweep_parser.add_argument("--first-seed", default="0", help="seeds run from F to F+S-1")
    defaults = Config()
    for sub in (train_parser, sweep_parser):
        for name in CONFIG_OPTIONS:
            sub.add_argument(f"--{name}", help=f"default: {getattr(defaults, name)}")
        sub.add_argument("--json", action="store_true", help="print one JSON object instead of a log")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    given = {name: getattr(args, name) for name in CONFIG_OPTIONS if getattr(args, name) is not None}
    try:
        config = Config.from_strings(given)
        seeds = _seed_range(args.seeds, args.first_seed) if args.command == "sweep" else [config.seed]
        check_available(config)  # torch missing, no CUDA: say so before printing anything
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        if args.command == "train":
            header = f"training {config.describe()} for {config.epochs} epochs"
            return _run(partial(train, config), header, report.run_summary, config.epochs, args.json)
        header = f"sweeping {len(seeds)} seeds of {config.describe()} for up to {config.epochs} epochs"
        return _run(partial(sweep, config, seeds), header, report.sweep_summary, config.epochs, args.json)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `| head`: the reader left; finish quietly (the Python docs' recipe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _seed_range(count_text: str, first_text: str) -> list[int]:
    count = _whole_number("seeds", count_text, 1, 1000)
    first = _whole_number("first-seed", first_text, 0, 2**32 - 1000)
    return list(range(first, first + count))


def _whole_number(name: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(name, text, "must be a whole number") from None
    if not low <= value <= high:
        raise ConfigError(name, value, f"a whole number from {low} to {high}")
    return value


def _run(
    start: Callable[..., RunResult | SweepResult], header: str, summary: Callable[..., str], epochs: int, as_json: bool
) -> int:
    """Run `start(on_progress=..., progress_interval=...)`: one JSON object, or a log and a summary.

    The first Ctrl-C ends training at the next progress check and the run so far is
    still reported, with exit status 130."""
    with _StopOnInterrupt() as interrupt:
        if as_json:
            result = start(on_progress=interrupt.callback(), progress_interval=0.1)
            print(json.dumps(result.to_json()))
        else:
            print(header, flush=True)
            result = start(on_progress=interrupt.callback(_log_every_tenth(epochs)), progress_interval=0.0)
            print(summary(result))
    return 130 if interrupt.requested else 0


class _StopOnInterrupt:
    """The first Ctrl-C asks training to stop at its next progress check, so the run so far
    is still reported (marked stopped, exit status 130); a second Ctrl-C aborts at once."""

    def __enter__(self) -> _StopOnInterrupt:
        self.requested = False
        self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("stopping: reporting the run so far (Ctrl-C again to abort)", file=sys.stderr, flush=True)

    def callback(self, then: Callable[[Progress], None] | None = None) -> Callable[[Progress], bool]:
        """A progress callback that runs `then` and asks to stop once Ctrl-C was pressed."""

        def on_progress(progress: Progress) -> bool:
            if then is not None:
                then(progress)
            return self.requested

        return on_progress


def _log_every_tenth(epochs: int):
    """A progress callback that prints one line per tenth of the run."""
    next_mark = [epochs // 10]

    def log(progress: Progress) -> None:
        if progress.epoch >= next_mark[0] > 0:
            next_mark[0] += max(epochs // 10, 1)
            print(report.progress_line(progress), flush=True)

    return log
