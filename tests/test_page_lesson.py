"""Lesson links under AppTest: ?present=1 (read-only settings above the views, larger text, the sidebar
collapsed) and ?hide=... (those settings off the sidebar, the link's values kept); bad values warn."""

from __future__ import annotations

import pytest

from page.lesson import Lesson, lesson_from_link, lesson_link
from tests.test_page import new_page


def warnings(page) -> str:
    return " ".join(warning.value for warning in page.warning)


def test_present_shows_a_short_header_and_keeps_the_flag_in_the_link():
    page = new_page({"present": "1", "width": "16", "hidden": "4", "optimizer": "adam"}, epochs=0)
    assert page.session_state["lesson"] == Lesson(present=True)
    header = lesson_markdown(page)
    assert header.startswith("**16-4-16** (N = 16, k = 4)") and "Optimizer ` Adam `" in header
    assert any("font-size: 20px" in html.proto.body for html in page.get("html"))
    assert page.query_params["present"] == "1" and page.query_params["width"] == "16"
    assert warnings(page) == ""


def lesson_markdown(page) -> str:
    return next(markdown.value for markdown in page.markdown if "(N = " in markdown.value)


@pytest.mark.parametrize(
    ("link", "shown", "left_out"),
    [
        ({}, ["Optimizer ` SGD `", "Learning rate ` 50 `"], ["Momentum", "Quickprop growth", "Flat-spot offset",
                                                             "Weight decay", "Hidden noise", "Torch device"]),
        ({"optimizer": "momentum"}, ["Momentum ` 0.9 `"], ["Quickprop growth"]),
        ({"optimizer": "quickprop", "lr": "0.2"}, ["Quickprop growth ` 1.75 `"], ["Momentum"]),
        ({"flat_spot": "0.1", "noise": "0.2"}, ["Flat-spot offset ` 0.1 `", "Hidden noise ` 0.2 `",
                                                "Noise schedule ` constant `"], ["Momentum"]),
    ],
)  # fmt: skip
def test_the_lesson_header_shows_only_the_settings_that_apply(link, shown, left_out):
    header = lesson_markdown(new_page({"present": "1"} | link, epochs=0))
    for text in shown:
        assert text in header, text
    for label in left_out:
        assert label not in header, label
    assert header.count("\n") == 0 and len(header) < 400  # one paragraph: a line or two on a projector


def test_the_lesson_header_marks_the_settings_the_link_fixes():
    header = lesson_markdown(new_page({"present": "1", "hide": "optimizer", "optimizer": "adam"}, epochs=0))
    assert "Optimizer ` Adam ` :material/lock:" in header and header.count(":material/lock:") == 1


def test_no_present_panel_by_default():
    page = new_page(epochs=0)
    assert not any("**Input width N:**" in markdown.value for markdown in page.markdown)
    assert not page.get("html") and "present" not in page.query_params


def test_hide_takes_settings_off_the_sidebar_and_keeps_the_links_values():
    page = new_page({"hide": "optimizer,loss", "optimizer": "adam", "loss": "bce", "lr": "0.1"}, epochs=30)
    keys = {widget.key for widget in page.sidebar.get("selectbox")} | {w.key for w in page.sidebar.get("radio")}
    assert "optimizer" not in keys and "loss" not in keys and "activation" in keys
    page.button(key="train").click().run()
    assert not page.exception, page.exception
    result = page.session_state["result"]
    assert (result.config.optimizer, result.config.loss, result.config.epochs) == ("adam", "bce", 30)
    assert page.query_params["hide"] == "optimizer,loss"


def test_a_preset_cannot_change_a_hidden_setting():
    page = new_page({"hide": "lr", "lr": "7"}, epochs=0)
    page.selectbox(key="preset").set_value("16-4-16").run()
    assert page.number_input(key="width").value == 16  # the preset did apply
    assert page.query_params["lr"] == "7.0"


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ({"present": "maybe"}, "present: 'maybe' is not allowed (1 or 0); ignored"),
        ({"hide": "optimizer,bogus"}, "hide: 'bogus' is not allowed (setting names, comma-separated:"),
    ],
)
def test_a_bad_lesson_flag_warns_and_the_rest_stands(link, message):
    page = new_page(link, epochs=0)
    assert message in warnings(page)
    lesson = page.session_state["lesson"]
    assert lesson.present is False and lesson.hidden == (("optimizer",) if "hide" in link else ())


def test_lesson_flags_round_trip_through_the_link():
    lesson, problems = lesson_from_link({"present": "true", "hide": " loss , optimizer,loss"})
    assert lesson == Lesson(True, ("loss", "optimizer")) and problems == []
    assert lesson_link(lesson) == {"present": "1", "hide": "loss,optimizer"}
    assert lesson_from_link(lesson_link(lesson))[0] == lesson
