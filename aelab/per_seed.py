"""Settings that may differ from seed to seed within one batch: a grid's cells that share a shape
train together, each seed with its own cell's learning rate, momentum, weight decay and noise.

Every update rule is elementwise per seed, so a seed's row with its own number is updated exactly
as a run of that seed alone with that number: the NumPy backend applies a setting that varies as
an (S, 1) column in the dtype a Python float of it is applied in (see aelab.backends.numpy_optim),
and one that does not vary as the plain number, as a single run does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np

from aelab.config import Config

# The settings a batch may hold per seed. Any other difference between two cells is a different
# computation (shape, optimizer, loss, ...): those cells train in batches of their own.
VECTOR_SETTINGS = ("lr", "momentum", "weight_decay", "noise")


@dataclass(frozen=True)
class SeedSettings:
    """{setting: (S,) float64 values}, only for the settings that differ between the batch's seeds."""

    values: dict[str, np.ndarray]

    def select(self, rows: np.ndarray) -> SeedSettings:
        return SeedSettings({name: values[rows] for name, values in self.values.items()})

    def column(self, name: str, config: Config, dtype: np.dtype | str = np.float64) -> float | np.ndarray:
        """The setting as the backends apply it: the config's number when every seed has it, else
        an (S, 1) column in `dtype`."""
        if name not in self.values:
            return getattr(config, name)
        return self.values[name].astype(dtype)[:, None]

    def optimizer_settings(self, config: Config) -> SimpleNamespace:
        """What an optimizer reads (aelab.optimizers.Hyper), lr and momentum as columns where they vary."""
        fixed = ("max_growth", "rprop_min_step", "rprop_max_step")
        return SimpleNamespace(
            lr=self.column("lr", config), momentum=self.column("momentum", config),
            **{name: getattr(config, name) for name in fixed},
        )  # fmt: skip

    def vector(self, name: str, config: Config) -> float | np.ndarray:
        """The setting as one number, or (S,) float64 values where the seeds differ."""
        return self.values[name] if name in self.values else getattr(config, name)


def batch_key(config: Config) -> Config:
    """What seeds must share to train in one batch: the config with its vector settings neutral."""
    return replace(config, **{name: getattr(Config(), name) for name in VECTOR_SETTINGS})


def shared_config(configs: Sequence[Config]) -> tuple[Config, SeedSettings]:
    """One config for a batch whose seeds have `configs` (one per seed, equal but for VECTOR_SETTINGS),
    and the settings that differ. The config holds the first seed's numbers, but for noise, the
    largest: a batch draws noise when any of its seeds is noisy (a seed with noise 0 gets 0 x its draw)."""
    first = configs[0]
    values = {}
    for name in VECTOR_SETTINGS:
        column = np.array([getattr(config, name) for config in configs], dtype=np.float64)
        if (column != column[0]).any():
            values[name] = column
    shared = replace(first, noise=max(config.noise for config in configs))
    return shared, SeedSettings(values)


NO_SEED_SETTINGS = SeedSettings({})
