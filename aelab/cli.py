"""Headless runs: `python -m aelab train ...`, `python -m aelab sweep ...` and `python -m aelab bench`.

The CLI runs the same library code as the page. Options are made from
`aelab.config.SETTINGS` (one per Config field, `--init-scale` or
`--init_scale`) and parsed by `Config.from_strings`, so the CLI, the page and
share links accept and reject exactly the same values, and `--help` lists
them. Bad input exits with status 2 and one line on stderr, nothing on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from functools import partial

from aelab import formats, report
from aelab.allowance import Allowance
from aelab.backends import check_available
from aelab.bench import BENCH, run_entry
from aelab.config import SETTINGS, Config, ConfigError, Setting
from aelab.presets import PRESETS, preset_config
from aelab.probe import MAX_CORNER_BITS, CornerTable, corner_table
from aelab.progress import Progress
from aelab.results import RunResult, SweepResult
from aelab.run_file import RunFileError, read_run, resume_section
from aelab.sweep import MAX_SWEEP_SEEDS, seed_range, sweep
from aelab.train import Trainer, continue_epochs


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m aelab", description="aelab: train N-k-N autoencoders from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train_parser = commands.add_parser("train", help="train one network and report its code")
    train_parser.add_argument(
        "--corners",
        action="store_true",
        help=f"also decode every corner of the hidden cube (k <= {MAX_CORNER_BITS}): what each reads as",
    )
    train_parser.add_argument(
        "--resume",
        metavar="RUN.json",
        help="continue a run saved by `train --json` (or downloaded from the page): --epochs F then means "
        "F more (default: the rest of its epochs, or as many again); lr, optimizer, loss and other "
        "training settings may change, the network's shape and seed may not",
    )
    sweep_parser = commands.add_parser("sweep", help="train many seeds at once and report success rates")
    sweep_parser.add_argument("--seeds", default="20", help=f"how many seeds (1..{MAX_SWEEP_SEEDS}; default: 20)")
    sweep_parser.add_argument(
        "--first-seed", "--seed", default="0", help="seeds run from F to F+S-1 (default: 0); --seed means the same"
    )
    bench_parser = commands.add_parser("bench", help="rerun the classic experiments beside their published figures")
    bench_parser.add_argument("--only", metavar="NAME", help=f"run one entry: {', '.join(BENCH)}")
    bench_parser.add_argument(
        "--seeds", default="100", help=f"seeds 0..S-1 per entry (1..{MAX_SWEEP_SEEDS}; default: 100)"
    )
    bench_parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    defaults = Config()
    for sub in (train_parser, sweep_parser):
        sub.add_argument(
            "--preset",
            metavar="{" + ",".join(PRESETS) + "}",
            help="start from a preset's size and recipe; any other option given overrides it",
        )
        for name, setting in SETTINGS.items():
            if sub is sweep_parser and name == "seed":
                continue  # a sweep's seeds come from --first-seed and --seeds
            flags = [setting.flag] + ([f"--{name}"] if setting.flag != f"--{name}" else [])
            sub.add_argument(*flags, dest=name, metavar=_metavar(setting), help=_help(setting, getattr(defaults, name)))
        sub.add_argument("--json", action="store_true", help="print one JSON object instead of a log")
    return parser


def _metavar(setting: Setting) -> str:
    return "{" + ",".join(setting.options) + "}" if setting.kind is str else setting.name.upper()


def _help(setting: Setting, default: object) -> str:
    allowed = "" if setting.kind is str else f"; {setting.allowed()}"
    return f"{setting.help}{allowed} (default: {default})".replace("%", "%%")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "bench":
        return _interruptible(partial(_bench, args))
    given = {name: getattr(args, name) for name in SETTINGS if getattr(args, name, None) is not None}
    if getattr(args, "resume", None) is not None:
        return _resume(args, given)
    try:
        config = Config.from_strings(given, base=_preset(args.preset))
        if args.command == "sweep":
            seeds = seed_range(_whole_number("seeds", args.seeds), _whole_number("first-seed", args.first_seed))
        elif args.corners and config.hidden > MAX_CORNER_BITS:
            raise ConfigError("corners", config.hidden, f"the corner table needs hidden <= {MAX_CORNER_BITS}")
        check_available(config)  # torch missing, no CUDA: say so before printing anything
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "train":
        header = f"training {config.describe()} for {config.epochs} epochs"
        return _train(Trainer(config, [config.seed], keep_snapshots=True), config.epochs, header, args)
    header = f"sweeping {len(seeds)} seeds of {config.describe()} for up to {config.epochs} epochs"
    return _interruptible(
        partial(
            _run,
            partial(sweep, config, seeds),
            header,
            report.sweep_summary,
            formats.sweep_json,
            (0, config.epochs),
            args.json,
        )
    )


def _interruptible(command: Callable[[], int]) -> int:
    """Run `command`; a second Ctrl-C (the first stops training gently) or a reader that left ends it quietly."""
    try:
        return command()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `| head`: the reader left; finish quietly (the Python docs' recipe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _bench(args: argparse.Namespace) -> int:
    """`bench`: the entries in turn, a line per entry as it ends, then the table (or one JSON object)."""
    try:
        seeds = seed_range(_whole_number("seeds", args.seeds), 0)
        if args.only is not None and args.only not in BENCH:
            raise ConfigError("only", args.only, f"choose one of: {', '.join(BENCH)}")
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    names = [args.only] if args.only else list(BENCH)
    with _StopOnInterrupt() as interrupt:
        stop, allowance = interrupt.callback(), interrupt.allowance()
        results = []
        for name in names:
            if not args.json:
                print(report.bench_start_line(BENCH[name], len(seeds)), flush=True)
            results.append(run_entry(BENCH[name], seeds, lambda entry, progress: stop(progress), 0.1, allowance))
            if interrupt.requested:
                break
        print(json.dumps(formats.bench_json(results, names)) if args.json else "\n" + report.bench_table(results))
    return interrupt.status


def _resume(args: argparse.Namespace, given: dict[str, str]) -> int:
    """`train --resume RUN.json`: the saved run, with any settings given changed, for --epochs more."""
    try:
        if args.preset is not None:
            raise ConfigError("preset", args.preset, "a resumed run keeps its recipe: give single settings instead")
        trainer = read_run(args.resume)
        settings = {name: value for name, value in given.items() if name != "epochs"}
        config = Config.from_strings(settings, base=trainer.config)
        if args.corners and config.hidden > MAX_CORNER_BITS:
            raise ConfigError("corners", config.hidden, f"the corner table needs hidden <= {MAX_CORNER_BITS}")
        more = continue_epochs(trainer.epoch, trainer.config.epochs)
        if "epochs" in given:
            more = Config.from_strings({"epochs": given["epochs"]}).epochs
        check_available(config)
        trainer.change(config)  # ConfigError for a setting a resumed run keeps (width, seed ...)
    except RunFileError as error:
        print(f"error: {args.resume}: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    header = f"resuming {config.describe()} at epoch {trainer.epoch} for {more} more epochs"
    return _train(trainer, more, header, args)


def _train(trainer: Trainer, epochs: int, header: str, args: argparse.Namespace) -> int:
    """Train `trainer` for `epochs` more; the JSON holds the whole run and what resuming it needs."""

    def start(**progress) -> RunResult:
        return trainer.run(epochs, **progress).run(0)

    def to_json(result: RunResult) -> dict:
        payload = _json_with_corners(result) if args.corners else formats.run_json(result)
        return payload | {"resume": resume_section(trainer)}

    summary = _summary_with_corners if args.corners else report.run_summary
    log_from = (trainer.epoch, epochs)
    return _interruptible(partial(_run, start, header, summary, to_json, log_from, args.json))


def _corners(result: RunResult) -> CornerTable:
    return corner_table(result.final, result.config, result.activations)


def _summary_with_corners(result: RunResult) -> str:
    return report.run_summary(result) + "\n\n" + report.corner_summary(_corners(result))


def _json_with_corners(result: RunResult) -> dict:
    return formats.run_json(result) | {"corners": formats.corners_json(_corners(result))}


def _preset(name: str | None) -> Config | None:
    if name is None:
        return None
    if name not in PRESETS:
        raise ConfigError("preset", name, f"choose one of: {', '.join(PRESETS)}")
    return preset_config(name)


def _whole_number(name: str, text: str) -> int:
    if not text.strip().isascii() or not text.strip().lstrip("+-").isdigit():
        raise ConfigError(name, text, "must be a whole number")
    return int(text)


def _run(
    start: Callable[..., RunResult | SweepResult],
    header: str,
    summary: Callable[..., str],
    to_json: Callable[..., dict],
    epochs: tuple[int, int],
    as_json: bool,
) -> int:
    """Run `start(on_progress=..., progress_interval=...)`: one JSON object, or a log and a summary.

    The first Ctrl-C ends training at the next progress check and the run so far is
    still reported, with exit status 130."""
    with _StopOnInterrupt() as interrupt:
        if as_json:
            result = start(on_progress=interrupt.callback(), progress_interval=0.1, allowance=interrupt.allowance())
            print(json.dumps(to_json(result)))
        else:
            print(header, flush=True)
            on_progress = interrupt.callback(_log_every_tenth(*epochs))
            result = start(on_progress=on_progress, progress_interval=0.0, allowance=interrupt.allowance())
            print(summary(result))
    return interrupt.status


class _StopOnInterrupt:
    """The first Ctrl-C (or SIGTERM) asks training to stop at its next check, between two updates
    (see aelab.allowance), so the run so far is still reported (marked stopped; exit status
    128 + the signal: 130, or 143 for SIGTERM); a second one aborts at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> _StopOnInterrupt:
        self.requested = False
        self.status = 0
        self.previous = {number: signal.signal(number, self._handle) for number in self.SIGNALS}
        return self

    def __exit__(self, *exc_info: object) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested, self.status = True, 128 + signum
        print("stopping: reporting the run so far (Ctrl-C again to abort)", file=sys.stderr, flush=True)

    def allowance(self) -> Allowance:
        """No limit on time, but a stop between two updates once Ctrl-C was pressed."""
        return Allowance(requested=lambda: self.requested)

    def callback(self, then: Callable[[Progress], None] | None = None) -> Callable[[Progress], bool]:
        """A progress callback that runs `then` and asks to stop once Ctrl-C was pressed."""

        def on_progress(progress: Progress) -> bool:
            if then is not None:
                then(progress)
            return self.requested

        return on_progress


def _log_every_tenth(start: int, epochs: int):
    """A progress callback that prints one line per tenth of the `epochs` trained from epoch `start`."""
    next_mark = [start + epochs // 10]

    def log(progress: Progress) -> None:
        if progress.epoch >= next_mark[0] > start:
            next_mark[0] += max(epochs // 10, 1)
            print(report.progress_line(progress), flush=True)

    return log
