"""Which settings make a difference to a run, and how to say their values briefly.

A setting is *active* when its value changes what the run does: Momentum only with the momentum
optimizer, Quickprop growth only with quickprop, Rprop's step bounds only with rprop, the Torch device
only on torch, epochs more once solved only with a goal to stop at, a pattern set's count, density and
seed only with a set that reads them, and a setting whose
value means "off" (flat-spot offset 0, weight decay 0, noise 0, restarts 0, full batch) is not. The
lesson header shows only the active settings, and a pinned run is labelled by the active settings
that differ between the pinned runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aelab.config import SETTINGS, Config
from aelab.optimizers import OPTIMIZERS
from aelab.patterns import PATTERN_SETS


def _read_by(optimizer: str) -> Callable[[Config], bool]:
    return lambda config: config.optimizer == optimizer


def _set_reads(name: str, config: Config) -> bool:
    return name in PATTERN_SETS[config.data].reads


# An optimizer's own settings (momentum, quickprop's growth, rprop's step bounds) act only with it:
# OPTIMIZERS says which each reads.
OPTIMIZER_SETTINGS = {name: entry.name for entry in OPTIMIZERS.values() for name in sorted(entry.reads)}

# name -> when that setting acts on the run; a setting not listed always does.
ACTIVE_WHEN: dict[str, Callable[[Config], bool]] = {
    **{name: _read_by(optimizer) for name, optimizer in OPTIMIZER_SETTINGS.items()},
    "flat_spot": lambda config: config.flat_spot > 0,
    "batch_size": lambda config: config.minibatch,
    "weight_decay": lambda config: config.weight_decay > 0,
    "noise": lambda config: config.noise > 0,
    "noise_schedule": lambda config: config.noise > 0,
    "restart_after": lambda config: config.restart_after > 0,
    "device": lambda config: config.backend == "torch",
    "hold": lambda config: config.stop != "never" and config.hold > 0,
    # the pattern set (one_hot: the encoder problem, as "off") and its parameters where the set reads them
    "data": lambda config: config.data != "one_hot",
    "output": lambda config: config.output != "auto",
    "patterns": lambda config: _set_reads("patterns", config) or config.data == "csv",  # (csv: the file's count)
    "density": lambda config: _set_reads("density", config),
    # bars draw nothing for their own count, the 2 side single bars
    "data_seed": lambda config: _set_reads("data_seed", config) and (config.data != "bars" or config.patterns > 0),
}
# Settings that act only as another setting allows (above, the rest are off by their own value): two
# runs differ in one of these only where it acts in both, as the other setting already tells them apart.
DEPENDS_ON = {
    **dict.fromkeys(OPTIMIZER_SETTINGS, "optimizer"),
    "noise_schedule": "noise",
    "device": "backend",
    "patterns": "data",
    "density": "data",
    "data_seed": "data",
}


def is_active(name: str, config: Config) -> bool:
    """Whether setting `name` changes what a run of `config` does."""
    return ACTIVE_WHEN.get(name, lambda _: True)(config)


def active_settings(config: Config) -> list[str]:
    """The names of the settings that act on a run of `config`, in SETTINGS order."""
    return [name for name in SETTINGS if is_active(name, config)]


def setting_text(name: str, config: Config) -> str:
    """A setting's value as a reader sees it: a choice's label ('SGD + momentum'), a number in short
    form ('0.003', '5000')."""
    setting, value = SETTINGS[name], getattr(config, name)
    if setting.kind is str:
        return setting.options.get(value) or value
    return f"{value:g}" if setting.kind is float else str(value)


def shown_value(name: str, config: Config) -> str | None:
    """setting_text, or None where the setting does not act on this run (so two runs that both leave
    it off do not differ in it)."""
    return setting_text(name, config) if is_active(name, config) else None


def differing_settings(configs: Sequence[Config]) -> list[str]:
    """The settings whose shown value (None when off) differs between some of `configs`; for one that
    depends on another setting (DEPENDS_ON), between the configs it acts in."""
    names = []
    for name in SETTINGS:
        values = {shown_value(name, config) for config in configs}
        if name in DEPENDS_ON:
            values.discard(None)
        if len(values) > 1:
            names.append(name)
    return names


def difference_labels(configs: Sequence[Config]) -> list[str]:
    """One label per config naming only what tells it apart from the others, e.g.
    ['Optimizer SGD, Learning rate 50', 'Optimizer Adam, Learning rate 0.1']; a setting one run
    leaves off reads 'off', one that does not apply to a run (Momentum with SGD) is left out of its
    label. Runs of the same settings are all labelled 'same settings'."""
    names = differing_settings(configs)
    if not names:
        return ["same settings"] * len(configs)
    return [", ".join(_difference(name, config) for name in names if _applies(name, config)) for config in configs]


def _applies(name: str, config: Config) -> bool:
    """Whether `name` belongs in `config`'s label: it acts, or it is off by its own value."""
    return name not in DEPENDS_ON or is_active(name, config)


def _difference(name: str, config: Config) -> str:
    return f"{SETTINGS[name].label} {shown_value(name, config) or 'off'}"
