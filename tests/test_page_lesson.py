"""Lesson links under AppTest: ?present=1 (read-only settings above the views, larger text, the sidebar
collapsed) and ?hide=... (those settings off the sidebar, the link's values kept); bad values warn."""

from __future__ import annotations

import json

import pytest
import streamlit as st

from aelab_page.lesson import Lesson, lesson_from_link, lesson_link
from tests.test_page import charts_in, click_train, new_page, tab


def warnings(page) -> str:
    return " ".join(warning.value for warning in page.warning)


def test_present_shows_a_short_header_and_keeps_the_flag_in_the_link():
    page = new_page({"present": "1", "width": "16", "hidden": "4", "optimizer": "adam"}, epochs=0)
    assert page.session_state["lesson"] == Lesson(present=True)
    header = lesson_markdown(page)
    assert header.startswith("**aelab · 16-4-16** (N = 16, k = 4)") and "Optimizer ` Adam `" in header
    assert any("font-size: 20px" in html.proto.body for html in page.get("html"))
    assert page.query_params["present"] == "1" and page.query_params["width"] == "16"
    assert warnings(page) == ""


def lesson_markdown(page) -> str:
    return next(markdown.value for markdown in page.markdown if "(N = " in markdown.value)


@pytest.mark.parametrize(
    ("link", "shown", "left_out"),
    [
        # at the defaults the header is the size alone: what acts on every run is left out at its default
        ({}, [], ["Optimizer", "Learning rate", "Momentum", "Quickprop growth", "Flat-spot offset",
                  "Weight decay", "Hidden noise", "Torch device"]),
        ({"lr": "20"}, ["Learning rate ` 20 `"], ["Optimizer", "Momentum"]),
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
    assert header.count("\n") == 0  # one paragraph
    if not link:  # the default run's header: two lines at most at 20 px across a 1280 px projector (~120 a line)
        shown_text = header.replace("` ", "").replace(" `", "").replace("**", "")
        assert len(shown_text) <= 240, shown_text


def test_the_lesson_header_marks_the_settings_the_link_fixes():
    header = lesson_markdown(new_page({"present": "1", "hide": "optimizer", "optimizer": "adam"}, epochs=0))
    assert "Optimizer ` Adam ` :material/lock:" in header and header.count(":material/lock:") == 1
    header = lesson_markdown(new_page({"present": "1", "hide": "width", "width": "16", "hidden": "4"}, epochs=0))
    assert header.startswith("**aelab · 16-4-16** (N = 16, k = 4) :material/lock:")  # the size is fixed


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


def label_sizes(spec: dict) -> list[float]:
    """Every text size a chart sets: its axis and legend labels and titles, and text marks."""
    config = spec.get("config", {})
    sizes = [
        config.get(part, {}).get(key, 10) for part in ("axis", "legend") for key in ("labelFontSize", "titleFontSize")
    ]
    layers = spec.get("layer", [])
    return sizes + [layer["mark"]["fontSize"] for layer in layers if isinstance(layer.get("mark"), dict)
                    and layer["mark"].get("type") == "text"]  # fmt: skip


@pytest.mark.parametrize("present", [True, False])
def test_lesson_charts_label_at_16_px_or_more_and_the_bit_table_is_whole(present, monkeypatch):
    heights = []  # AppTest does not expose a table's height: note what the page asks for

    def dataframe(*args, **kwargs):
        heights.append(kwargs.get("height"))
        return real_dataframe(*args, **kwargs)

    real_dataframe = st.dataframe
    monkeypatch.setattr(st, "dataframe", dataframe)
    link = {"width": "16", "hidden": "4"} | ({"present": "1"} if present else {})
    page = click_train(new_page(link, epochs=40))
    code = tab(page, "Hidden code")
    specs = [json.loads(chart.proto.spec) for chart in charts_in(code)]
    specs += [json.loads(chart.proto.spec) for chart in charts_in(tab(page, "Training curves"))]
    smallest = min(min(label_sizes(spec)) for spec in specs)
    assert smallest >= 16 if present else smallest < 16
    table = tab(page, "Hidden code").dataframe[0]
    height = heights[-1]  # the code table's: the last table drawn
    if present:  # all 16 rows and a header, and only the bit strings: whole down and across
        assert height >= 17 * table.proto.row_height
        assert list(table.proto.column_order) == ["pattern", "code", "shares code with"]
    else:  # the table keeps its height cap and every column
        assert height < 17 * table.proto.row_height and not table.proto.column_order
    corners = next(frame for frame in tab(page, "Probe").dataframe if "corner" in frame.value.columns)
    assert corners.proto.row_height == table.proto.row_height == round(35 * (20 / 16 if present else 1))
