"""Which settings act on a run (the lesson header shows only those) and how pinned runs differ."""

from __future__ import annotations

import pytest

from aelab.active_settings import (
    ACTIVE_WHEN,
    DEPENDS_ON,
    active_settings,
    difference_labels,
    differing_settings,
    is_active,
    setting_text,
)
from aelab.config import SETTINGS, Config


def test_the_default_run_leaves_out_what_does_not_act_on_it():
    active = active_settings(Config())  # SGD, full batch, no flat spot, decay, noise or restarts, numpy
    for name in ("momentum", "max_growth", "flat_spot", "batch_size", "weight_decay", "noise", "noise_schedule",
                 "restart_after", "device", "hold", "rprop_max_step", "rprop_min_step"):  # fmt: skip
        assert name not in active, name
    for name in ("backend", "width", "hidden", "activation", "loss", "optimizer", "lr", "epochs", "seed"):
        assert name in active, name


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"optimizer": "momentum"}, "momentum"),
        ({"optimizer": "quickprop", "lr": 0.2}, "max_growth"),
        ({"optimizer": "rprop", "lr": 0.05}, "rprop_max_step"),
        ({"optimizer": "rprop", "lr": 0.05}, "rprop_min_step"),
        ({"flat_spot": 0.1}, "flat_spot"),
        ({"batch_size": 2}, "batch_size"),
        ({"weight_decay": 0.001}, "weight_decay"),
        ({"noise": 0.2}, "noise"),
        ({"noise": 0.2}, "noise_schedule"),
        ({"restart_after": 300}, "restart_after"),
        ({"backend": "torch"}, "device"),
        ({"stop": "codes", "hold": 20}, "hold"),
    ],
)
def test_a_setting_acts_once_its_switch_is_on(changes, name):
    assert not is_active(name, Config())
    assert is_active(name, Config(**changes))
    assert name in active_settings(Config(**changes))


def test_full_batch_in_any_form_is_not_a_batch_size():
    assert not is_active("batch_size", Config(width=8, batch_size=8))  # N or more: full batch
    assert not is_active("batch_size", Config(width=8, batch_size=0))
    assert is_active("batch_size", Config(width=8, batch_size=1))


def test_every_rule_names_a_real_setting():
    assert set(ACTIVE_WHEN) <= set(SETTINGS)


def test_setting_text_uses_labels_and_short_numbers():
    config = Config(optimizer="momentum", weight_decay=0.003, epochs=5000, loss="softmax_ce")
    assert setting_text("optimizer", config) == "SGD + momentum"
    assert setting_text("loss", config) == "Softmax + CE"
    assert setting_text("weight_decay", config) == "0.003"
    assert setting_text("epochs", config) == "5000"
    assert setting_text("activation", config) == SETTINGS["activation"].options["tanh"]


def test_runs_are_labelled_by_what_differs_between_them():
    sgd = Config(lr=50.0)
    adam = Config(optimizer="adam", lr=0.1)
    assert differing_settings([sgd, adam]) == ["optimizer", "lr"]
    assert difference_labels([sgd, adam]) == ["Optimizer SGD, Learning rate 50", "Optimizer Adam, Learning rate 0.1"]


def test_an_inactive_setting_is_no_difference_and_an_off_one_reads_off():
    # momentum differs in value, but neither run uses it: not a difference
    assert differing_settings([Config(momentum=0.5), Config(momentum=0.9, seed=3)]) == ["seed"]
    labels = difference_labels([Config(), Config(weight_decay=0.003)])
    assert labels == ["Weight decay off", "Weight decay 0.003"]


def test_runs_of_the_same_settings_say_so():
    assert difference_labels([Config(), Config()]) == ["same settings", "same settings"]


def test_a_setting_that_another_switches_is_no_difference_of_its_own():
    # the noise tells these apart; the schedule acts only in the noisy run, so it is no second difference
    assert difference_labels([Config(), Config(noise=0.1)]) == ["Hidden noise off", "Hidden noise 0.1"]
    # momentum differs between the two momentum runs, and does not apply to the SGD run
    runs = [Config(), Config(optimizer="momentum", momentum=0.9), Config(optimizer="momentum", momentum=0.5)]
    assert difference_labels(runs) == ["Optimizer SGD", "Optimizer SGD + momentum, Momentum 0.9",
                                       "Optimizer SGD + momentum, Momentum 0.5"]  # fmt: skip
    assert differing_settings([Config(), Config(optimizer="momentum")]) == ["optimizer"]


def test_every_dependent_setting_names_a_real_switch():
    assert set(DEPENDS_ON) <= set(ACTIVE_WHEN) and set(DEPENDS_ON.values()) <= set(SETTINGS)


def test_epochs_more_once_solved_need_a_goal():
    assert not is_active("hold", Config(stop="never", hold=20))  # never stops: no "once solved"
    assert not is_active("hold", Config(stop="codes", hold=0))
