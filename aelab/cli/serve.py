"""`serve`: the page, from wherever the package is installed: `streamlit run` on aelab_page/app.py.

Streamlit reads the config file beside the script it runs (aelab_page/.streamlit/config.toml, a copy
of the checkout's .streamlit/config.toml that a test keeps equal), so the page looks and behaves as under
`streamlit run app.py` from any working directory. Streamlit runs as a program of its own (the library
never imports streamlit): on POSIX it replaces this process, so Ctrl-C, SIGTERM and the exit status are
Streamlit's own and no server outlives its command.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

HELP = "start the page in a local Streamlit server (then open the URL it prints)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8501, help="the port to listen on (default: 8501)")
    parser.add_argument(
        "--address", default="localhost", help="the address to listen on (default: localhost; 0.0.0.0 for all)"
    )
    parser.add_argument(
        "streamlit_options",
        nargs="*",
        metavar="-- STREAMLIT_OPTION",
        help="after `--`, any `streamlit run` option, e.g. -- --server.maxUploadSize 10",
    )


def page_script() -> Path:
    """aelab_page/app.py where it is installed (found without importing it, so without streamlit)."""
    spec = importlib.util.find_spec("aelab_page")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the aelab_page package is not installed beside aelab")
    return Path(spec.origin).parent / "app.py"


def streamlit_command(args: argparse.Namespace) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(page_script()),
        "--server.port", str(args.port),
        "--server.address", args.address,
        *args.streamlit_options,
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        print(f"error: port: {args.port} is not allowed (a whole number from 1 to 65535)", file=sys.stderr)
        return 2
    if importlib.util.find_spec("streamlit") is None:
        print("error: serve needs streamlit: pip install aelab (or pip install streamlit)", file=sys.stderr)
        return 1
    try:
        command = streamlit_command(args)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if os.name == "posix":
        os.execv(sys.executable, command)  # does not return
    with subprocess.Popen(command) as server:  # Windows: a child; Ctrl-C reaches it too, and it stops
        try:
            return server.wait()
        except KeyboardInterrupt:
            return server.wait()
