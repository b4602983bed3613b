"""The command line: `aelab COMMAND ...` (or `python -m aelab COMMAND ...`), one module per command (COMMANDS).

The CLI runs the same library code as the page. Options are made from
`aelab.config.SETTINGS` (one per Config field, `--init-scale` or
`--init_scale`) and parsed by `Config.from_strings`, so the CLI, the page and
share links accept and reject exactly the same values, and `--help` lists
them. Bad input exits with status 2 and one line on stderr, nothing on stdout.

A command module has HELP (its line in --help), add_arguments(parser) and run(args) -> exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from aelab.cli import bench, data, grid, search, serve, sweep, train
from aelab.cli.common import Parser, until_reader_leaves

COMMANDS = {
    "train": train,
    "sweep": sweep,
    "grid": grid,
    "bench": bench,
    "data": data,
    "search": search,
    "serve": serve,
}


def build_parser(prog: str = "aelab") -> argparse.ArgumentParser:
    parser = Parser(prog=prog, description="aelab: train N-k-N autoencoders from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, module in COMMANDS.items():
        module.add_arguments(commands.add_parser(name, help=module.HELP))
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "aelab") -> int:
    """The `aelab` console script (pyproject.toml) and `python -m aelab`: the exit status."""
    args = build_parser(prog).parse_args(argv)
    return until_reader_leaves(lambda: COMMANDS[args.command].run(args))
