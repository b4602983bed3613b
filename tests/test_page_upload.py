"""The page's CSV upload (data=csv), under AppTest: a good file trains on its patterns; a bad one gets one
clear message naming what is wrong, never a traceback, and the runs stay on one_hot."""

from __future__ import annotations

import json

import numpy as np

from aelab import Config, formats
from aelab.run_file import resume_section
from aelab.train import Trainer
from tests.test_page import click_train, new_page

GOOD = "0,1,0.5\n1,0,0.25\n0.5,0.5,1\n0,0,0\n1,1,1\n"


def csv_uploaders(page) -> list:
    return [uploader for uploader in page.get("file_uploader") if uploader.key == "csv_file"]


def upload(page, name: str, text: str):
    assert csv_uploaders(page), "the uploader is shown while the pattern set is csv"
    return page.file_uploader(key="csv_file").set_value((name, text.encode(), "text/csv")).run()


def csv_page():
    page = new_page(epochs=20)
    assert not csv_uploaders(page), "no csv uploader for the built-in sets"
    page.selectbox(key="data").set_value("csv").run()
    assert not page.exception
    return page


def test_a_good_file_trains_on_its_patterns():
    page = upload(csv_page(), "mine.csv", GOOD)
    assert not page.exception and not page.error
    assert page.number_input(key="width").value == 3 and page.session_state["patterns"] == 5
    assert "patterns" not in [w.key for w in page.number_input]  # the file's count: no widget to change it
    assert any(caption.value.startswith("5 patterns of 3 inputs") for caption in page.sidebar.caption)
    page = click_train(page)
    result = page.session_state["result"]
    assert result.config.data == "csv" and result.outputs.shape == (5, 3)
    expected = np.array([[float(v) for v in line.split(",")] for line in GOOD.split()])
    np.testing.assert_array_equal(result.targets, expected)


def test_a_bad_file_gets_one_message_naming_the_line_column_and_value():
    page = upload(csv_page(), "bad.csv", "0,1\n0.5,7\n")
    assert not page.exception
    assert len(page.error) == 1
    message = page.error[0].value
    assert "bad.csv" in message and "line 2 column 2" in message and "7" in message and "0 to 1" in message
    page = click_train(page)
    assert page.session_state["result"].config.data == "one_hot"  # no good file: the runs stay one-hot


def test_a_saved_csv_run_opens_and_continues_on_its_own_patterns():
    inputs = np.array([[float(v) for v in line.split(",")] for line in GOOD.split()])
    config = Config(data="csv", width=3, patterns=5, hidden=2, epochs=20, dtype="float64")
    trainer = Trainer(config, [config.seed], keep_snapshots=True, inputs=inputs)
    result = trainer.run(20).run(0)
    data = json.dumps(formats.run_json(result) | {"resume": resume_section(trainer)}).encode()
    page = new_page(epochs=0)
    page.file_uploader(key="upload").set_value(("csv_run.json", data, "application/json")).run()
    assert not page.exception and not page.error
    assert page.selectbox(key="data").value == "csv" and page.number_input(key="width").value == 3
    page.number_input(key="epochs").set_value(40).run()
    page.button(key="continue").click().run()
    assert not page.exception
    shown = page.session_state["result"]
    assert shown.config.data == "csv" and shown.epochs_done == 40
    np.testing.assert_array_equal(shown.targets, inputs)


BITS = "1,1,0,0\n0,1,1,0\n0,0,1,1\n1,0,0,1\n1,0,1,0\n"  # five distinct 0/1 patterns of width 4


def sidebar_captions(page) -> str:
    return " ".join(caption.value for caption in page.sidebar.caption)


def test_a_file_of_0s_and_1s_is_binary_on_the_page_and_can_be_swept():
    """Its values make it binary: the sidebar gives its bottleneck (not "real-valued"), the intro its binary
    code, and a sweep runs on it; a file with any other value stays real-valued."""
    page = upload(csv_page(), "bits.csv", BITS)
    assert not page.exception and not page.error
    captions = sidebar_captions(page)
    assert "ceil(log2 5) = 3" in captions and "real-valued" not in captions
    assert any("binary code" in text.value for text in page.markdown)
    page.number_input(key="sweep_seeds").set_value(3).run()
    page.button(key="sweep").click().run()
    assert not page.exception
    swept = page.session_state["sweep_result"]
    assert swept.config.data == "csv" and swept.config.width == 4 and len(swept.seeds) == 3
    page = upload(page, "mine.csv", GOOD)
    assert "5 real-valued patterns of width 3" in sidebar_captions(page)
