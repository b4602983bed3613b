"""What a recipe search varies: `--vary NAME=LOW:HIGH[:log]` (a range) or `--vary NAME=A,B,...` (choices,
read as `grid --vary` reads them).

Each spec is read against SETTINGS, so a range never leaves what the setting allows and a bad spec is
one ConfigError naming the field, the value and what is allowed. A Dimension hands its value to an
Optuna trial (`suggest`), and writes itself back as the text it was read from (`spec`), which a
study records so that a rerun with another space is refused instead of mixed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aelab.grid import vary
from aelab.settings import SETTINGS, ConfigError, Setting

# The problem (size, pattern set) is the study's, the seeds are the sweep's, and a sweep stops once
# solved: none of these varies.
NOT_VARIED = ("width", "hidden", "data", "patterns", "density", "data_seed", "seed", "epochs", "stop", "hold")
VARIABLE = tuple(name for name in SETTINGS if name not in NOT_VARIED)
SPEC_FORM = "NAME=LOW:HIGH, NAME=LOW:HIGH:log or NAME=A,B,..."


@dataclass(frozen=True)
class Dimension:
    """One varied setting: a range low..high (on a log scale when `log`), or a list of choices."""

    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[object, ...] = ()

    def suggest(self, trial: object) -> object:
        """This setting's value for an Optuna trial (a value fixed by an enqueued trial comes back as is)."""
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if SETTINGS[self.name].kind is int:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)

    def holds(self, value: object) -> bool:
        """Whether `value` is one this dimension can take."""
        return value in self.choices if self.choices else self.low <= value <= self.high

    @property
    def spec(self) -> str:
        if self.choices:
            return f"{self.name}={','.join(str(choice) for choice in self.choices)}"
        return f"{self.name}={self.low:g}:{self.high:g}" + (":log" if self.log else "")


def parse_space(specs: Sequence[str]) -> tuple[Dimension, ...]:
    """The --vary specs as Dimensions, each setting at most once and at least one; else a ConfigError."""
    if not specs:
        raise ConfigError("vary", "", f"at least one --vary {SPEC_FORM}")
    space = tuple(parse_dimension(spec) for spec in specs)
    names = [dimension.name for dimension in space]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise ConfigError("vary", twice, "each setting at most once")
    return space


def parse_dimension(spec: str) -> Dimension:
    name, equals, values = str(spec).partition("=")
    name = name.strip().replace("-", "_")
    if not equals or name not in VARIABLE or not values.strip():
        raise ConfigError("vary", spec, f"{SPEC_FORM}; NAME one of: {', '.join(VARIABLE)}")
    setting = SETTINGS[name]
    if ":" in values:
        return _range(setting, values)
    return _choices(setting, values)


def _range(setting: Setting, text: str) -> Dimension:
    field = f"vary {setting.name}"
    if setting.kind is str:
        raise ConfigError(field, text, f"a list of choices A,B,...; {setting.allowed()}")
    parts = [part.strip() for part in text.split(":")]
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2].lower() != "log"):
        raise ConfigError(field, text, "LOW:HIGH or LOW:HIGH:log")
    low, high = (_value(setting, field, part) for part in parts[:2])
    log = len(parts) == 3
    if not low < high:
        raise ConfigError(field, text, "LOW below HIGH")
    if log and low <= 0:
        raise ConfigError(field, text, "a log range needs LOW above 0")
    return Dimension(setting.name, low, high, log)


def _choices(setting: Setting, text: str) -> Dimension:
    """NAME=A,B,...: read as a grid's --vary is (aelab.grid.vary), the same values and the same refusals."""
    return Dimension(setting.name, choices=vary(f"{setting.name}={text}").values)


def _value(setting: Setting, field: str, text: str) -> object:
    """One bound or choice, parsed and checked as the setting itself is (limits, choices)."""
    try:
        value = setting.parse(text)
        setting.check(value)
    except ConfigError as error:
        raise ConfigError(field, text, error.allowed) from None
    return value
