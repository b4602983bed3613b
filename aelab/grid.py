"""Grid sweeps: a sweep of the same seeds at every combination of a few settings' values.

`vary("lr=0.5,1,2,4")` reads one varied setting; `grid_cells(base, varied)` makes the cells
(every combination, the last setting varying fastest); `grid(base, varied, seeds)` sweeps them
all at once through aelab.sweep.sweep_cells, where cells that differ only in learning rate,
momentum, weight decay or noise train together in one batch (NumPy backend). Each cell's result is
exactly the sweep of its config (tests/test_grid.py checks it seed for seed on both backends).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from aelab.active_settings import DEPENDS_ON, is_active
from aelab.allowance import Allowance
from aelab.config import SETTINGS, Config, ConfigError
from aelab.optimizers import OPTIMIZERS
from aelab.report import cli_command
from aelab.results import SweepResult
from aelab.sweep import SweepProgress, sweep_cells

MAX_VALUES = 20  # per varied setting
MAX_CELLS = 100
FIXED = ("seed",)  # a grid's seeds are its --seeds and --first-seed, never a varied setting


@dataclass(frozen=True)
class Varied:
    """One varied setting: its name and the values it takes, parsed and checked, in the order given."""

    name: str
    values: tuple[object, ...]


def vary(text: str, base: Config | None = None) -> Varied:
    """ "NAME=V1,V2,..." -> Varied, each value checked as the setting's own (against `base`'s other
    settings: a hidden size must fit the width). ConfigError naming `vary` or the setting."""
    name, equals, values = str(text).partition("=")
    name = name.strip().replace("-", "_")
    if not equals or not name or not values.strip():
        raise ConfigError("vary", text, "NAME=V1,V2,... e.g. lr=0.5,1,2")
    if name not in SETTINGS or name in FIXED:
        allowed = ", ".join(setting for setting in SETTINGS if setting not in FIXED)
        raise ConfigError("vary", text, f"NAME is a setting: one of {allowed}")
    texts = [value.strip() for value in values.split(",")]
    if "" in texts or not 1 <= len(texts) <= MAX_VALUES:
        raise ConfigError("vary", text, f"1 to {MAX_VALUES} values, separated by commas")
    parsed = tuple(getattr(Config.from_strings({name: value}, base=base), name) for value in texts)
    if len(set(parsed)) != len(parsed):
        raise ConfigError("vary", text, "each value once")
    return Varied(name, parsed)


def value_text(value: object) -> str:
    """A varied value as every grid view writes it: 4.0 -> '4', 0.001 -> '0.001', 'sgd' -> 'sgd'."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def grid_command(base: Config, varied: Sequence[Varied], seeds: Sequence[int]) -> str:
    """The command line that runs this grid (the settings that differ from the defaults, as for a sweep)."""
    words = cli_command(base, seeds).split(" ")
    words[words.index("sweep")] = "grid"
    return " ".join(words + [f"--vary {item.name}={','.join(map(value_text, item.values))}" for item in varied])


@dataclass(frozen=True)
class Cell:
    settings: dict[str, object]  # the varied settings' values in this cell
    config: Config


def grid_cells(base: Config, varied: Sequence[Varied]) -> list[Cell]:
    """Every combination of the varied values over `base`, the last varied setting changing fastest.
    ConfigError when a setting is varied twice, there are too many cells, or a combination is refused."""
    names = [item.name for item in varied]
    if len(set(names)) != len(names):
        raise ConfigError("vary", ", ".join(names), "each setting once")
    count = math.prod(len(item.values) for item in varied)  # before building any: 20^8 would never end
    if count > MAX_CELLS:
        raise ConfigError("vary", f"{count} cells", f"at most {MAX_CELLS} cells")
    cells = []
    for values in itertools.product(*(item.values for item in varied)):
        settings = dict(zip(names, values, strict=True))
        cells.append(Cell(settings, Config.from_strings({n: str(v) for n, v in settings.items()}, base=base)))
    for item in varied:  # a setting no cell reads would give identical cells
        if not any(is_active(item.name, cell.config) for cell in cells):
            raise ConfigError(item.name, ",".join(map(value_text, item.values)), _unused_because(item.name, base))
    return cells


def _unused_because(name: str, base: Config) -> str:
    """Why varying `name` would give identical cells, e.g. 'used only by optimizer momentum (this grid's is sgd)'."""
    users = [entry.name for entry in OPTIMIZERS.values() if name in entry.reads]
    if users:
        return f"used only by optimizer {' or '.join(users)} (this grid's is {base.optimizer}); vary optimizer too"
    if name in DEPENDS_ON:
        other = DEPENDS_ON[name]
        return f"no effect with this grid's {other} {getattr(base, other)}; vary {other} too"
    return "no effect on any cell of this grid"


def shared_description(cells: Sequence[Cell]) -> str:
    """What every cell runs, in Config.describe's words (without the seed): a word that differs between
    cells (`lr=0.5`, `sgd`) is left out, so the base's own value of a varied setting is never shown."""
    described = [cell.config.describe(with_seed=False).split(" ") for cell in cells]
    words = [word for word in described[0] if all(word in words for words in described[1:])]
    size, place = shared_size(cells), int(words[:1] == described[0][:1])  # after the backend, if shared
    return " ".join(words if size in words else [*words[:place], size, *words[place:]])


def shared_size(cells: Sequence[Cell]) -> str:
    """The cells' N-k-N in Config.describe's words, with a letter for a size that differs between cells
    ('8-k-8' when the bottleneck is varied), so that a grid's description always names its size."""
    widths = {cell.config.width for cell in cells}
    hiddens = {cell.config.hidden for cell in cells}
    width = str(next(iter(widths))) if len(widths) == 1 else "N"
    hidden = str(next(iter(hiddens))) if len(hiddens) == 1 else "k"
    return f"{width}-{hidden}-{width}"


SCALES = (0.25, 0.5, 1, 2)  # the values a number's default grid takes, as multiples of its current value
FROM_OFF = {"weight_decay": "0,0.001,0.003", "noise": "0,0.1,0.2", "restart_after": "0,200,500"}


def default_values(name: str, config: Config) -> str:
    """Values to start a grid of `name` from, around `config`'s own: x0.25, x0.5, x1, x2 of a number,
    within its limits (0.25 of lr 50: '12.5,25,50,100'); a setting at 0 (off) from off upwards; every
    choice of a text setting."""
    setting, value = SETTINGS[name], getattr(config, name)
    if setting.kind is str:
        return ",".join(setting.options)
    if not value:
        return FROM_OFF.get(name, "")
    high = getattr(config, setting.high_field) if setting.high_field else setting.high
    values = [min(max(value * scale, setting.low), high) for scale in SCALES]
    if setting.kind is int:
        values = [round(number) for number in values]
    return ",".join(dict.fromkeys(f"{number:.3g}" if setting.kind is float else str(number) for number in values))


@dataclass
class GridResult:
    base: Config
    varied: list[Varied]
    seeds: list[int]
    cells: list[Cell]
    sweeps: list[SweepResult]  # one per cell, aligned with cells
    seconds: float  # the whole grid's training time (each cell's sweep holds it too)
    stopped: bool


def grid(
    base: Config,
    varied: Sequence[Varied],
    seeds: Sequence[int],
    on_progress: Callable[[SweepProgress], bool | None] | None = None,
    progress_interval: float = 0.2,
    allowance: Allowance | None = None,
    *,
    compact: bool = True,
    inputs: np.ndarray | None = None,
) -> GridResult:
    """Sweep `seeds` in every cell of the grid. Stopped (the callback or the allowance), the cells
    keep what was found, the seeds not reached counting as not started. `inputs`: a csv set's (P, N)
    patterns, which every cell trains on."""
    cells = grid_cells(base, varied)
    sweeps = sweep_cells([cell.config for cell in cells], seeds, on_progress, progress_interval, allowance,
                         compact=compact, inputs=inputs)  # fmt: skip
    seconds = sweeps[0].seconds if sweeps else 0.0
    stopped = any(result.stopped for result in sweeps)
    return GridResult(base, list(varied), list(seeds), cells, sweeps, seconds, stopped)
