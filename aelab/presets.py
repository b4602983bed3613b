"""Presets: a size and the recipe that works best for it, for the page's menu and `--preset`.

Each tight preset's recipe was chosen on seeds 10000..10099 only and is judged
on others (0..99, 1000..1099): `benchmarks/recipe_table.py` measures them with
the sweep CLI and writes the table in docs/evidence.md. No recipe knows its seeds. 128-7-128's
was chosen by `python -m aelab search` on seeds 10000..10007 and judged on 0..99
(docs/search.md).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from aelab.config import PAGE_DEFAULTS, Config, ConfigError, config_from_partial_strings
from aelab.tables import by_name


@dataclass(frozen=True)
class Preset:
    name: str  # what --preset takes, e.g. "16-4-16"
    title: str  # the page's menu label
    settings: dict[str, object] = field(default_factory=dict)  # width, hidden and the recipe
    evidence: str = ""  # what the recipe reaches, as measured

    @property
    def size(self) -> tuple[int, int]:
        return int(self.settings["width"]), int(self.settings["hidden"])

    def describe(self) -> str:
        config = Config(**self.settings)
        return config.describe(with_seed=False).split(" ", 1)[1] + f", {config.epochs:,} epochs"


# Recipes for the tight sizes (k = ceil(log2 N)), and two classics. The evidence strings are the
# the table in docs/evidence.md (seeds 0..99, NumPy, one core), made by benchmarks/preset_table.py.
# From 4-2-4 to 64-6-64 one family works: softmax + CE, SGD with momentum 0.9, a little hidden noise,
# weight decay that shrinks as N grows (it keeps tanh units from saturating with two patterns stuck in
# one corner), and restarts for the seeds that get stuck anyway.
_FAMILY = {"activation": "tanh", "loss": "softmax_ce", "optimizer": "momentum", "momentum": 0.9, "init_scale": 0.2}
PRESETS: dict[str, Preset] = by_name(
    Preset(
        "8-3-8",
        "Classic 8-3-8",
        {
            "width": 8,
            "hidden": 3,
            **_FAMILY,
            "lr": 1.0,
            "weight_decay": 3e-3,
            "noise": 0.2,
            "restart_after": 300,
            "epochs": 5000,
        },
        "Solved (outputs and distinct codes) on 100% of seeds 0..99 and 1000..1099, median epoch 38 and 46",
    ),
    Preset(
        "4-2-4",
        "Tiny 4-2-4",
        {
            "width": 4,
            "hidden": 2,
            **_FAMILY,
            "lr": 0.5,
            "weight_decay": 6e-3,
            "noise": 0.2,
            "restart_after": 100,
            "epochs": 5000,
        },
        "Solved on 100% of seeds 0..99 and 1000..1099, median epoch 18",
    ),
    Preset(
        "16-4-16",
        "Tight 16-4-16",
        {
            "width": 16,
            "hidden": 4,
            **_FAMILY,
            "lr": 1.0,
            "weight_decay": 3e-3,
            "noise": 0.2,
            "restart_after": 400,
            "epochs": 5000,
        },
        "Solved on 100% of seeds 0..99 and 1000..1099, median epoch 126 and 131",
    ),
    Preset(
        "32-5-32",
        "Tight 32-5-32",
        {
            "width": 32,
            "hidden": 5,
            **_FAMILY,
            "lr": 2.0,
            "weight_decay": 1.5e-3,
            "noise": 0.2,
            "restart_after": 500,
            "epochs": 5000,
        },
        "Solved on 100% of seeds 0..99 and 1000..1099, median epoch 266 and 304; a 100-seed sweep takes ~3 s",
    ),
    Preset(
        "64-6-64",
        "Tight 64-6-64",
        {
            "width": 64,
            "hidden": 6,
            **_FAMILY,
            "lr": 4.0,
            "weight_decay": 6e-4,
            "noise": 0.3,
            "restart_after": 1000,
            "epochs": 10000,
        },
        "Solved on 100% of seeds 0..99 and 1000..1099, median epoch 678 and 828; a 100-seed sweep takes ~50 s",
    ),
    Preset(
        "128-7-128",
        "Tight 128-7-128",
        {
            "width": 128,
            "hidden": 7,
            **_FAMILY,
            "lr": 6.85,
            "weight_decay": 3.75e-4,
            "noise": 0.406,
            "restart_after": 3218,
            "epochs": 50000,
        },
        "Solved on 100% of seeds 0..99 (91% by epoch 20,000), median epoch 5,972; found by `aelab search` "
        "on seeds 10000..10063 (docs/search.md); a 100-seed sweep takes minutes",
    ),
    Preset(
        "12-2-12",
        "Supertight 12-2-12 (outputs only: 2 bits cannot code 12 patterns)",
        {
            "width": 12,
            "hidden": 2,
            "activation": "tanh",
            "loss": "softmax_ce",
            "optimizer": "adam",
            "lr": 0.1,
            "init_scale": 0.2,
            "epochs": 5000,
        },
        "Outputs solved on 100% of seeds 0..99 and 1000..1099; distinct codes are impossible (2 bits, 4 codes)",
    ),
    Preset(
        "seed-notebook",
        "The seed notebook's 8-3-8 (sigmoid, MSE, Adam, lr 0.01)",
        {
            "width": 8,
            "hidden": 3,
            "activation": "sigmoid",
            "loss": "mse",
            "optimizer": "adam",
            "lr": 0.01,
            "init_scale": 1.0,
        },
        "22% of seeds 0..99 find distinct codes in 2,000 epochs (the recipe table in docs/evidence.md)",
    ),
    Preset("8-8-8", "Overcomplete 8-8-8", {"width": 8, "hidden": 8}),
)
TIGHT = ("4-2-4", "8-3-8", "16-4-16", "32-5-32", "64-6-64", "128-7-128", "12-2-12")  # sizes with a tuned recipe
# What a preset leaves as the user set it: where and how precisely it runs, its seed, and when it stops
KEPT_BY_PRESETS = ("backend", "seed", "dtype", "device", "stop", "hold")


def apply_preset(name: str, current: Config) -> Config:
    """`current` with the preset's settings: every field it does not keep comes from the preset or the defaults."""
    kept = {setting: getattr(current, setting) for setting in KEPT_BY_PRESETS}
    return Config(**kept, **PRESETS[name].settings)


def preset_config(name: str) -> Config:
    """The preset over the defaults, as `--preset` starts from."""
    return Config(**PRESETS[name].settings)


def recipe_for(width: int, hidden: int) -> Preset:
    """The tight preset for this size, or the nearest one: closest bottleneck, then closest log2 width."""

    def distance(name: str) -> tuple[float, float]:
        preset_width, preset_hidden = PRESETS[name].size
        return abs(hidden - preset_hidden), abs(math.log2(width) - math.log2(preset_width))

    return PRESETS[min(TIGHT, key=distance)]


def recipe_offer(config: Config) -> Preset | None:
    """The tuned recipe to offer for `config`'s size (recipe_for), or None for data other than one-hot:
    the recipes were tuned on the encoder problem, and would set the data back to it."""
    return recipe_for(config.width, config.hidden) if config.data == "one_hot" else None


def with_recipe(config: Config, preset: Preset) -> Config:
    """`config` with the preset's recipe (everything but the size), the rest at the defaults."""
    return dataclasses.replace(apply_preset(preset.name, config), width=config.width, hidden=config.hidden)


def uses_recipe(config: Config, preset: Preset) -> bool:
    return with_recipe(config, preset) == config


def preset_in_use(config: Config) -> str | None:
    """The preset whose size and recipe `config` has (what it keeps aside), or None."""
    return next((name for name in PRESETS if apply_preset(name, config) == config), None)


def config_from_link(values: Mapping[str, str], base: Config = PAGE_DEFAULTS) -> tuple[Config, list[str]]:
    """A share link's settings (config_from_partial_strings) over `base`, or over `preset=NAME`'s size and
    recipe on `base` when the link names one: the link's other settings override it, as on the CLI."""
    values, problems = dict(values), []
    name = values.pop("preset", None)
    if name is not None:
        if name.strip() in PRESETS:
            base = apply_preset(name.strip(), base)
        else:
            error = ConfigError("preset", name, "choose one of: " + ", ".join(PRESETS))
            problems.append(f"{error}; ignored")
    config, more = config_from_partial_strings(values, base)
    return config, problems + more
