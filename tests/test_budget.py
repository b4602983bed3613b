"""The served page's work budget and its line of trainings: estimates, limits, messages, the queue."""

from __future__ import annotations

import gc
import threading
import time
from contextlib import contextmanager
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from aelab.budget import (
    DEFAULT_BUDGET,
    UNLIMITED,
    Budget,
    estimate_bench_seconds,
    estimate_megabytes,
    estimate_seconds,
    load_budget,
    max_epochs_within,
    over_budget,
)
from aelab.cli import build_parser
from aelab.config import PAGE_DEFAULTS, SETTINGS, Config, ConfigError
from aelab.goals import Goal
from aelab.report import cli_command
from aelab.run_queue import RunQueue
from aelab.sweep import MAX_SWEEP_SEEDS
from aelab.train import Trainer, train
from tests.test_page import APP

# The most expensive work a share link can ask for: the widest net, every epoch, the most seeds.
WIDEST = Config(width=1024, hidden=1024, epochs=100_000)
WIDEST_LINK = {"width": "1024", "hidden": "1024", "epochs": "100000"}


def test_the_default_run_and_the_presets_fit_the_default_budget():
    from aelab.presets import PRESETS, preset_config

    assert over_budget(DEFAULT_BUDGET, Config()) is None
    for name in PRESETS:
        assert over_budget(DEFAULT_BUDGET, preset_config(name)) is None, name
        page_sweep = over_budget(DEFAULT_BUDGET, preset_config(name), seeds=100)
        if preset_config(name).width <= 64:
            assert page_sweep is None, name
        else:  # 100 seeds of 128-7-128 x 50,000 epochs take many minutes: the page says how to fit or where to run
            assert "lower the epochs" in page_sweep and "your own machine" in page_sweep, name


def test_torch_restarts_and_autograd_steps_cost_more_in_the_estimate():
    """With restarts torch.optim loops over Adam's four tensors per seed (benchmarks/calibrate_budget.py
    measures ~60 us per seed and epoch); sse and a flat spot take autograd's larger fixed cost. Restarts
    themselves cost a little: new weights per seed."""
    plain = Config(backend="torch", optimizer="adam", lr=0.05)
    assert estimate_seconds(replace(plain, restart_after=100), 100) > 10 * estimate_seconds(plain, 100)
    momentum = replace(plain, optimizer="momentum", lr=1.0)  # one flat tensor, restarts or not
    assert estimate_seconds(replace(momentum, restart_after=100), 100) < 1.2 * estimate_seconds(momentum, 100)
    assert estimate_seconds(replace(plain, loss="sse")) > estimate_seconds(plain)
    assert estimate_seconds(replace(plain, flat_spot=0.1)) > estimate_seconds(plain)
    numpy = replace(plain, backend="numpy")  # its optimiser state is one array for every seed
    assert estimate_seconds(replace(numpy, restart_after=100), 100) < 1.5 * estimate_seconds(numpy, 100)


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
    assert page.session_state["result"].epochs_done == train(PAGE_DEFAULTS).epochs_done  # the page's default run


def test_a_misconfigured_budget_is_reported_and_the_defaults_apply(monkeypatch):
    monkeypatch.setenv("AELAB_MAX_RUNS", "many")
    page = AppTest.from_file(APP, default_timeout=60)
    page.run()
    page.button(key="train").click().run()
    assert not page.exception
    assert any("misconfigured" in error.value and "AELAB_MAX_RUNS" in error.value for error in page.error)
    assert page.session_state["result"].epochs_done == train(PAGE_DEFAULTS).epochs_done  # the page's default run


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
    # nothing has to be kept for the limit to last: it holds once the cached call is forgotten
    from aelab_page.serving import _one_blas_thread

    _one_blas_thread.clear()
    gc.collect()
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")


# One small config per knob of the estimate (aelab.budget.epoch_work), each a fraction of a second:
# (label, config, seeds, sweep). A sweep trains to a goal never reached (a loss below 0), as the
# worst case the estimate prices: every epoch measured and checked.
KNOBS = [
    ("per pattern", Config(width=256, hidden=64, batch_size=1, optimizer="adam", lr=0.01, epochs=5), 1, False),
    ("mini-batch", Config(width=256, hidden=64, batch_size=16, optimizer="adam", lr=0.01, epochs=30), 1, False),
    ("float64", Config(width=256, hidden=32, dtype="float64", epochs=40), 1, False),
    ("noise", Config(width=64, hidden=6, noise=0.3, epochs=100), 50, False),
    ("weight decay", Config(width=128, hidden=128, weight_decay=0.01, epochs=40), 1, False),
    ("softmax", Config(width=64, hidden=6, loss="softmax_ce", activation="tanh", epochs=100), 50, False),
    ("restarts", Config(optimizer="adam", lr=0.05, restart_after=10, epochs=200), 100, False),
    ("codes k >= 63", Config(width=128, hidden=100, epochs=40), 20, True),
    ("sweep of 200 seeds", Config(width=64, hidden=6, epochs=40), 200, True),
    *[
        (name, Config(width=128, hidden=64, optimizer=name, lr=0.01, dtype=dtype, epochs=40), 1, False)
        for name in ("sgd", "momentum", "adam", "rprop", "quickprop")
        for dtype in ("float32", "float64")
    ],
]
NEVER = Goal("loss", -1.0)
MARGIN = 2.0  # measured CPU time may exceed the estimate by this much before the test fails (a busy machine)


def cpu_seconds_of(config: Config, seeds: int, sweep: bool) -> float:
    """CPU seconds of the training itself (this thread, one BLAS and one torch thread)."""
    trainer = Trainer(config, list(range(seeds)), goal=NEVER if sweep else None)
    trainer.run(2)  # warm up
    start = time.thread_time()
    trainer.run(config.epochs - 2)
    return (time.thread_time() - start) * config.epochs / (config.epochs - 2)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize(("label", "config", "seeds", "sweep"), KNOBS, ids=[knob[0] for knob in KNOBS])
def test_the_estimate_holds_for_every_knob(backend, label, config, seeds, sweep):
    """The estimate stays at or above the measured CPU time, knob by knob, within MARGIN. A term left
    out (per-update optimiser cost of a per-pattern epoch, float64, an optimiser's own cost) misses
    by far more: the per-pattern config makes 256 updates an epoch, each over all 33,088 parameters."""
    if backend == "torch":
        pytest.importorskip("torch")
    config = replace(config, backend=backend, device="cpu")
    with one_thread():
        measured = min(cpu_seconds_of(config, seeds, sweep) for _ in range(2))
    estimate = estimate_seconds(config, seeds)
    assert estimate * MARGIN >= measured, f"{label}: estimate {estimate:.3f} s, measured {measured:.3f} s"


@contextmanager
def one_thread():
    """One BLAS thread and one torch thread, as on the served page (aelab_page.serving)."""
    from threadpoolctl import threadpool_limits

    torch_threads = None
    try:
        import torch

        torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
    except ImportError:
        pass
    try:
        with threadpool_limits(1):
            yield
    finally:
        if torch_threads is not None:
            torch.set_num_threads(torch_threads)


def test_the_bench_estimate_holds():
    """The literature bench, every entry at a few epochs over 100 seeds (the page's default click)."""
    from aelab.bench import BENCH

    configs = [replace(entry.config, epochs=30) for entry in BENCH.values()]
    with one_thread():
        measured = sum(cpu_seconds_of(config, 100, sweep=True) for config in configs)
    assert estimate_bench_seconds(configs, 100) * MARGIN >= measured


def test_per_pattern_and_mini_batch_updates_are_charged_over_every_parameter():
    """An epoch of per-pattern updates at 1024-1024 runs the optimiser 1024 times over 2.1 M parameters:
    the issue's links (about 22,000 s and 7,300 s measured) are refused at the default limit."""
    link = Config(width=1024, hidden=1024, batch_size=1, optimizer="quickprop", weight_decay=0.1, dtype="float64")
    assert estimate_seconds(replace(link, epochs=486)) > 22_000
    assert estimate_seconds(replace(link, optimizer="rprop", epochs=486)) > 7_300
    assert over_budget(DEFAULT_BUDGET, replace(link, epochs=486)) is not None
    assert max_epochs_within(DEFAULT_BUDGET.max_seconds, link) <= 3


@pytest.mark.parametrize(("width", "hidden"), [(8, 3), (64, 6), (12, 2)])
def test_the_parameter_count_the_estimates_and_the_run_schema_share_is_the_networks(width, hidden):
    from aelab.weights import first_weights, parameter_count

    config = Config(width=width, hidden=hidden)
    assert parameter_count(config) == sum(array.size for array in first_weights(config, 0))


def test_every_unit_of_work_is_priced_on_some_backend():
    """A unit at 0 on every backend adds nothing to the sum (count x cost): it would only look priced."""
    from aelab.budget import UNIT_SECONDS, epoch_work

    units = set(UNIT_SECONDS["numpy"])
    assert all(set(costs) == units for costs in UNIT_SECONDS.values())
    assert all(any(costs[unit] > 0 for costs in UNIT_SECONDS.values()) for unit in units), units
    for config in (Config(), Config(loss="softmax_ce", optimizer="adam", batch_size=2, noise=0.1, restart_after=5)):
        assert set(epoch_work(config)) <= units
