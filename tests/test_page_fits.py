"""The sidebar fits the pattern set: it shows only the settings the set reads, a new set brings its own learning
rate, and every setting that a change makes change is said in one line under the changed widget."""

from __future__ import annotations

import math

import pytest

from aelab.patterns import PATTERN_SETS
from tests.test_page import click_train, new_page

# What each set reads, written out (not read from the table, so that a wrong table fails here too).
SHOWN = {
    "one_hot": set(),
    "random_binary": {"patterns", "density", "data_seed"},
    "bars": {"patterns", "data_seed"},
    "digits": {"patterns"},
}


def pattern_widgets(page) -> set[str]:
    return {w.key for w in page.number_input} & {"patterns", "density", "data_seed"}


def notes(page) -> list[str]:
    """The fit notes in the sidebar (each a line of 'Label: `old` → `new` (why)')."""
    return [line for box in page.sidebar.info for line in box.value.split("  \n") if "→" in line]


@pytest.mark.parametrize("data", SHOWN)
def test_the_sidebar_shows_only_the_pattern_settings_the_set_reads(data):
    page = new_page({"data": data}, epochs=0)
    assert pattern_widgets(page) == SHOWN[data]
    assert set(PATTERN_SETS[data].reads) == SHOWN[data]  # the table the page reads


def test_switching_sets_shows_and_hides_the_fields_and_an_unread_value_is_kept():
    """density=0.3 with one_hot does not act: no error, no widget, and the link and the session keep it, so that
    switching to random_binary shows it."""
    page = new_page({"data": "one_hot", "density": "0.3"}, epochs=0)
    assert not page.exception and not page.warning and not pattern_widgets(page)
    assert page.query_params["density"] == "0.3"
    page.run()  # a rerun that changes no setting (a click elsewhere) keeps it
    page.number_input(key="width").set_value(10).run()  # and so does a change to another setting
    assert page.query_params["density"] == "0.3" and page.session_state["density"] == 0.3
    page.selectbox(key="data").set_value("random_binary").run()
    assert pattern_widgets(page) == SHOWN["random_binary"]
    assert page.number_input(key="density").value == 0.3
    page.number_input(key="density").set_value(0.4).run()
    page.selectbox(key="data").set_value("one_hot").run()
    page.run()  # once its widget was drawn, a rerun without it would drop its value (and the page would fail)
    assert not page.exception and not pattern_widgets(page)
    assert page.query_params["density"] == "0.4" and page.session_state["density"] == 0.4


def test_switching_to_the_digits_takes_their_learning_rate_says_so_and_trains():
    page = new_page(epochs=0)
    assert page.select_slider(key="lr").value == 50
    page.selectbox(key="data").set_value("digits").run()
    assert page.select_slider(key="lr").value == PATTERN_SETS["digits"].default_lr == 10
    said = notes(page)
    assert "Learning rate: ` 50 ` → ` 10 ` (the rate data digits trains at)" in said
    assert any(line.startswith("Input width N: ` 8 ` → ` 64 `") for line in said)
    assert any(line.startswith("Stop when: ` codes ` → ` never `") for line in said)
    assert page.query_params["lr"] == "10.0"
    # the page's own net (tanh, sigmoid outputs) trains at the set's rate (a linear net needs a smaller one)
    page.number_input(key="hidden").set_value(2).run()
    page.number_input(key="epochs").set_value(20).run()
    result = click_train(page).session_state["result"]
    losses = result.history["loss"]
    assert not result.diverged and math.isfinite(losses[-1]) and losses[-1] < losses[0]
    page.selectbox(key="data").set_value("one_hot").run()
    assert page.select_slider(key="lr").value == 50
    assert "Learning rate: ` 10 ` → ` 50 ` (the default rate, for data one_hot)" in notes(page)


def test_a_hand_set_learning_rate_stays_between_sets_that_share_one():
    page = new_page(epochs=0)
    page.select_slider(key="lr").set_value(10.0).run()
    page.selectbox(key="data").set_value("random_binary").run()
    assert page.select_slider(key="lr").value == 10 and not notes(page)


def test_bce_with_a_linear_output_says_the_output_changed():
    page = new_page(epochs=0)
    page.selectbox(key="output").set_value("linear").run()
    assert not notes(page)  # mse takes linear outputs: nothing else changed
    page.radio(key="loss").set_value("bce").run()
    assert page.selectbox(key="output").value == "auto"
    assert notes(page) == ["Output layer: ` linear ` → ` auto ` (loss bce takes: auto, sigmoid)"]
    page.select_slider(key="lr").set_value(20.0).run()  # the next change that fits nothing clears it
    assert not notes(page)


def test_a_narrower_width_says_the_bottleneck_shrank_with_it():
    page = new_page({"width": "8", "hidden": "5"}, epochs=0)
    page.number_input(key="width").set_value(4).run()
    assert page.number_input(key="hidden").value == 4
    assert notes(page) == ["Bottleneck k: ` 5 ` → ` 4 ` (a whole number from 1 to 4, the width)"]


def test_a_preset_sets_the_widgets_and_clears_an_earlier_note():
    page = new_page(epochs=0)
    page.selectbox(key="data").set_value("digits").run()
    assert notes(page)
    page.selectbox(key="preset").set_value("16-4-16").run()
    assert page.selectbox(key="data").value == "one_hot" and not notes(page)
