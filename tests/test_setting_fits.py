"""What one changed setting makes the others do (aelab.setting_fits), and the pattern sets' `reads`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aelab.config import PAGE_DEFAULTS, Config, fit_together
from aelab.patterns import PATTERN_SETS, make_patterns
from aelab.setting_fits import Fit, clash_fits, fit_change


def page_values(**changes: object) -> dict[str, object]:
    return PAGE_DEFAULTS.to_dict() | changes


def test_a_switch_to_the_digits_brings_their_lr_width_and_goal_each_said():
    config, fits = fit_change(PAGE_DEFAULTS, page_values(data="digits"), "data", "one_hot")
    assert (config.data, config.lr, config.width, config.stop) == ("digits", 10.0, 64, "never")
    assert [(fit.field, fit.old, fit.new) for fit in fits] == [
        ("lr", 50.0, 10.0),
        ("width", 8, 64),
        ("stop", "codes", "never"),
    ]
    assert str(fits[0]) == "Learning rate: 50 → 10 (the rate data digits trains at)"
    assert str(fits[1]) == "Input width N: 8 → 64 (data digits: the digits are 8x8 images: 64)"


def test_a_switch_back_brings_the_default_lr_and_one_between_sets_sharing_it_keeps_a_hand_set_lr():
    config, fits = fit_change(PAGE_DEFAULTS, page_values(data="one_hot", width=64, lr=10.0), "data", "digits")
    assert config.lr == PAGE_DEFAULTS.lr and [fit.field for fit in fits] == ["lr"]
    assert str(fits[0]) == "Learning rate: 10 → 50 (the default rate, for data one_hot)"
    config, fits = fit_change(PAGE_DEFAULTS, page_values(data="random_binary", lr=10.0), "data", "one_hot")
    assert config.lr == 10.0 and fits == []


def test_only_a_change_of_pattern_set_moves_the_lr():
    config, fits = fit_change(PAGE_DEFAULTS, page_values(data="digits", width=64, stop="never", lr=50.0), "lr", 1.0)
    assert config.lr == 50.0 and fits == []


def test_the_cli_the_links_and_the_sidebar_read_one_entry_for_a_sets_lr(monkeypatch):
    monkeypatch.setitem(PATTERN_SETS, "digits", dataclasses.replace(PATTERN_SETS["digits"], default_lr=0.25))
    assert Config.from_strings({"data": "digits"}).lr == 0.25
    assert fit_change(PAGE_DEFAULTS, page_values(data="digits"), "data", "one_hot")[0].lr == 0.25


def test_an_output_the_loss_does_not_take_is_said_with_its_reason():
    values = page_values(loss="bce", output="linear")
    config, fits = fit_change(PAGE_DEFAULTS, values, "loss", "mse")
    assert config.output == "auto"
    assert fits == [Fit("output", "linear", "auto", "loss bce takes: auto, sigmoid")]
    assert fits[0].text(lambda value: f"`{value}`") == "Output layer: `linear` → `auto` (loss bce takes: auto, sigmoid)"


def test_clash_fits_names_each_changed_setting_once_from_the_value_it_was_given():
    values = page_values(data="digits", width=10, hidden=12, stop="outputs")
    config, clashes = fit_together(PAGE_DEFAULTS, values)
    fits = clash_fits(values, config, clashes)
    assert [(fit.field, fit.old, fit.new) for fit in fits] == [
        ("hidden", 12, 10),
        ("width", 10, 64),
        ("stop", "outputs", "never"),
    ]
    assert all(fit.why for fit in fits)


CHANGES = {"patterns": (5, 6), "density": (0.5, 0.3), "data_seed": (0, 1)}


@pytest.mark.parametrize("name", [name for name in PATTERN_SETS if name != "csv"])
def test_a_set_reads_exactly_the_settings_it_says(name):
    """Changing a setting the set reads changes its patterns; changing one it does not read changes nothing."""
    entry = PATTERN_SETS[name]
    width = entry.default_width or 16
    base = {"patterns": 5, "density": 0.5, "seed": 0}
    made = make_patterns(name, width, **base).inputs
    for setting, (_, other) in CHANGES.items():
        argument = "seed" if setting == "data_seed" else setting
        changed = make_patterns(name, width, **base | {argument: other}).inputs
        differs = changed.shape != made.shape or not np.array_equal(changed, made)
        assert differs == (setting in entry.reads), setting
