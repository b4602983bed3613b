"""The sweep and grid sections share their seeds row and status box: under AppTest both clamp the first
seed alike and end a finished run with the same words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from aelab.sweep import MAX_SWEEP_SEEDS, last_first_seed

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def page_at_few_epochs() -> AppTest:
    page = AppTest.from_file(APP, default_timeout=120)
    page.run()
    page.number_input(key="epochs").set_value(30).run()
    return page


def status_labels(page: AppTest) -> list[str]:
    return [status.label for status in page.status]


@pytest.mark.parametrize("job", ["sweep", "grid"])
def test_the_first_seed_is_clamped_so_the_last_seed_stays_valid(job):
    page = page_at_few_epochs()
    page.number_input(key=f"{job}_seeds").set_value(10).run()
    page.number_input(key=f"{job}_first").set_value(last_first_seed(10)).run()
    page.number_input(key=f"{job}_seeds").set_value(MAX_SWEEP_SEEDS).run()
    assert not page.exception, page.exception
    assert page.number_input(key=f"{job}_first").value == last_first_seed(MAX_SWEEP_SEEDS)


def test_a_finished_sweep_and_a_finished_grid_say_so_in_the_same_words():
    page = page_at_few_epochs()
    page.number_input(key="sweep_seeds").set_value(3).run()
    page.button(key="sweep").click().run()
    page.selectbox(key="grid_name_0").set_value("lr").run()
    page.text_input(key="grid_values_0_lr").set_value("1,2").run()
    page.number_input(key="grid_seeds").set_value(2).run()
    page.button(key="grid").click().run()
    assert not page.exception, page.exception
    labels = status_labels(page)
    assert any(re.fullmatch(r"Swept 2 cells of 2 seeds in \d+\.\d\d s", label) for label in labels), labels
    page.button(key="sweep").click().run()
    labels = status_labels(page)
    assert any(re.fullmatch(r"Swept 3 seeds in \d+\.\d\d s", label) for label in labels), labels


def test_the_grid_menus_name_a_setting_as_the_sidebar_does_with_its_key():
    page = page_at_few_epochs()
    menu = page.selectbox(key="grid_name_0")
    assert "Learning rate (lr)" in menu.options and "lr" not in menu.options
    assert menu.value == "lr"  # the key is still what the section reads


def test_the_grid_axes_name_a_setting_as_the_sidebar_does():
    page = page_at_few_epochs()
    page.selectbox(key="grid_name_1").set_value("weight_decay").run()
    page.text_input(key="grid_values_0_lr").set_value("1,2").run()
    page.number_input(key="grid_seeds").set_value(1).run()
    page.button(key="grid").click().run()
    specs = [chart.proto.spec for chart in page.get("vega_lite_chart")]
    assert specs and all('"Learning rate (lr)"' in spec and '"Weight decay (weight_decay)"' in spec for spec in specs)
