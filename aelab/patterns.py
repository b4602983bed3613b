"""The pattern sets the lab trains on: one table, one entry each (`PATTERN_SETS`).

An autoencoder's targets are its inputs, so a pattern set is P patterns of N inputs, (P, N) in 0..1.
Each entry says how many patterns it makes by default, which widths it can fill, whether its
targets are binary (then the 40-20-40 rule, the goals, sweeps and the binary-code figures apply; for
real-valued data the figures are the reconstruction error and the share of variance explained), and
makes the patterns, with labels where they exist and an image shape where they are images. A csv
file's targets are binary when its values are (`binary_targets`: every value 0 or 1).

The encoder problem's one-hot set is the identity matrix: pattern i has its single 1 at unit i.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from aelab.tables import by_name

if TYPE_CHECKING:
    from aelab.config import Config

DIGITS_COUNT = 1797  # the 8x8 digits: UCI's optdigits test set, as scikit-learn ships it (see pattern_data/)
DIGITS_WIDTH = 64
MAX_PATTERNS = 4096


@dataclass(frozen=True)
class Patterns:
    """P patterns of N inputs (the targets too), and what is known about them."""

    inputs: np.ndarray  # (P, N) float64 in 0..1
    labels: np.ndarray | None = None  # (P,) int: the class of each pattern, where there is one
    image_shape: tuple[int, int] | None = None  # (rows, columns) when each pattern is an image
    binary: bool = True  # every value is 0 or 1


@dataclass(frozen=True)
class PatternSet:
    """One kind of data. `make(width, count, density, seed)` gets a width `width_problem` accepts and a count
    from 1 to `most(width)`; `count(width)` is how many it makes when none is asked for (the `patterns`
    setting's 0)."""

    name: str
    label: str
    binary: bool | None  # the targets are binary: 40-20-40 and the code figures apply; None: its values say
    count: Callable[[int], int]
    most: Callable[[int], int]
    make: Callable[[int, int, float, int], Patterns]
    width_problem: Callable[[int], str | None] = lambda width: None  # the allowed widths, when this one is not
    default_width: int | None = None  # what text settings (CLI, links) that name this set but no width get
    default_lr: float | None = None  # ... and no lr: one that trains it (the default 50 is tuned to one-hot)
    intro: str = ""  # the page's first sentence for this set (Markdown)
    reads: tuple[str, ...] = ()  # the settings `make` reads beyond the width: the page shows only these

    def lr(self, otherwise: float) -> float:
        """The learning rate a run on this set starts from: its own, or `otherwise` (one_hot's is the default)."""
        return otherwise if self.default_lr is None else self.default_lr


def one_hot_patterns(width: int, dtype: str = "float64") -> np.ndarray:
    """The (N, N) matrix whose row i is pattern i."""
    return np.eye(width, dtype=dtype)


def is_one_hot(data: np.ndarray) -> bool:
    """True when `data` is the identity: pattern i is 1 at unit i and 0 elsewhere.

    Then X @ W = W and Xᵀ @ D = D exactly, and pattern i's target unit is i: the one
    place where code may take those shortcuts is behind this test, so that other data
    takes the general path."""
    return data.ndim == 2 and data.shape[0] == data.shape[1] and np.array_equal(data, np.eye(len(data)))


def _rng(seed: int, name: str) -> np.random.Generator:
    """The data's own stream: the same data for every weight seed of a sweep, and per set its own draws."""
    return np.random.default_rng([seed, *name.encode()])


def _one_hot(width: int, count: int, density: float, seed: int) -> Patterns:
    return Patterns(one_hot_patterns(width), labels=np.arange(width))


def _random_binary(width: int, count: int, density: float, seed: int) -> Patterns:
    """P patterns, each bit 1 with probability `density`, independently."""
    bits = _rng(seed, "random_binary").random((count, width)) < density
    return Patterns(bits.astype(np.float64))


def _side(width: int) -> int:
    return round(width**0.5)


def _bars_width(width: int) -> str | None:
    side = _side(width)
    if side >= 2 and side * side == width:
        return None
    return "bars fill a square grid: a square width, 4, 9, 16, 25, ... (side x side)"


def single_bars(side: int) -> np.ndarray:
    """(2 side, side²): bar b < side is row b of the grid, bar side + c is column c."""
    bars = np.zeros((2 * side, side, side))
    for b in range(side):
        bars[b, b, :] = 1
        bars[side + b, :, b] = 1
    return bars.reshape(2 * side, side * side)


def _bars(width: int, count: int, density: float, seed: int) -> Patterns:
    """Földiák (1990): the 2 side single bars when `count` is their number; otherwise `count` images in
    which each bar is present independently with probability 1 / side (his 8x8 grid: 1/8), overlaid."""
    side = _side(width)
    bars = single_bars(side)
    if count == 2 * side:
        return Patterns(bars, labels=np.arange(2 * side), image_shape=(side, side))
    present = _rng(seed, "bars").random((count, 2 * side)) < 1 / side
    return Patterns(np.minimum(present @ bars, 1.0), image_shape=(side, side))


def _digits(width: int, count: int, density: float, seed: int) -> Patterns:
    """The first `count` of the 1797 8x8 digits, grey levels 0..16 scaled to 0..1, labelled 0..9."""
    table = _digits_table()
    return Patterns(
        table[:count, :-1] / 16.0, labels=table[:count, -1].astype(np.int64), image_shape=(8, 8), binary=False
    )


@cache
def _digits_table() -> np.ndarray:
    """(1797, 65): 64 grey levels then the label, read once from the file shipped in the package."""
    raw = resources.files("aelab").joinpath("pattern_data", "digits.csv.gz").read_bytes()
    return np.loadtxt(gzip.decompress(raw).decode().splitlines(), delimiter=",", dtype=np.int64)


def _from_file(width: int, count: int, density: float, seed: int) -> Patterns:
    raise ValueError("csv patterns come from a file: aelab.pattern_csv.load_csv reads it, config_patterns takes it")


def _digits_width(width: int) -> str | None:
    return None if width == DIGITS_WIDTH else "the digits are 8x8 images: 64"


PATTERN_SETS: dict[str, PatternSet] = by_name(
    PatternSet(
        "one_hot",
        "one-hot (the encoder problem)",
        True,
        count=lambda n: n,
        most=lambda n: n,
        make=_one_hot,
        intro="Squeeze N one-hot patterns through k hidden units and reconstruct them: "
        "the classic **encoder problem**.",
    ),
    PatternSet(
        "random_binary",
        "random binary",
        True,
        count=lambda n: n,
        most=lambda n: MAX_PATTERNS,
        make=_random_binary,
        reads=("patterns", "density", "data_seed"),
        default_lr=10.0,  # the one-hot 50 rarely solves them (docs/patterns.md, tests/test_pattern_recipes.py)
        intro="Squeeze random binary patterns through k hidden units and reconstruct them.",
    ),
    PatternSet(
        "bars",
        "bars (Földiák 1990)",
        True,
        count=lambda n: 2 * _side(n),
        most=lambda n: MAX_PATTERNS,
        make=_bars,
        reads=("patterns", "data_seed"),  # the seed draws the overlaid images (any count but the 2 side bars)
        width_problem=_bars_width,
        default_width=16,
        intro="Squeeze images of horizontal and vertical **bars** through k hidden units and reconstruct them.",
    ),
    PatternSet(
        "digits",
        "8x8 digits",
        False,
        count=lambda n: DIGITS_COUNT,
        most=lambda n: DIGITS_COUNT,
        make=_digits,
        reads=("patterns",),  # the first `patterns` of them
        width_problem=_digits_width,
        default_width=DIGITS_WIDTH,
        # tanh, sigmoid outputs, k 3, 1000 epochs: 17-25% of the variance, seeds 0-2 (the PCA floor's 40%; lr 1 left
        # them worse than the mean pattern, -2%); 20 does a little better but diverges with linear outputs
        default_lr=10.0,
        intro="Squeeze 8x8 images of handwritten **digits** (grey levels 0..1) through k hidden units and "
        "reconstruct them: real values, so no binary code; the **PCA floor** is the least error a linear net "
        "through k units can reach (a nonlinear one may go below it).",
    ),
    PatternSet(
        "csv",
        "your own (CSV)",
        None,  # a file of 0s and 1s is binary, any other real-valued
        count=lambda n: 0,
        most=lambda n: MAX_PATTERNS,
        make=_from_file,
        intro="Squeeze your own patterns (a CSV file, one a row) through k hidden units and reconstruct them.",
    ),
)


def make_patterns(data: str, width: int, patterns: int = 0, density: float = 0.5, seed: int = 0) -> Patterns:
    """The set `data` makes at this width: `patterns` of them, or with 0 the set's own count.
    The arguments are a valid Config's (config.check_combination holds them to the entry)."""
    entry = PATTERN_SETS[data]
    return entry.make(width, patterns or entry.count(width), density, seed)


# Where a csv set's patterns come from: what a ConfigError for a csv run without them allows.
CSV_FILE = "--csv FILE, or the page's upload"


def binary_values(values: np.ndarray) -> bool:
    """Every value is 0 or 1: what makes a set's targets binary."""
    return bool(np.isin(values, (0.0, 1.0)).all())


def binary_targets(config: Config, inputs: np.ndarray | None = None) -> bool:
    """Whether a run of `config` has binary targets (the 40-20-40 rule, the goals, sweeps and the code figures
    apply): its set's kind, or for a csv set the values of its file's `inputs` (P, N), which it needs."""
    known = PATTERN_SETS[config.data].binary
    if known is not None:
        return known
    if inputs is None:
        from aelab.settings import ConfigError  # (settings reads this module's table)

        raise ConfigError("data", "csv", CSV_FILE, needs=f"needs a file ({CSV_FILE})")
    return binary_values(inputs)


def config_patterns(config: Config, inputs: np.ndarray | None = None) -> Patterns:
    """The patterns a run of `config` trains on. A csv run is handed its `inputs` (P, N), which must have the
    config's shape, and may have a goal when they are binary; any other set makes its own."""
    if config.data != "csv":
        return make_patterns(config.data, config.width, config.patterns, config.density, config.data_seed)
    from aelab.settings import ConfigError  # (settings reads this module's table)

    binary = binary_targets(config, inputs)
    expected = (config.pattern_count, config.width)
    if inputs.shape != expected:
        raise ConfigError("data", "csv", f"patterns of the config's (patterns, width) {expected}, not {inputs.shape}")
    if config.stop != "never" and not binary:  # check_combination leaves a file's goal to its values
        from aelab.config import stop_needs_binary

        raise stop_needs_binary(config.stop, "csv")
    return Patterns(np.asarray(inputs, dtype=np.float64), binary=binary)
