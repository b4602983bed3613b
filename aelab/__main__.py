"""`python -m aelab ...` runs the command-line interface."""

import sys

from aelab.cli import main

sys.exit(main(prog="python -m aelab"))
