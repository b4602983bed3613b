"""The server's line: long work takes turns in `slots`; small work has a lane of its own, so it waits
only for other small work, whose allowance bounds how long each holds the lane."""

from __future__ import annotations

import threading
import time

import pytest

from aelab.allowance import Allowance
from aelab.budget import DEFAULT_BUDGET, LANE_ALLOWANCE, UNLIMITED, Budget, load_budget
from aelab.config import ConfigError
from aelab.run_queue import RunQueue


def test_small_work_starts_beside_long_work_that_holds_every_slot():
    queue = RunQueue(slots=2)
    long_runs = [queue.join() for _ in range(3)]
    assert [queue.start(ticket) for ticket in long_runs] == [True, True, False]  # the third waits in line
    small = queue.join(small=True)
    assert queue.start(small) and small.lane == "small"
    assert queue.place(long_runs[2]) == 1


def test_small_work_waits_only_for_small_work_ahead_of_it():
    queue = RunQueue(slots=1)
    long_run, waiting_long = queue.join(), queue.join()
    assert queue.start(long_run) and not queue.start(waiting_long)
    first, second = queue.join(small=True), queue.join(small=True)
    assert queue.start(first) and not queue.start(second) and queue.place(second) == 1
    started = []
    waiter = threading.Thread(target=lambda: started.append(queue.start(second, timeout=10)))
    waiter.start()
    time.sleep(0.1)
    queue.leave(first)  # the small run ahead ends: the next small one starts, long runs or not
    waiter.join(timeout=10)
    assert started == [True] and second.lane == "small" and not queue.start(waiting_long)


def test_small_work_takes_a_free_long_slot_only_when_no_long_work_waits():
    queue = RunQueue(slots=1)
    first, second = queue.join(small=True), queue.join(small=True)
    assert queue.start(first) and first.lane == "small"
    assert queue.start(second) and second.lane == "long"  # the long slot was free and nobody waited for it
    queue.leave(second)
    long_run, waiting_long, third = queue.join(), queue.join(), queue.join(small=True)
    assert queue.start(long_run)
    queue.leave(long_run)  # the long slot is free again, but long work waits for it
    assert not queue.start(third)
    assert queue.start(waiting_long)


def test_quick_and_small_clicks_get_a_lanes_allowance_long_ones_the_limit():
    budget = DEFAULT_BUDGET  # quick under 2 s, small under 10 s, 120 s per click
    assert budget.allowance_seconds(0.1) == LANE_ALLOWANCE * budget.quick_seconds
    assert budget.allowance_seconds(5.0) == LANE_ALLOWANCE * budget.small_seconds
    assert budget.allowance_seconds(50.0) == budget.max_seconds
    assert not budget.small(0.1) and budget.small(5.0) and not budget.small(50.0)
    assert Budget(max_seconds=3.0).allowance_seconds(0.1) == 3.0  # never above the click's limit
    assert UNLIMITED.allowance_seconds(1e6) is None
    assert Budget(max_runs=None).allowance_seconds(0.1) == Budget().max_seconds  # no line: no lane


def test_the_small_lanes_threshold_is_a_setting_that_cannot_be_lifted():
    assert load_budget({"AELAB_SMALL_SECONDS": "20"}, {}).small_seconds == 20.0
    assert load_budget({}, {"small_seconds": 5}).small_seconds == 5.0
    for bad in ("off", "-1", "abc"):
        with pytest.raises(ConfigError, match="AELAB_SMALL_SECONDS"):
            load_budget({"AELAB_SMALL_SECONDS": bad}, {})


def test_drawing_is_set_aside_from_the_allowance():
    allowance = Allowance(cpu_seconds=10.0)
    allowance.start()
    end = time.thread_time() + 0.3
    with allowance.aside():
        while time.thread_time() < end:
            pass
    assert allowance.used < 0.1
