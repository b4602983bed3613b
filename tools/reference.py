"""Write docs/reference.md from the code: the settings from `aelab.settings.SETTINGS` and the CLI from
its argparse parser. `python tools/reference.py`; tests/test_docs.py fails while the file is stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: the aelab beside this file

from aelab.cli import COMMANDS, build_parser  # noqa: E402
from aelab.config import PAGE_DEFAULTS, Config  # noqa: E402
from aelab.settings import SETTINGS, Setting  # noqa: E402

TARGET = ROOT / "docs" / "reference.md"

INTRO = """# Settings and CLI reference

<!-- Written by `python tools/reference.py` from aelab.settings.SETTINGS and the CLI's argparse
parser: edit those, never this file (tests/test_docs.py fails while it is stale). -->

The page, the CLI and share links use the same names, and every limit below lives in one table
(`aelab.settings.SETTINGS`): `Config` validates with it, the CLI builds its options and `--help` from
it, share links are parsed by it and the page sizes its widgets from it, so all of them accept exactly
the same values (on the CLI, `--init-scale` or `--init_scale`). A bad value gets one message naming the
field, the value and what is allowed, e.g. `width: 2000 is not allowed (a whole number from 2 to 1024)`.
Numbers are written in plain ASCII digits.
"""


def cell(text: str) -> str:
    """Text for one Markdown table cell: pipes escaped, one line."""
    return " ".join(str(text).split()).replace("|", "\\|")


def values(setting: Setting) -> str:
    if setting.kind is str:
        return ", ".join(
            # a label that says no more than the value is left out: `tanh`, not `tanh` (tanh)
            f"`{value}` ({cell(label)})" if label and label != value else f"`{value}`"
            for value, label in setting.options.items()
        )
    return cell(setting.allowed())


def default(name: str) -> str:
    value, page = getattr(Config(), name), getattr(PAGE_DEFAULTS, name)
    return f"`{value}`" + ("" if page == value else f" (the page: `{page}`)")


def settings_table() -> list[str]:
    lines = [
        "## Settings",
        "",
        "| name (link, JSON) | CLI option | on the page | values | default | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for name, setting in SETTINGS.items():
        row = [
            f"`{name}`",
            f"`{setting.flag}`",
            cell(setting.label),
            values(setting),
            default(name),
            cell(setting.help),
        ]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def option_rows(parser: argparse.ArgumentParser) -> list[str]:
    """One row per option, but the settings' options (the table above) in one row."""
    rows, settings = [], []
    for action in parser._actions:  # argparse keeps no public list of a parser's arguments
        if isinstance(action, argparse._HelpAction):
            continue
        if action.dest in SETTINGS:
            settings.append(f"`{action.option_strings[0]}`")
            continue
        names = ", ".join(f"`{flag}`" for flag in action.option_strings) or f"`{action.metavar or action.dest}`"
        takes_value = action.option_strings and action.nargs != 0  # not a flag, not a positional
        metavar = f" `{action.metavar or action.dest.upper()}`" if takes_value else ""
        rows.append(f"| {names}{metavar} | {cell((action.help or '').replace('%%', '%'))} |")
    if settings:
        every = "the [settings](#settings), one option each: their values and defaults are in that table"
        rows.append(f"| {' '.join(settings)} | {every} |")
    return rows


def cli_section() -> list[str]:
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    lines = ["## The CLI", "", "`aelab COMMAND [options]`, or `python -m aelab COMMAND [options]` from a checkout:", ""]
    lines += ["| command | what it does |", "|---|---|"]
    lines += [f"| `{name}` | {cell(module.HELP)} |" for name, module in COMMANDS.items()]
    for name in COMMANDS:
        parser = subparsers.choices[name]
        lines += ["", f"### aelab {name}", "", cell(COMMANDS[name].HELP) + ".", ""]
        lines += ["| option | what it does |", "|---|---|", *option_rows(parser)]
    return lines


def render() -> str:
    return "\n".join([INTRO, *settings_table(), "", *cli_section()]) + "\n"


def main() -> int:
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
