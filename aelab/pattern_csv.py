"""The user's own patterns from CSV text: one pattern a row, one number in 0..1 a column, strictly checked.

Size-limited before anything is parsed (bytes, then rows and columns), so that an upload cannot ask
for more memory than its limits; every fault is a ConfigError naming the field (`csv` plus the
file's line and the column where there is one), the value and what is allowed. A first row with no
number in it is taken as a header and skipped.
"""

from __future__ import annotations

import math

import numpy as np

from aelab.patterns import MAX_PATTERNS, Patterns, binary_values
from aelab.settings import SETTINGS, ConfigError

MAX_BYTES = 2_000_000
MAX_WIDTH = int(SETTINGS["width"].high)
MIN_WIDTH = int(SETTINGS["width"].low)


def load_csv(text: str | bytes) -> Patterns:
    """(P, N) patterns from CSV text, comma-separated; ConfigError for anything else."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise ConfigError("csv", f"{len(text):,} bytes", f"at most {MAX_BYTES:,} bytes")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError("csv", "the file", "UTF-8 text") from None
    if len(text) > MAX_BYTES:
        raise ConfigError("csv", f"{len(text):,} characters", f"at most {MAX_BYTES:,} characters")
    # (line number in the file, its text) for each line that is not blank: faults name the file's own lines
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if lines and not any(_numeric(cell) for cell in lines[0][1].split(",")):
        lines = lines[1:]  # a header: a first row with no number in it
    if not lines:
        raise ConfigError("csv", "no rows", "at least one row of numbers, one pattern a row")
    if len(lines) > MAX_PATTERNS:
        raise ConfigError("csv", f"{len(lines):,} rows", f"at most {MAX_PATTERNS:,} patterns, one a row")
    rows = [_row(line, number) for number, line in lines]
    width = len(rows[0])
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ConfigError("csv", f"{width} columns", f"from {MIN_WIDTH} to {MAX_WIDTH} columns, one per input")
    for (number, _), row in zip(lines, rows, strict=True):
        if len(row) != width:
            raise ConfigError(f"csv line {number}", f"{len(row)} values", f"{width}, as many as the first row")
    inputs = np.array(rows, dtype=np.float64)
    return Patterns(inputs, binary=binary_values(inputs))


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _row(line: str, number: int) -> list[float]:
    values = []
    for column, cell in enumerate(line.split(","), start=1):
        cell = cell.strip()
        try:
            value = float(cell) if cell.isascii() else math.nan
        except ValueError:
            value = math.nan
        if not 0.0 <= value <= 1.0:  # NaN fails too
            raise ConfigError(f"csv line {number} column {column}", cell, "a number from 0 to 1")
        values.append(value)
    return values
