"""What every command shares: the one-line usage errors, the settings options, Ctrl-C handling and
the log-or-JSON way of reporting a run."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable

from aelab import report
from aelab.allowance import Allowance
from aelab.config import SETTINGS, Config, ConfigError, Setting
from aelab.patterns import CSV_FILE
from aelab.presets import PRESETS, preset_config
from aelab.progress import Progress
from aelab.results import RunResult, SweepResult


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_settings(parser: argparse.ArgumentParser, skip: tuple[str, ...] = ()) -> None:
    """--preset, one option per SETTINGS entry (`--init-scale` or `--init_scale`) and --json."""
    parser.add_argument(
        "--preset",
        metavar="{" + ",".join(PRESETS) + "}",
        help="start from a preset's size and recipe; any other option given overrides it",
    )
    defaults = Config()
    for name, setting in SETTINGS.items():
        if name in skip:
            continue
        flags = [setting.flag] + ([f"--{name}"] if setting.flag != f"--{name}" else [])
        parser.add_argument(*flags, dest=name, metavar=_metavar(setting), help=_help(setting, getattr(defaults, name)))
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a log")


def _metavar(setting: Setting) -> str:
    return "{" + ",".join(setting.options) + "}" if setting.kind is str else setting.name.upper()


def _help(setting: Setting, default: object) -> str:
    allowed = "" if setting.kind is str else f"; {setting.allowed()}"
    return f"{setting.help}{allowed} (default: {default})".replace("%", "%%")


def given_settings(args: argparse.Namespace) -> dict[str, str]:
    """The settings named on the command line, as text for Config.from_strings."""
    return {name: getattr(args, name) for name in SETTINGS if getattr(args, name, None) is not None}


def config_from(args: argparse.Namespace) -> Config:
    """The run's Config: the preset (if any), then every setting given. ConfigError if any is refused."""
    return Config.from_strings(given_settings(args), base=preset(args.preset))


def preset(name: str | None) -> Config | None:
    if name is None:
        return None
    if name not in PRESETS:
        raise ConfigError("preset", name, f"choose one of: {', '.join(PRESETS)}")
    return preset_config(name)


def whole_number(name: str, text: str) -> int:
    if not text.strip().isascii() or not text.strip().lstrip("+-").isdigit():
        raise ConfigError(name, text, "must be a whole number")
    return int(text)


def refuse(error: Exception, where: str = "") -> int:
    """A refused input: one line on stderr, exit status 2."""
    if isinstance(error, ConfigError) and (error.field, error.allowed) == ("data", CSV_FILE):
        error = ConfigError("data", "csv", "--csv FILE", needs="needs a file: give --csv FILE")  # the CLI's way
    print(f"error: {where}{error}", file=sys.stderr)
    return 2


def interruptible(command: Callable[[], int]) -> int:
    """Run `command`; a second Ctrl-C (the first stops training gently) ends it quietly."""
    try:
        return command()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def until_reader_leaves(command: Callable[[], int]) -> int:
    """Run `command` and flush its output; a reader that left (e.g. `| head`) ends it quietly, status 1.
    main() wraps every command in this, so none prints a BrokenPipeError traceback."""
    try:
        status = command()
        sys.stdout.flush()  # a pipe closed early shows here rather than at exit, past any handler
        return status
    except BrokenPipeError:  # the Python docs' recipe: stdout to devnull so the exit's flush is quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def run_and_report(
    start: Callable[..., RunResult | SweepResult],
    header: str,
    summary: Callable[..., str],
    to_json: Callable[..., dict],
    epochs: tuple[int, int],
    as_json: bool,
) -> int:
    """Run `start(on_progress=..., progress_interval=..., allowance=...)`: one JSON object, or a log and a
    summary. The first Ctrl-C ends training at the next check and the run so far is still reported,
    with exit status 130."""
    with StopOnInterrupt() as interrupt:
        if as_json:
            result = start(on_progress=interrupt.callback(), progress_interval=0.1, allowance=interrupt.allowance())
            print(json.dumps(to_json(result)))
        else:
            print(header, flush=True)
            on_progress = interrupt.callback(log_every_tenth(*epochs))
            result = start(on_progress=on_progress, progress_interval=0.0, allowance=interrupt.allowance())
            print(summary(result))
    return interrupt.status


class StopOnInterrupt:
    """The first Ctrl-C (or SIGTERM) asks training to stop at its next check, between two updates
    (see aelab.allowance), so the run so far is still reported (marked stopped; exit status
    128 + the signal: 130, or 143 for SIGTERM); a second one aborts at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> StopOnInterrupt:
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


def log_every_tenth(start: int, epochs: int) -> Callable[[Progress], None]:
    """A progress callback that prints one line per tenth of the `epochs` trained from epoch `start`,
    over again for each of a sweep's batches (its epochs start again from `start`)."""
    next_mark, last = [start + epochs // 10], [start]

    def log(progress: Progress) -> None:
        if progress.epoch < last[0]:  # the next batch
            next_mark[0] = start + epochs // 10
        last[0] = progress.epoch
        if progress.epoch >= next_mark[0] > start:
            next_mark[0] += max(epochs // 10, 1)
            print(report.progress_line(progress), flush=True)

    return log
