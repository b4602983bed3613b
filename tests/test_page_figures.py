"""The page's figures and words (AppTest): the headline says now and first, Reset, Step and Continue on an
opened run say what happened, the default run stops once solved, and the progress line and the live views
come from one epoch."""

from __future__ import annotations

import numpy as np
import pytest

from aelab import Config, train
from aelab.headline import code_headline, solved_history
from aelab.train import Trainer
from aelab_page.live import LiveFrame, progress_text
from tests.test_page import chart_data, charts_in, new_page, tab
from tests.test_page_transport import captions, click, saved_run, shown


def markdown(page) -> str:
    return " ".join(block.value for block in page.markdown)


def test_the_default_page_stops_once_the_codes_are_solved_and_says_so():
    page = click(new_page(epochs=1000), "train")
    result = shown(page)
    assert result.config.stop == "codes" and result.at_goal and result.epochs_done < 1000
    assert result.code_report().distinct == 8  # it ends showing the code it stopped for
    [status] = page.status
    # solved first, then stopped where the goal holds at the weights it ends with: both epochs are said
    stopped_at = f" at epoch {result.epochs_done:,}" if result.epochs_done > result.solved_epoch else ""
    assert status.label.endswith(
        f"solved at epoch {result.solved_epoch:,}; stopped at its goal (codes solved){stopped_at}."
    )
    assert "· stopped at its goal (codes solved)" in markdown(page)
    curves = charts_in(tab(page, "Training curves"))[0]  # the loss; the other figures share its x axis
    assert chart_data(curves)["epoch"].max() == result.epochs_done  # the curves end where the run ended
    assert '"nice":false' in curves.proto.spec.replace(" ", "")  # the x axis is not rounded past the end


def test_the_headline_gives_the_code_now_and_when_it_was_first_solved():
    page = click(new_page({"stop": "never"}, epochs=120), "train")
    result = shown(page)
    now, _, history = code_headline(result).partition(" · ")
    assert f"**{now}** · {history}" in markdown(page)
    metrics = {metric.label: metric for metric in page.metric}
    assert metrics["Distinct codes now"].value == f"{result.code_report().distinct} of 8"
    for label, name in (("Outputs first solved at", "outputs"), ("Codes first solved at", "codes")):
        first, since = solved_history(result)[name]
        assert metrics[label].value == ("never" if first is None else f"{first:,}")
        assert (metrics[label].proto.delta or "") == since


def test_a_rerun_works_out_the_shown_runs_solved_history_once(monkeypatch):
    from aelab import headline

    page = click(new_page({"stop": "never"}, epochs=120), "train")
    calls = []
    real = headline.solved_history
    monkeypatch.setattr(headline, "solved_history", lambda result: calls.append(result) or real(result))
    monkeypatch.setattr("aelab_page.results.solved_history", headline.solved_history)
    page.run()
    assert calls == [shown(page)]  # the headline and the figures share one


def test_reset_shows_the_initial_weights_without_empty_charts():
    page = click(new_page(epochs=40), "train")
    click(page, "reset")
    assert shown(page).epochs_done == 0
    text = markdown(page)
    assert "· initial weights, not trained yet" in text and "0 epochs" not in text and "finished" not in text
    assert not page.metric  # no figures of a history there is not
    curves = tab(page, "Training curves")
    assert not charts_in(curves) and any("not trained yet" in info.value for info in curves.info)
    assert charts_in(tab(page, "Hidden code"))  # the initial weights' code is still there to see


def test_step_says_how_many_epochs_it_trained_and_how_many_in_all():
    page = click(new_page({"stop": "never"}, epochs=1000), "reset")
    page.number_input(key="step_epochs").set_value(10).run()
    click(page, "step")
    assert page.status[0].label.startswith("Trained 10 epochs in ")
    click(page, "step")
    assert page.status[0].label.startswith("Trained 10 epochs, 20 in all, in ")
    assert "· 20 epochs · paused" in markdown(page)


def test_continue_on_an_opened_run_is_not_a_settings_change():
    page = new_page(epochs=0)
    page.file_uploader(key="upload").set_value(("run.json", saved_run(30, seed=2), "application/json")).run()
    click(page, "continue")
    assert shown(page).epochs_done == 60 and shown(page).config.epochs == 60  # the run grew past its 30
    assert page.number_input(key="epochs").value == 30
    assert "The settings have changed" not in captions(page)
    page.number_input(key="seed").set_value(3).run()
    assert "seed 2 → 3" in captions(page)  # a real change still says so


def weights_after(config: Config, epochs: int):
    """A run's result after `epochs` updates (0: the initial weights)."""
    trainer = Trainer(config, [config.seed])
    trainer.run(epochs) if epochs else None
    return trainer.result().run(0)


def test_the_progress_line_and_the_live_views_show_one_epoch():
    """At every update, the frame's weights, hidden code, outputs, figures and curve are all of the epoch it
    names: the one the weights have reached."""
    config = Config(epochs=60, dtype="float64", seed=1)
    frames = []

    def keep(progress):
        frames.append((LiveFrame.of(progress), progress))

    Trainer(config, [config.seed]).run(60, on_progress=keep, progress_interval=0)
    assert len(frames) == 60
    whole = train(config)
    for frame, progress in frames:
        assert frame.epoch == progress.epoch
        at = weights_after(config, frame.epoch)
        for name in ("W1", "b1", "W2", "b2"):
            np.testing.assert_array_equal(getattr(frame.weights, name), getattr(at.final, name))
        np.testing.assert_allclose(frame.hidden, at.activations, rtol=1e-12)
        np.testing.assert_allclose(frame.outputs, at.outputs, rtol=1e-12)
        for name in ("loss", "accuracy", "bits_correct", "distinct_codes"):
            assert frame.figures[name] == pytest.approx(whole.history[name][frame.epoch], rel=1e-12), name
        assert progress_text(frame, progress).startswith(f"epoch {frame.epoch:,} of 60 · ")
        assert list(frame.curve[0]) == list(range(frame.epoch + 1))
