"""The page's transport under AppTest: Train, Pause, Continue, Step, Reset, settings changed between
them, and opening a saved run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aelab import Config, formats, run_file
from aelab.run_file import resume_section
from aelab.train import Trainer, train_seeds
from tests.test_page import APP, chart_data, charts_in, new_page, tab


def click(page: AppTest, key: str) -> AppTest:
    page.button(key=key).click().run()
    assert not page.exception, page.exception
    return page


def shown(page: AppTest):
    return page.session_state["result"]


def captions(page: AppTest) -> str:
    return " ".join(caption.value for caption in page.caption)


def test_train_then_continue_goes_on_from_the_same_weights():
    page = click(new_page(epochs=40), "train")
    first = shown(page)
    assert first.epochs_done == 40 and page.session_state["trainer"].epoch == 40
    assert "Continue trains 40 more epochs" in captions(page)
    click(page, "continue")
    second = shown(page)
    assert second.epochs_done == 80 and list(second.history["epoch"]) == list(range(81))
    np.testing.assert_array_equal(second.history["loss"][:41], first.history["loss"])
    # exactly one run of 80 epochs
    whole = train_seeds(Config(**{**first.config.to_dict(), "epochs": 80}), [0])
    np.testing.assert_array_equal(second.final.W1, whole.final.W1[0])


def test_step_trains_the_chosen_number_of_epochs_twice():
    page = click(new_page(epochs=40), "train")
    page.number_input(key="step_epochs").set_value(3).run()
    click(page, "step")
    assert shown(page).epochs_done == 43
    click(page, "step")
    assert shown(page).epochs_done == 46 and page.session_state["trainer"].epoch == 46


def test_reset_goes_back_to_the_seeds_initial_weights():
    page = click(new_page(epochs=40), "train")
    trained = shown(page)
    click(page, "reset")
    reset = shown(page)
    assert reset.epochs_done == 0 and page.session_state["trainer"].epoch == 0
    for start, now in zip(trained.initial, reset.final, strict=True):
        np.testing.assert_array_equal(start, now)
    click(page, "step")  # the default step is one epoch, from those weights
    assert shown(page).epochs_done == 1


def test_a_paused_run_continues_to_its_planned_end():
    """Pause is a click that interrupts training: the rerun keeps the Trainer there; Continue ends the run."""
    config = Config(epochs=300)

    def click_at_120(progress):
        if progress.epoch >= 120:
            raise KeyboardInterrupt  # as Streamlit's StopException leaves the loop

    trainer = Trainer(config, [0], keep_snapshots=True)
    with pytest.raises(KeyboardInterrupt):
        trainer.run(300, on_progress=click_at_120, progress_interval=0.0)
    page = AppTest.from_file(APP, default_timeout=60)
    page.query_params["epochs"] = "300"  # the settings it was trained with
    page.session_state["training"] = config
    page.session_state["trainer"] = trainer
    page.run()
    assert any("Training paused at epoch 120." in info.value for info in page.info)
    assert "At epoch 120: Continue trains 180 more epochs" in captions(page)
    click(page, "continue")
    result = shown(page)
    assert result.epochs_done == 300 and not result.stopped
    np.testing.assert_array_equal(result.history["loss"], train_seeds(config, [0]).history["loss"][0])


def test_changing_lr_while_paused_carries_on_and_marks_the_curves():
    page = click(new_page(epochs=40), "train")
    page.select_slider(key="lr").set_value(20.0).run()
    assert "going on from the current weights with lr 50 → 20" in captions(page)
    click(page, "continue")
    result = shown(page)
    assert result.epochs_done == 80 and result.changes == [(40, {"lr": (50.0, 20.0)})]
    markers = chart_data(charts_in(tab(page, "Training curves"))[0])
    changed = markers[markers.get("marker", "") == "setting changed"]
    assert list(changed["epoch"]) == [40] and list(changed["detail"]) == ["lr 50 → 20"]


def test_changing_the_bottleneck_says_a_new_run_starts_and_turns_continue_off():
    page = click(new_page(epochs=40), "train")
    page.number_input(key="hidden").set_value(4).run()
    assert "Changed hidden 3 → 4: that is a new network" in captions(page)
    assert page.button(key="continue").disabled and page.button(key="step").disabled
    click(page, "train")
    assert shown(page).config.hidden == 4 and shown(page).epochs_done == 40


def saved_run(epochs: int = 30, **settings) -> bytes:
    config = Config(epochs=epochs, **settings)
    trainer = Trainer(config, [config.seed], keep_snapshots=True)
    result = trainer.run(epochs).run(0)
    return json.dumps(formats.run_json(result) | {"resume": resume_section(trainer)}).encode()


def test_an_uploaded_run_restores_its_settings_history_and_continues():
    page = new_page(epochs=0)
    data = saved_run(30, lr=20.0, seed=7)
    page.file_uploader(key="upload").set_value(("run.json", data, "application/json")).run()
    assert not page.exception, page.exception
    assert any("Loaded run.json" in s.value and "at epoch 30" in s.value for s in page.success)
    assert page.number_input(key="seed").value == 7 and page.select_slider(key="lr").value == 20.0
    assert shown(page).epochs_done == 30
    click(page, "continue")
    np.testing.assert_array_equal(
        shown(page).history["loss"], train_seeds(Config(epochs=60, lr=20.0, seed=7), [7]).history["loss"][0]
    )


def test_the_page_download_opens_again():
    """The Run JSON the page offers is the file the uploader takes back."""
    page = click(new_page(epochs=25), "train")
    button = next(b for b in page.get("download_button") if b.proto.label.startswith("Run"))
    assert button.proto.label == "Run (JSON, to open again)"
    result, saved = shown(page), page.session_state["saved_run"]
    data = run_file.dumps(formats.run_json(result) | {"resume": saved}).encode()  # what the button's callable makes
    page.number_input(key="seed").set_value(3).run()
    page.file_uploader(key="upload").set_value(("mine.json", data, "application/json")).run()
    assert page.number_input(key="seed").value == 0 and shown(page).epochs_done == 25


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json at all", "not valid JSON"),
        (b'{"config": {}}', "no 'resume' section"),
        (saved_run(5).replace(b'"epoch": 5', b'"epoch": 6'), "epoch"),
        (b" " * 8_000_001, "over the 8,000,000-byte limit"),
    ],
)
def test_a_bad_upload_gets_one_message_and_leaves_the_run_untouched(data, message):
    page = click(new_page(epochs=20), "train")
    before = shown(page)
    page.file_uploader(key="upload").set_value(("bad.json", data, "application/json")).run()
    assert not page.exception, page.exception
    errors = [e.value for e in page.error]
    assert len(errors) == 1 and message in errors[0], errors
    assert shown(page) is before and page.session_state["trainer"].epoch == 20


def test_the_speed_setting_caps_epochs_per_second():
    """A lower bound only (a slow machine cannot make it fail): 10 epochs at 20 epochs/s take >= 0.45 s."""
    page = click(new_page(epochs=5), "train")
    before = page.session_state["trainer"].seconds
    page.select_slider(key="speed").set_value(20).run()
    page.number_input(key="step_epochs").set_value(10).run()
    click(page, "step")
    assert shown(page).epochs_done == 15
    assert page.session_state["trainer"].seconds - before >= 9 / 20
