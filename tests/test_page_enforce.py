"""The page enforces each click's CPU-time limit whatever the estimate said (AppTest, no browser):
a run, Continue, a sweep and the bench stop themselves, keep what they did, and say so with the
limit, the CPU time used and the command line that does the rest on your own machine. A paced run
(Speed) is bounded by the clock too: refused up front when its epochs cannot fit, stopped as it runs."""

from __future__ import annotations

import re

import pytest

import aelab.budget
import aelab_page.bench
import aelab_page.serving
import aelab_page.sweep
import aelab_page.training
from aelab.pace import WALL_FACTOR
from tests.test_page import click_train, new_page

LIMIT = 0.5  # AELAB_MAX_SECONDS here: the click's CPU seconds


@pytest.fixture(autouse=True)
def estimates_far_too_low(monkeypatch):
    """Every click is estimated at 0.1 s, so that none is refused and only the allowance can stop it."""
    monkeypatch.setenv("AELAB_MAX_SECONDS", str(LIMIT))
    low = lambda *args, **kwargs: 0.1  # noqa: E731
    for module in (aelab.budget, aelab_page.training, aelab_page.sweep):
        monkeypatch.setattr(module, "estimate_seconds", low)
    for module in (aelab.budget, aelab_page.bench):
        monkeypatch.setattr(module, "estimate_bench_seconds", low)


def limit_message(app) -> str:
    messages = [error.value for error in app.error if "CPU time" in error.value]
    assert len(messages) == 1, [error.value for error in app.error]
    used = float(re.search(r"it used ([\d.]+) s", messages[0]).group(1))
    assert LIMIT <= used < LIMIT + 0.5  # stopped within a check of the limit (generous on a busy machine)
    assert f"this click may use {LIMIT:g} s of CPU time" in messages[0]
    return messages[0]


def commands(app) -> list[str]:
    return [block.value for block in app.code]


def test_a_run_far_over_its_estimate_stops_at_the_limit_and_continues():
    app = click_train(new_page({"width": "64", "hidden": "6"}, epochs=100_000))
    assert "**Continue** trains on from here" in limit_message(app)
    assert "python -m aelab train --resume aelab_64-6-64_seed0_run.json" in commands(app)
    trainer = app.session_state.trainer
    first = trainer.epoch
    assert 0 < first < 100_000 and app.session_state.result.stopped
    assert app.session_state.saved_run["epoch"] == first  # the download resumes exactly there
    app.button(key="continue").click().run()
    assert not app.exception, app.exception
    limit_message(app)  # a new click, a new allowance: it trained on, and stopped again
    assert app.session_state.trainer.epoch > first


def test_a_sweep_far_over_its_estimate_stops_at_the_limit():
    app = new_page({"width": "64", "hidden": "6"}, epochs=100_000)
    app.button(key="sweep").click().run()
    assert not app.exception, app.exception
    assert "The sweep so far is kept" in limit_message(app)
    assert any(command.startswith("python -m aelab sweep") and "--seeds 100" in command for command in commands(app))
    assert app.session_state.sweep_result.stopped


def test_the_bench_far_over_its_estimate_stops_at_the_limit():
    app = new_page(epochs=0)
    app.number_input(key="bench_seeds").set_value(1000).run()
    app.button(key="bench").click().run()
    assert not app.exception, app.exception
    assert "The entries so far are kept" in limit_message(app)
    assert "python -m aelab bench --seeds 1000" in commands(app)
    assert app.session_state.bench_results[-1].stopped


def test_a_paced_link_that_cannot_fit_the_clock_is_refused_up_front():
    app = click_train(new_page({"speed": "1"}, epochs=1000))  # 1000 s at 1 epoch/s; the clock allows 5 s
    assert "trainer" not in app.session_state or app.session_state.trainer is None
    messages = [error.value for error in app.error if "by the clock" in error.value]
    assert len(messages) == 1 and "At 1 epochs per second, 1,000 epochs take at least 17 min" in messages[0]
    assert f"lower the epochs to {int(WALL_FACTOR * LIMIT):,} or fewer" in messages[0]
    assert any(command.startswith("python -m aelab train") for command in commands(app))


def test_a_paced_run_stops_at_the_clicks_wall_clock_allowance(monkeypatch):
    """The up-front check believes every pace fits here: the clock, measured as it trains, stops it."""
    monkeypatch.setattr(aelab_page.serving, "over_pace", lambda *args: None)
    app = click_train(new_page({"speed": "20", "stop": "never"}, epochs=100_000))
    wall = WALL_FACTOR * LIMIT
    messages = [error.value for error in app.error if "by the clock" in error.value]
    assert len(messages) == 1, [error.value for error in app.error]
    assert f"this click may train for {wall:.2g} s by the clock" in messages[0]
    trained_for = float(re.search(r"it trained for ([\d.]+) s", messages[0]).group(1))
    assert wall <= trained_for < wall + 2.0
    trainer = app.session_state.trainer
    assert 0 < trainer.epoch < 20 * (wall + 2.0) and app.session_state.result.stopped  # paced: ~20 epochs/s
    assert "**Continue** trains on from here" in messages[0]
