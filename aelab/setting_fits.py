"""What one changed setting makes the others do, said in words: each other setting that changes with it is a
`Fit` naming the setting, its old and new value and why, so that nothing changes silently.

Two things follow a change: a new pattern set brings its own learning rate (PatternSet.lr, the same entry
that CLI and links read), and every setting that then clashes with the others is made to fit
(config.fit_together: the digits' width 64, an output the loss takes ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from aelab.config import Config, ConfigError, fit_together
from aelab.patterns import PATTERN_SETS
from aelab.settings import SETTINGS


@dataclass(frozen=True)
class Fit:
    """One setting that another one's value changed: `field` went from `old` to `new` because `why`."""

    field: str
    old: object
    new: object
    why: str

    def text(self, value: Callable[[str], str] = str) -> str:
        """e.g. 'Output layer: linear → auto (loss bce takes: auto, sigmoid)'; `value` dresses each value (the
        page's code spans)."""
        old, new = (value(_value_text(v)) for v in (self.old, self.new))
        return f"{SETTINGS[self.field].label}: {old} → {new} ({self.why})"

    def __str__(self) -> str:
        return self.text()


def _value_text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def clash_fits(values: Mapping[str, object], config: Config, clashes: Sequence[ConfigError]) -> list[Fit]:
    """fit_together's clashes as Fits: each clashing setting once, from its value in `values` to the
    config's (a setting changed twice on the way gives its first reason)."""
    fits: dict[str, Fit] = {}
    for error in clashes:
        old, new = values.get(error.field, error.value), getattr(config, error.field)
        if error.field not in fits and old != new:
            fits[error.field] = Fit(error.field, old, new, error.reason)
    return list(fits.values())


def set_lr_fit(old_data: str, new_data: str, lr: float, default_lr: float) -> Fit | None:
    """The learning rate a switch of pattern set brings: the new set's own (PatternSet.lr, `default_lr` where it
    has none) when it differs from the old set's; a learning rate set by hand for sets that share one stays."""
    old_set_lr, new_set_lr = (PATTERN_SETS[data].lr(default_lr) for data in (old_data, new_data))
    if old_set_lr == new_set_lr or lr == new_set_lr:
        return None
    own = PATTERN_SETS[new_data].default_lr is not None
    why = f"the rate data {new_data} trains at" if own else f"the default rate, for data {new_data}"
    return Fit("lr", lr, new_set_lr, why)


def fit_change(
    base: Config, values: Mapping[str, object], changed: str, old: object, csv_shape: tuple | None = None
) -> tuple[Config, list[Fit]]:
    """The config `values` make after setting `changed` went from `old` to its value there: a new pattern set's
    learning rate, then every clash fitted (over `base`, as fit_together). Also each other setting that changed,
    as a Fit."""
    values = dict(values)
    fits = []
    if changed == "data" and old != values["data"] and old in PATTERN_SETS:
        lr_fit = set_lr_fit(str(old), str(values["data"]), float(values["lr"]), base.lr)
        if lr_fit:
            values["lr"] = lr_fit.new
            fits.append(lr_fit)
    config, clashes = fit_together(base, values, csv_shape)
    return config, fits + clash_fits(values, config, clashes)
