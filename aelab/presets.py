"""Presets: a size and the recipe that goes with it, chosen in one click on the page."""

from __future__ import annotations

from aelab.config import Config

# Name -> the settings it sets; the default recipe unless it says otherwise.
PRESETS: dict[str, dict[str, object]] = {
    "Classic 8-3-8": {"width": 8, "hidden": 3},
    "The seed notebook's 8-3-8 (sigmoid, MSE, Adam, lr 0.01)": {
        "width": 8,
        "hidden": 3,
        "activation": "sigmoid",
        "loss": "mse",
        "optimizer": "adam",
        "lr": 0.01,
        "init_scale": 1.0,
    },
    "Tiny 4-2-4": {"width": 4, "hidden": 2},
    "Tight 16-4-16": {"width": 16, "hidden": 4},
    "Tight 32-5-32": {"width": 32, "hidden": 5},
    "Overcomplete 8-8-8": {"width": 8, "hidden": 8},
}
KEPT_BY_PRESETS = ("backend", "seed", "dtype", "device")  # what a preset leaves as the user set it


def apply_preset(name: str, current: Config) -> Config:
    """`current` with the preset's settings: every field it does not keep comes from the preset or the defaults."""
    kept = {field: getattr(current, field) for field in KEPT_BY_PRESETS}
    return Config(**kept, **PRESETS[name])
