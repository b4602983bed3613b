"""Share links and presets on the page (AppTest): preset= and speed= round-trip, the Preset menu names the
preset in use, every link problem in one warning, and no fallback makes an impossible network."""

from __future__ import annotations

from aelab.config import PAGE_DEFAULTS, min_code_bits
from aelab.presets import PRESETS, apply_preset
from aelab.settings import SETTINGS
from tests.test_page import new_page


def settings_of(page) -> dict[str, object]:
    return {name: page.session_state[name] for name in PAGE_DEFAULTS.to_dict()}


def test_a_preset_and_the_speed_round_trip_through_a_link():
    page = new_page({"preset": "16-4-16", "speed": "10", "seed": "3"}, epochs=0)
    assert not page.warning, [w.value for w in page.warning]
    expected = apply_preset("16-4-16", PAGE_DEFAULTS)
    assert settings_of(page) == {**expected.to_dict(), "seed": 3}
    assert page.selectbox(key="preset").value == "16-4-16"
    assert page.select_slider(key="speed").value == 10
    link = dict(page.query_params)
    assert link["preset"] == "16-4-16" and link["speed"] == "10" and link["stop"] == "codes"
    again = new_page(link, epochs=0)  # the address bar, opened anew
    assert settings_of(again) == settings_of(page) and dict(again.query_params) == link
    assert again.selectbox(key="preset").value == "16-4-16" and again.select_slider(key="speed").value == 10


def test_a_link_overrides_its_preset_and_then_names_none():
    page = new_page({"preset": "8-3-8", "lr": "2"}, epochs=0)
    assert page.select_slider(key="lr").value == 2.0
    assert page.radio(key="loss").value == PRESETS["8-3-8"].settings["loss"]
    assert page.selectbox(key="preset").value is None  # lr 2 is not the 8-3-8 recipe
    assert "preset" not in page.query_params


def test_the_preset_menu_names_the_preset_the_settings_equal():
    page = new_page(epochs=0)
    assert page.selectbox(key="preset").value is None  # the defaults are no preset's recipe
    page.selectbox(key="preset").set_value("4-2-4").run()
    assert page.selectbox(key="preset").value == "4-2-4" and page.query_params["preset"] == "4-2-4"
    lr = page.select_slider(key="lr").value
    page.select_slider(key="lr").set_value(5.0).run()
    assert page.selectbox(key="preset").value is None and "preset" not in page.query_params
    page.select_slider(key="lr").set_value(lr).run()  # back to the recipe by hand
    assert page.selectbox(key="preset").value == "4-2-4"
    page.radio(key="stop").set_value("never").run()  # when to stop is no part of a recipe
    assert page.selectbox(key="preset").value == "4-2-4"


def test_every_link_problem_is_in_one_compact_warning():
    link = {"width": "abc", "lr": "-1", "activation": "swish", "speed": "7", "preset": "9-9-9", "stop": "later"}
    page = new_page(link, epochs=0)
    [warning] = page.warning
    lines = warning.value.split("  \n")
    assert len(lines) == 1 + len(link)  # a heading, then a line per problem
    for name in link:  # a setting by its sidebar label and key, a link-only parameter by its key
        named = f"{SETTINGS[name].label} ({name})" if name in SETTINGS else name
        assert sum(line.startswith(f"` {named}: ") for line in lines) == 1, name
    assert page.select_slider(key="speed").value == 0 and page.radio(key="stop").value == PAGE_DEFAULTS.stop


def test_a_refused_bottleneck_falls_back_to_one_that_can_code_the_width():
    page = new_page({"width": "16", "hidden": "40"}, epochs=0)
    assert page.number_input(key="hidden").value == min_code_bits(16) == 4
    assert "using 4 instead" in page.warning[0].value
    assert not page.sidebar.warning  # no "k is too small" note: the fallback is a possible network


def test_a_link_without_stop_stops_when_the_codes_are_solved_and_stop_never_trains_every_epoch():
    page = new_page(epochs=0)
    assert page.radio(key="stop").value == "codes" and page.query_params["stop"] == "codes"
    page = new_page({"stop": "never", "hold": "5"}, epochs=0)
    assert page.radio(key="stop").value == "never" and page.number_input(key="hold").value == 5
