"""The wall-clock allowance beside the CPU-time one: how long a click may train by the clock, and the
up-front refusal of a paced run whose epochs cannot fit in it at its speed."""

from __future__ import annotations

from dataclasses import replace

from aelab.budget import DEFAULT_BUDGET, UNLIMITED
from aelab.pace import WALL_FACTOR, over_pace, paced_seconds, wall_seconds


def test_the_wall_clock_allowance_is_a_factor_of_the_clicks_cpu_allowance():
    budget = DEFAULT_BUDGET
    assert wall_seconds(budget, 60.0) == WALL_FACTOR * budget.max_seconds  # long work: 20 min
    assert wall_seconds(budget, 5.0) == WALL_FACTOR * budget.allowance_seconds(5.0)  # the small lane moves on
    assert wall_seconds(budget, 5.0) < wall_seconds(budget, 60.0)
    assert wall_seconds(budget, 0.1) == WALL_FACTOR * budget.max_seconds  # quick work holds no place in line
    assert wall_seconds(UNLIMITED, 1e9) is None  # the click's limit lifted: the clock's too
    assert wall_seconds(replace(budget, max_runs=None), 60.0) == WALL_FACTOR * budget.max_seconds


def test_a_paced_link_that_would_hold_the_server_for_hours_is_refused_up_front():
    message = over_pace(DEFAULT_BUDGET, 100_000, 1, estimated_seconds=0.5)
    assert message is not None
    assert "At 1 epochs per second, 100,000 epochs take at least 27.8 h" in message
    assert "train for 20 min by the clock" in message
    assert "lower the epochs to 1,200 or fewer" in message and "own machine" in message


def test_what_fits_at_its_speed_and_full_speed_are_not_refused():
    fits = int(WALL_FACTOR * DEFAULT_BUDGET.max_seconds * 5)  # the most epochs at 5 epochs/s
    assert over_pace(DEFAULT_BUDGET, fits, 5, 0.5) is None
    assert over_pace(DEFAULT_BUDGET, fits + 5, 5, 0.5) is not None
    assert over_pace(DEFAULT_BUDGET, 100_000, 0, 60.0) is None and paced_seconds(100_000, 0) == 0.0
    assert over_pace(UNLIMITED, 100_000, 1, 0.5) is None
