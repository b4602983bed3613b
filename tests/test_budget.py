"""The served page's work budget and its line of trainings: estimates, limits, messages, the queue."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from aelab.budget import (
    DEFAULT_BUDGET,
    UNLIMITED,
    Budget,
    estimate_megabytes,
    estimate_seconds,
    load_budget,
    max_epochs_within,
    over_budget,
)
from aelab.cli import build_parser
from aelab.config import SETTINGS, Config, ConfigError
from aelab.report import cli_command
from aelab.run_queue import RunQueue
from aelab.sweep import MAX_SWEEP_SEEDS
from tests.test_page import APP

# The most expensive work a share link can ask for: the widest net, every epoch, the most seeds.
WIDEST = Config(width=1024, hidden=1024, epochs=100_000)
WIDEST_LINK = {"width": "1024", "hidden": "1024", "epochs": "100000"}


def test_the_default_run_and_the_presets_fit_the_default_budget():
    from aelab.presets import PRESETS, preset_config

    assert over_budget(DEFAULT_BUDGET, Config()) is None
    for name in PRESETS:
        assert over_budget(DEFAULT_BUDGET, preset_config(name)) is None, name
        assert over_budget(DEFAULT_BUDGET, preset_config(name), seeds=100) is None, name  # the page's sweep


def test_torch_restarts_and_autograd_steps_cost_more_in_the_estimate():
    """With restarts torch.optim loops over Adam's four tensors per seed (benchmarks/calibrate_budget.py
    measures ~38 us per seed and epoch); sse and a flat spot take autograd's larger fixed cost."""
    plain = Config(backend="torch", optimizer="adam", lr=0.05)
    assert estimate_seconds(replace(plain, restart_after=100), 100) > 10 * estimate_seconds(plain, 100)
    momentum = replace(plain, optimizer="momentum", lr=1.0)  # one flat tensor, restarts or not
    assert estimate_seconds(replace(momentum, restart_after=100), 100) == estimate_seconds(momentum, 100)
    assert estimate_seconds(replace(plain, loss="sse")) > estimate_seconds(plain)
    assert estimate_seconds(replace(plain, flat_spot=0.1)) > estimate_seconds(plain)
    numpy = replace(plain, backend="numpy")  # its optimiser state is one array for every seed
    assert estimate_seconds(replace(numpy, restart_after=100), 100) == estimate_seconds(numpy, 100)


def test_estimates_grow_with_the_work():
    base = estimate_seconds(Config())
    assert estimate_seconds(replace(Config(), epochs=2000)) == pytest.approx(2 * base)
    assert estimate_seconds(Config(), seeds=100) > 5 * base  # batched seeds share the per-epoch overhead
    assert estimate_seconds(Config(width=1024, hidden=10)) > 100 * base
    assert estimate_seconds(Config(backend="torch")) > base  # more per-epoch overhead
    assert estimate_megabytes(WIDEST) > estimate_megabytes(Config())


def test_the_widest_link_is_refused_with_the_limit_the_epochs_that_fit_and_a_way_out():
    message = over_budget(DEFAULT_BUDGET, WIDEST)
    assert message is not None and "this server allows 2 min per click" in message
    assert "could take up to" in message and "own machine" in message
    fits = max_epochs_within(DEFAULT_BUDGET.max_seconds, WIDEST)
    assert f"lower the epochs to {fits:,} or fewer" in message
    assert over_budget(DEFAULT_BUDGET, replace(WIDEST, epochs=fits)) is None
    assert over_budget(DEFAULT_BUDGET, replace(WIDEST, epochs=fits + 1)) is not None
    assert over_budget(UNLIMITED, WIDEST, seeds=MAX_SWEEP_SEEDS) is None


def test_a_memory_limit_is_named():
    message = over_budget(Budget(max_seconds=None, max_megabytes=100), WIDEST)
    assert message is not None and "MB of memory" in message and "100 MB per run" in message


def test_limits_come_from_the_environment_over_secrets_over_defaults():
    assert load_budget({}, {}) == DEFAULT_BUDGET
    assert load_budget({}, {"max_seconds": 600}).max_seconds == 600
    both = load_budget({"AELAB_MAX_SECONDS": "30"}, {"max_seconds": 600, "max_runs": 4})
    assert both.max_seconds == 30 and both.max_runs == 4
    lifted = load_budget({"AELAB_MAX_SECONDS": "off", "AELAB_MAX_MEGABYTES": "0", "AELAB_MAX_RUNS": "none"}, {})
    assert lifted == UNLIMITED
    assert over_budget(lifted, WIDEST, seeds=MAX_SWEEP_SEEDS) is None


@pytest.mark.parametrize(
    ("environ", "secrets", "named"),
    [
        ({"AELAB_MAX_SECONDS": "lots"}, {}, "AELAB_MAX_SECONDS"),
        ({"AELAB_MAX_SECONDS": "-5"}, {}, "AELAB_MAX_SECONDS"),
        ({"AELAB_MAX_SECONDS": "inf"}, {}, "AELAB_MAX_SECONDS"),
        ({"AELAB_MAX_RUNS": "1.5"}, {}, "AELAB_MAX_RUNS"),
        ({}, {"max_second": 10}, "[aelab] max_second"),
        ({}, {"max_megabytes": "big"}, "[aelab] max_megabytes"),
        ({"AELAB_QUICK_SECONDS": "off"}, {}, "AELAB_QUICK_SECONDS"),
    ],
)
def test_a_bad_limit_names_the_key_and_the_value(environ, secrets, named):
    with pytest.raises(ConfigError) as caught:
        load_budget(environ, secrets)
    assert caught.value.field == named and "not allowed" in str(caught.value)


@pytest.mark.parametrize(
    ("config", "seeds"),
    [(WIDEST, None), (Config(activation="sigmoid", lr=0.5, weight_decay=1e-4), None), (Config(width=64), [5, 6, 7])],
)
def test_the_suggested_command_line_runs_the_same_work(config, seeds):
    """The refusal's command reads back, through the CLI's own parser, to the same config and seeds."""
    args = build_parser().parse_args(cli_command(config, seeds).split()[3:])  # after "python -m aelab"
    given = {name: getattr(args, name) for name in SETTINGS if getattr(args, name, None) is not None}
    assert Config.from_strings(given) == (config if seeds is None else replace(config, seed=0))
    if seeds is not None:
        assert (int(args.seeds), int(args.first_seed)) == (len(seeds), seeds[0])


def test_the_queue_runs_at_most_its_slots_first_come_first_served():
    queue = RunQueue(slots=1)
    first, second, third = queue.join(), queue.join(), queue.join()
    assert queue.start(first) and not queue.start(second) and not queue.start(third)
    assert (queue.place(first), queue.place(second), queue.place(third)) == (0, 1, 2)
    queue.leave(third)  # a visitor who gives up leaves the line
    queue.leave(first)
    assert queue.start(second) and queue.running == 1


def test_the_queue_under_threads_never_runs_more_than_its_slots():
    queue, lock = RunQueue(slots=2), threading.Lock()
    running, peak, finished = [0], [0], []

    def visitor(index: int) -> None:
        ticket = queue.join()
        try:
            while not queue.start(ticket, timeout=0.05):
                pass
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1
            finished.append(index)
        finally:
            queue.leave(ticket)

    threads = [threading.Thread(target=visitor, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(finished) == list(range(8)) and peak[0] == 2 and queue.running == 0


def test_only_long_work_waits_in_line():
    assert not DEFAULT_BUDGET.needs_slot(estimate_seconds(Config()))
    assert not DEFAULT_BUDGET.needs_slot(estimate_seconds(Config(), seeds=100))
    assert DEFAULT_BUDGET.needs_slot(estimate_seconds(WIDEST))
    assert not UNLIMITED.needs_slot(estimate_seconds(WIDEST))  # no limit on runs: nothing waits


def test_no_limit_means_no_waiting():
    queue = RunQueue(slots=None)
    tickets = [queue.join() for _ in range(5)]
    assert all(queue.start(ticket) for ticket in tickets)


def test_the_page_refuses_the_widest_link_and_shows_the_command_line():
    page = AppTest.from_file(APP, default_timeout=60)
    page.query_params.update(WIDEST_LINK)
    page.run()
    page.button(key="train").click().run()
    assert not page.exception
    assert any("this server allows 2 min per click" in error.value for error in page.error)
    assert any("python -m aelab train --width 1024 --hidden 1024 --epochs 100000" in code.value for code in page.code)
    assert "result" not in page.session_state and "training" not in page.session_state


def test_the_page_refuses_a_sweep_over_the_budget():
    page = AppTest.from_file(APP, default_timeout=60)
    page.query_params.update({"width": "1024", "hidden": "10", "epochs": "5000"})
    page.run()
    page.number_input(key="sweep_seeds").set_value(MAX_SWEEP_SEEDS).run()
    page.button(key="sweep").click().run()
    assert not page.exception
    assert any("This sweep of 1,000 seeds could take up to" in error.value for error in page.error)
    assert "sweep_result" not in page.session_state


def test_the_environment_sets_the_page_budget(monkeypatch):
    """A tiny limit from the environment refuses even the default run; lifting it lets it train."""
    monkeypatch.setenv("AELAB_MAX_SECONDS", "0.001")
    page = AppTest.from_file(APP, default_timeout=60)
    page.run()
    page.button(key="train").click().run()
    assert any("this server allows 0.001 s per click" in error.value for error in page.error)
    assert "result" not in page.session_state
    monkeypatch.setenv("AELAB_MAX_SECONDS", "off")
    page.button(key="train").click().run()
    assert not page.exception and not page.error
    assert page.session_state["result"].epochs_done == Config().epochs


def test_a_misconfigured_budget_is_reported_and_the_defaults_apply(monkeypatch):
    monkeypatch.setenv("AELAB_MAX_RUNS", "many")
    page = AppTest.from_file(APP, default_timeout=60)
    page.run()
    page.button(key="train").click().run()
    assert not page.exception
    assert any("misconfigured" in error.value and "AELAB_MAX_RUNS" in error.value for error in page.error)
    assert page.session_state["result"].epochs_done == Config().epochs


def test_mini_batch_epochs_cost_more_and_a_full_bench_is_checked_as_a_whole():
    from aelab.bench import BENCH
    from aelab.budget import bench_over_budget

    full = estimate_seconds(Config(width=64, hidden=6))
    assert estimate_seconds(Config(width=64, hidden=6, batch_size=1)) > 10 * full  # 64 updates an epoch
    assert estimate_seconds(Config(width=64, hidden=6, batch_size=64)) == full  # a batch of all P is full batch
    configs = [entry.config for entry in BENCH.values()]
    assert bench_over_budget(DEFAULT_BUDGET, configs, 100) is None  # the page's default bench click
    message = bench_over_budget(DEFAULT_BUDGET, configs, MAX_SWEEP_SEEDS)
    assert message is not None and "choose one entry or fewer seeds" in message


def test_a_served_page_trains_on_one_blas_thread():
    """Every visitor shares the server's CPUs: after a training the process's BLAS runs one thread."""
    from threadpoolctl import threadpool_info

    page = AppTest.from_file(APP, default_timeout=60)
    page.run()
    page.button(key="train").click().run()
    assert not page.exception
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
