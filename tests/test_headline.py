"""A run's figures in words: now and over its history ('lost at'), the status lines, a slow run's time left."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, report, train
from aelab.headline import code_headline, finished_line, first_and_lost, solved_history, time_left
from aelab.train import Trainer

EPOCHS = np.arange(6)


@pytest.mark.parametrize(
    ("holds", "first", "expected"),
    [
        ([0, 0, 1, 0, 0, 0], None, (2, "lost at 3")),
        ([0, 1, 1, 1, 0, 0], None, (1, "lost at 4")),
        ([0, 1, 0, 0, 1, 1], None, (1, "again since 4")),
        ([0, 0, 1, 1, 1, 1], None, (2, "")),
        ([0, 0, 0, 0, 0, 0], None, (None, "")),
        ([1, 1, 1, 1, 1, 1], None, (0, "")),
        ([0, 0, 0, 1, 1, 1], 2, (2, "")),  # the recorder's exact first epoch wins over a thinned history's
    ],
)
def test_first_and_lost_reads_a_history(holds, first, expected):
    assert first_and_lost(EPOCHS, np.array(holds, dtype=bool), first) == expected


def test_a_thinned_history_says_lost_by_not_at():
    epochs = np.array([0, 10, 20, 30])
    assert first_and_lost(epochs, np.array([0, 1, 0, 0], dtype=bool)) == (10, "lost by 20")
    assert first_and_lost(epochs, np.array([0, 0, 0, 0], dtype=bool), first=13) == (13, "lost since")


def scan(flags: np.ndarray) -> tuple[int | None, str]:
    """first_and_lost's meaning, written as a plain walk over the entries (epochs 0, 1, 2, ...)."""
    first = lost = again = None
    for epoch, holds in enumerate(flags):
        if holds and first is None:
            first = epoch
        if not holds and epoch and flags[epoch - 1]:  # it held, and no longer does
            lost, again = epoch, None
        if holds and lost is not None and again is None:
            again = epoch
    if first is None:
        return None, ""
    if flags[-1]:
        return first, "" if lost is None else f"again since {again}"
    return first, f"lost at {lost}"


@pytest.mark.parametrize("seed", range(6))
def test_the_headline_agrees_with_the_runs_own_history(seed):
    """The 8-3-8 default recipe cut at 90 epochs, where its code is forming: the words follow the figures."""
    result = train(Config(epochs=90, seed=seed))
    history, width = result.history, result.config.width
    distinct = history["distinct_codes"] == width
    solved = (history["bits_correct"] == 1.0) & distinct
    figures = solved_history(result)
    assert figures["distinct"] == scan(distinct)
    assert figures["codes"] == scan(solved) and figures["codes"][0] == result.solved_epoch
    first, since = scan(distinct)
    expected = f"{history['distinct_codes'][-1]} of {width} distinct now"
    expected += " · never all distinct" if first is None else f" · all distinct first at epoch {first}"
    assert code_headline(result) == expected + (f", {since}" if since else "")


def test_the_cli_summary_works_out_the_solved_history_once(monkeypatch):
    """run_summary gives the solved epochs and the code headline from one solved_history."""
    from aelab import headline, report

    result = train(Config(epochs=90))
    calls = []
    monkeypatch.setattr(headline, "first_and_lost", lambda *args: calls.append(1) or first_and_lost(*args))
    summary = report.run_summary(result)
    assert len(calls) == 3  # one solved_history: outputs, distinct, codes
    assert code_headline(result).replace(" · ", ", ") in summary


def test_the_status_lines_say_what_a_click_did():
    config = Config(epochs=1000)
    trainer = Trainer(config, [config.seed], keep_snapshots=True)
    initial = trainer.result().run(0)
    assert initial.status == "initial weights, not trained yet"
    assert finished_line(initial) == "Initial weights, not trained yet."
    trainer.run(84)
    stepped = trainer.run(10).run(0)  # a Step of 10
    assert stepped.status == "paused"
    assert finished_line(stepped, trained=10).startswith("Trained 10 epochs, 94 in all, in ")
    assert finished_line(stepped, trained=94).startswith("Trained 94 epochs in ")
    done = trainer.run(906).run(0)
    assert done.status == "finished" and done.epochs_done == 1000
    at_goal = train(replace(config, stop="codes"))
    stop_epoch = f" at epoch {at_goal.epochs_done:,}" if at_goal.epochs_done > at_goal.solved_epoch else ""
    assert finished_line(at_goal).endswith(
        f"solved at epoch {at_goal.solved_epoch}; stopped at its goal (codes solved)" + stop_epoch + "."
    )


def test_time_left_comes_from_the_pace_so_far():
    assert time_left(100, 1100, 2.0) == " · about 20 s left"
    assert time_left(100, 1100, 2.0, may_stop_early=True) == " · at most 20 s left"
    assert time_left(100, 10_100, 2.0) == " · about 3 min left"
    assert time_left(100, 200, 1.0) == ""  # a second left: quick, nothing said
    assert time_left(0, 200, 0.0) == "" and time_left(200, 200, 5.0) == ""


def test_the_status_line_says_what_a_run_reached_for_its_data():
    """Real-valued data has no goal: its line gives the variance explained (and says when that is below
    nothing, worse than the mean pattern), never 'never solved'. Outputs solved without distinct codes say so."""
    digits = Config(data="digits", width=64, hidden=2, patterns=40, loss="mse", stop="never", lr=1.0, epochs=30)
    line = finished_line(train(digits))
    explained = train(digits).reconstruction()["variance_explained"]
    assert f"variance explained {report.percent(explained)}" in line and "never solved" not in line
    assert ("worse than always answering the mean pattern" in line) == (explained < 0)
    untrained_far = train(replace(digits, lr=1e-5, epochs=1))  # the initial outputs: worse than the mean
    assert "worse than always answering the mean pattern" in finished_line(untrained_far)
    solved = train(Config(epochs=300, stop="never"))
    outputs_only = replace(solved, output_solved_epoch=50, solved_epoch=None)  # as when two codes stay equal
    assert finished_line(outputs_only).endswith("outputs solved at epoch 50, codes never all distinct.")
    assert finished_line(replace(outputs_only, output_solved_epoch=None)).endswith("never solved.")
