"""`data NAME`: print a pattern set, `patterns` and `labels`, so that a result can be checked outside aelab.
Also the `--csv FILE` that train, sweep and grid take (read_csv, config_with_csv)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from aelab.cli.common import given_settings, preset, refuse
from aelab.config import Config, ConfigError
from aelab.formats import json_list
from aelab.pattern_csv import load_csv
from aelab.patterns import PATTERN_SETS, Patterns, config_patterns
from aelab.settings import SETTINGS

HELP = "print a pattern set: its patterns (one a row) and labels"
OPTIONS = ("width", "patterns", "density", "data_seed")  # the settings that shape a pattern set


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help=f"the pattern set: {', '.join(PATTERN_SETS)}")
    for name in OPTIONS:
        setting = SETTINGS[name]
        parser.add_argument(setting.flag, dest=name, metavar=name.upper(), help=f"{setting.help}; {setting.allowed()}")
    parser.add_argument("--csv", metavar="FILE", help="csv: the file of patterns, one a row, values in 0..1")
    parser.add_argument("--json", action="store_true", help='one JSON object: {"patterns": [[...]], "labels": ...}')


def run(args: argparse.Namespace) -> int:
    try:
        inputs, from_file = read_csv(args.csv)
        given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
        config = Config.from_strings({"data": args.name} | given | from_file)
        patterns = config_patterns(config, inputs)
    except ConfigError as error:
        return refuse(error)
    print(json.dumps(data_json(config, patterns)) if args.json else data_text(patterns))
    return 0


def add_csv_argument(parser: argparse.ArgumentParser) -> None:
    """train, sweep and grid: --csv FILE, the user's own patterns."""
    parser.add_argument(
        "--csv", metavar="FILE", help="train on your own patterns: one a row, values in 0..1 (sets data csv)"
    )


def config_with_csv(args: argparse.Namespace) -> tuple[Config, np.ndarray | None]:
    """The run's Config (the preset, every setting given, and what --csv FILE fixes) and the file's (P, N)
    patterns (None without --csv). ConfigError if any is refused."""
    inputs, from_file = read_csv(args.csv)
    return Config.from_strings(given_settings(args) | from_file, base=preset(args.preset)), inputs


def read_csv(path: str | None) -> tuple[np.ndarray | None, dict[str, str]]:
    """--csv FILE: its (P, N) patterns, and the settings they fix (data csv, width N, patterns P) as text;
    (None, {}) without one."""
    if path is None:
        return None, {}
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise ConfigError("csv", path, f"a readable file ({error.strerror})") from None
    inputs = load_csv(text).inputs
    return inputs, {"data": "csv", "width": str(inputs.shape[1]), "patterns": str(inputs.shape[0])}


def data_json(config: Config, patterns: Patterns) -> dict:
    labels = None if patterns.labels is None else patterns.labels.tolist()
    shape = None if patterns.image_shape is None else list(patterns.image_shape)
    return {
        "data": config.data,
        "width": config.width,
        "count": len(patterns.inputs),
        "binary": patterns.binary,
        "image_shape": shape,
        "patterns": json_list(patterns.inputs),
        "labels": labels,
    }


def data_text(patterns: Patterns) -> str:
    """One line per pattern: its index, its label (where there is one), its values."""
    lines = []
    for index, row in enumerate(patterns.inputs):
        label = "" if patterns.labels is None else f" label {patterns.labels[index]}"
        lines.append(f"{index}{label}: " + " ".join(f"{value:g}" for value in row))
    return "\n".join(lines)
