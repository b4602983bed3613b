"""Presets: each tight size carries its recipe; --preset applies it and other options override it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from aelab import Config
from aelab.charts import solved_frame
from aelab.presets import PRESETS, TIGHT, apply_preset, preset_config, recipe_for, uses_recipe, with_recipe
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
    ("size", "nearest"), [((16, 4), "16-4-16"), ((20, 5), "32-5-32"), ((12, 2), "12-2-12"), ((5, 3), "8-3-8")]
)
def test_a_hand_set_size_is_offered_the_nearest_recipe(size, nearest):
    assert recipe_for(*size).name == nearest
    config = with_recipe(Config(width=size[0], hidden=size[1], lr=0.1), PRESETS[nearest])
    assert (config.width, config.hidden) == size and uses_recipe(config, PRESETS[nearest])


def test_restarts_are_marked_on_the_curves():
    result = train(replace(preset_config("16-4-16"), epochs=30, restart_after=10))  # 10 left at 20: a whole attempt
    markers = solved_frame([("run", result)])
    assert list(markers[markers["marker"] == "restart"]["epoch"]) == result.restarts == [10, 20]
