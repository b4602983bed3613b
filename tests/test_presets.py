"""Presets: each tight size carries its recipe; --preset applies it and other options override it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from aelab import Config
from aelab.charts import solved_frame
from aelab.config import PAGE_DEFAULTS
from aelab.presets import (
    PRESETS,
    TIGHT,
    apply_preset,
    config_from_link,
    preset_config,
    preset_in_use,
    recipe_for,
    recipe_offer,
    uses_recipe,
    with_recipe,
)
from aelab.train import train


def test_every_tight_preset_is_valid_and_has_its_size():
    for name in TIGHT:
        width, hidden = PRESETS[name].size
        assert name == f"{width}-{hidden}-{width}"
        assert preset_config(name).width == width


def test_cli_preset_applies_and_later_options_override(cli):
    status, out, err = cli(["train", "--json", "--preset", "16-4-16", "--epochs", "3", "--lr", "0.5"])
    assert status == 0, err
    config = json.loads(out)["config"]
    expected = replace(preset_config("16-4-16"), epochs=3, lr=0.5)
    assert config == expected.to_dict()


def test_cli_sweep_takes_a_preset(cli):
    status, out, err = cli(["sweep", "--json", "--preset", "32-5-32", "--seeds", "2", "--epochs", "4"])
    assert status == 0, err
    payload = json.loads(out)
    assert payload["config"] == replace(preset_config("32-5-32"), epochs=4).to_dict()
    assert payload["seeds"] == [0, 1]


def test_cli_refuses_an_unknown_preset_with_one_line(cli):
    status, out, err = cli(["train", "--preset", "16-4-17"])
    assert status == 2 and out == "" and len(err.splitlines()) == 1
    assert "preset" in err and "16-4-16" in err


def test_a_preset_keeps_the_backend_and_seed():
    current = Config(backend="torch", seed=9, lr=0.3)
    chosen = apply_preset("32-5-32", current)
    assert (chosen.backend, chosen.seed, chosen.width, chosen.hidden) == ("torch", 9, 32, 5)
    assert chosen.lr == PRESETS["32-5-32"].settings["lr"]


@pytest.mark.parametrize(
    ("size", "nearest"),
    [((16, 4), "16-4-16"), ((20, 5), "32-5-32"), ((12, 2), "12-2-12"), ((5, 3), "8-3-8"), ((200, 7), "128-7-128")],
)
def test_a_hand_set_size_is_offered_the_nearest_recipe(size, nearest):
    assert recipe_for(*size).name == nearest
    config = with_recipe(Config(width=size[0], hidden=size[1], lr=0.1), PRESETS[nearest])
    assert (config.width, config.hidden) == size and uses_recipe(config, PRESETS[nearest])


def test_restarts_are_marked_on_the_curves():
    result = train(replace(preset_config("16-4-16"), epochs=30, restart_after=10))  # 10 left at 20: a whole attempt
    markers = solved_frame([("run", result)])
    assert list(markers[markers["marker"] == "restart"]["epoch"]) == result.restarts == [10, 20]


def test_a_preset_keeps_when_to_stop_and_is_named_while_the_settings_are_its_own():
    current = Config(stop="codes", hold=20, seed=4)
    for name in PRESETS:
        chosen = apply_preset(name, current)
        assert (chosen.stop, chosen.hold, chosen.seed) == ("codes", 20, 4)
        assert preset_in_use(chosen) == name
        assert preset_in_use(replace(chosen, lr=chosen.lr / 2)) is None
    assert preset_in_use(Config()) is None  # the defaults are no preset's recipe


def test_a_link_names_a_preset_and_overrides_it():
    config, problems = config_from_link({"preset": "16-4-16", "lr": "2", "seed": "5"})
    assert problems == []
    assert config == replace(apply_preset("16-4-16", PAGE_DEFAULTS), lr=2.0, seed=5)
    config, problems = config_from_link({"preset": "16-4-17", "width": "16"})
    assert config.width == 16 and config.loss == PAGE_DEFAULTS.loss
    assert problems == [f"preset: '16-4-17' is not allowed (choose one of: {', '.join(PRESETS)}); ignored"]


def test_no_one_hot_recipe_is_offered_for_other_data():
    assert recipe_offer(Config(width=20, hidden=5)) == recipe_for(20, 5)
    assert recipe_offer(Config(data="bars", width=16, hidden=4)) is None  # the recipes were tuned on one-hot
