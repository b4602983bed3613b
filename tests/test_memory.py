"""Bounded memory and bounded progress cost, whatever the run: thinned history, seed batches, slow callbacks."""

from __future__ import annotations

import importlib
import time
from dataclasses import replace

import numpy as np

from aelab import kept_epochs
from aelab import recorder as recorder_module
from aelab.backends import make_backend
from aelab.config import Config
from aelab.goals import SOLVED
from aelab.patterns import one_hot_patterns
from aelab.recorder import HISTORY_BUDGET, Recorder, first_weights, history_epochs
from aelab.results import METRICS
from aelab.sweep import seed_batches, sweep
from aelab.train import PROGRESS_SHARE, train, train_seeds
from aelab.weights import Weights

sweep_module = importlib.import_module("aelab.sweep")  # the module: aelab.sweep is also a function
CONFIG = Config(epochs=400, dtype="float64")


def small_history_budget(monkeypatch, entries: int) -> None:
    """HISTORY_BUDGET as the history's first columns (kept_epochs) and its growth (recorder) read it."""
    for module in (kept_epochs, recorder_module):
        monkeypatch.setattr(module, "HISTORY_BUDGET", entries)


def test_the_largest_sweep_keeps_a_bounded_history():
    """A 1000-seed x 100000-epoch sweep (the CLI's largest) records at most HISTORY_BUDGET entries per
    metric, evenly spaced from 0 to the last epoch, without running it."""
    config = replace(CONFIG, epochs=100_000, dtype="float32")
    seeds = list(range(1000))
    data = one_hot_patterns(config.width)
    initial = Weights.stack([first_weights(config, seed) for seed in seeds])
    state = Recorder(config, seeds, data, initial, make_backend(config, initial, data), keep_snapshots=False)
    epochs = state.history_epochs
    assert epochs[0] == 0 and epochs[-1] == 100_000
    assert len(np.unique(np.diff(epochs[:-1]))) == 1  # evenly spaced (the last step may be shorter)
    assert sum(values.nbytes for values in state.history.values()) <= len(METRICS) * 8 * HISTORY_BUDGET
    assert len(epochs) * len(seeds) <= HISTORY_BUDGET


def test_a_short_run_keeps_every_epoch():
    assert np.array_equal(history_epochs(1000, 1), np.arange(1001))
    assert np.array_equal(history_epochs(100_000, 1), np.arange(100_001))  # a single run is never thinned


def test_a_thinned_history_keeps_exact_solved_epochs_and_last_figures(monkeypatch):
    seeds = list(range(6))
    full = train_seeds(CONFIG, seeds)
    small_history_budget(monkeypatch, 6 * 37)  # 37 columns per seed for 401 epochs
    thin = train_seeds(CONFIG, seeds)
    assert len(thin.history_epochs) <= 37 and thin.history_epochs[-1] == CONFIG.epochs
    assert thin.solved_epoch == full.solved_epoch and thin.output_solved_epoch == full.output_solved_epoch
    assert any(epoch is not None for epoch in full.solved_epoch)  # the comparison means something
    for name in METRICS:
        np.testing.assert_array_equal(thin.history[name], full.history[name][:, thin.history_epochs])
    for index in range(len(seeds)):
        run_full, run_thin = full.run(index), thin.run(index)
        assert run_thin.epochs_done == run_full.epochs_done
        for name in ("epoch", *METRICS):
            assert run_thin.history[name][-1] == run_full.history[name][-1]


def test_a_thinned_sweep_that_stops_early_still_reports_its_last_entry(monkeypatch):
    """Seeds that stop between kept columns (solved, stop_when=SOLVED) keep their last figures."""
    small_history_budget(monkeypatch, 4 * 10)
    batch = train_seeds(CONFIG, list(range(4)), stop_when=SOLVED)
    for index in range(4):
        run = batch.run(index)
        assert run.history["epoch"][-1] == batch.lengths[index] - 1
        assert run.history["distinct_codes"][-1] == batch.latest["distinct_codes"][index]


def test_seed_batches_bound_each_batch_and_keep_the_order():
    wide = Config(width=1024, hidden=10)
    batches = seed_batches(wide, list(range(100)))
    assert [seed for batch in batches for seed in batch] == list(range(100))
    per_seed = wide.width * (wide.width + wide.hidden)
    assert all(len(batch) * per_seed <= sweep_module.MAX_BATCH_VALUES for batch in batches)
    assert seed_batches(Config(width=1024, hidden=1024), [0, 1]) == [[0], [1]]  # never an empty batch
    assert len(seed_batches(CONFIG, list(range(1000)))) == 1  # 8-3-8: one batch


def test_a_sweep_in_batches_equals_one_batch(monkeypatch):
    seeds = list(range(10))
    together = sweep(CONFIG, seeds)
    monkeypatch.setattr(sweep_module, "MAX_BATCH_VALUES", 3 * 8 * 11)  # three seeds per batch
    assert len(seed_batches(CONFIG, seeds)) == 4
    apart = sweep(CONFIG, seeds)
    for name in ("seeds", "output_solved_epoch", "solved_epoch", "diverged", "final_distinct_codes", "failures"):
        assert getattr(apart, name) == getattr(together, name), name
    assert sorted(apart.code_groups) == sorted(together.code_groups) and apart.diagnosed
    assert not apart.stopped


def test_a_sweep_stopped_in_its_first_batch_counts_the_rest_as_not_started(monkeypatch):
    monkeypatch.setattr(sweep_module, "MAX_BATCH_VALUES", 3 * 8 * 11)
    fractions = []

    def stop_soon(progress):
        fractions.append(progress.fraction)
        so_far = progress.sweep_result()
        assert so_far.seeds == list(range(10)) and so_far.stopped
        return progress.epoch >= 5

    result = sweep(CONFIG, list(range(10)), on_progress=stop_soon, progress_interval=0.0)
    assert result.stopped and result.seeds == list(range(10)) and result.diagnosed
    assert result.solved_epoch[3:] == [None] * 7 and result.final_distinct_codes[3:] == [0] * 7
    assert [failure.cause for failure in result.failures[3:]] == ["not_started"] * 7
    assert fractions == sorted(fractions) and fractions[-1] < 1 / 4


def test_a_slow_progress_callback_costs_training_a_bounded_share():
    """An update that takes 50 ms (a busy server) is called rarely enough that training keeps
    at least 1 - PROGRESS_SHARE of the time, and advances many epochs between calls."""
    calls, spent = [], []

    def slow(progress):
        begin = time.perf_counter()
        calls.append(progress.epoch)
        time.sleep(0.05)
        spent.append(time.perf_counter() - begin)

    result = train(replace(CONFIG, epochs=20_000), on_progress=slow, progress_interval=0.001)
    assert len(calls) >= 2
    assert min(np.diff(calls)) > 10  # epochs between calls, not one each
    # the first call comes at once; every later one waits (1 - share) / share times the previous call
    assert sum(spent[1:]) <= PROGRESS_SHARE / (1 - PROGRESS_SHARE) * result.train_seconds * 1.1


class _NoHistory(dict):
    def __getitem__(self, name):
        raise AssertionError(f"a progress update read the whole history ({name})")


def test_a_sweep_progress_update_never_reads_the_history():
    """What the page draws at each update (the sweep so far, the latest figures) costs the same
    whatever the run's length: it reads the tracked figures, never the (S, T) history."""
    seen = []

    def look(progress):
        state = progress.batch._state
        history, state.history = state.history, _NoHistory()
        seen.append((progress.sweep_result(), progress.latest("loss")))
        state.history = history  # training itself goes on writing it
        return True

    sweep(replace(CONFIG, epochs=100_000), list(range(50)), on_progress=look, progress_interval=0.0)
    (so_far, latest), *_ = seen
    assert so_far.seeds == list(range(50)) and so_far.stopped and latest.shape == (50,)


def test_a_stopped_sweeps_result_is_diagnosed_like_a_finished_one(monkeypatch):
    """What the page keeps after Stop (SweepProgress.result): causes and code groups included."""
    monkeypatch.setattr(sweep_module, "MAX_BATCH_VALUES", 3 * 8 * 11)
    kept = []

    def stop_in_second_batch(progress):
        if len(progress.done) == 1 and progress.epoch >= 20:
            kept.append(progress.result())
            return True
        return None

    stopped = sweep(CONFIG, list(range(9)), on_progress=stop_in_second_batch, progress_interval=0.0)
    (result,) = kept
    assert result.diagnosed and result.seeds == list(range(9)) and result.solved_epoch == stopped.solved_epoch
    assert [failure.cause for failure in result.failures[6:]] == ["not_started"] * 3
    unsolved = [seed for seed, epoch in zip(result.seeds, result.solved_epoch, strict=True) if epoch is None]
    assert sum(result.cause_counts().values()) == len(unsolved)


def test_a_live_redraw_draws_a_bounded_valid_chart_of_the_run_so_far():
    """Progress.curve thins the loss so far to at most 600 points (first and latest kept), and the
    page's live chart spec built from it is valid Vega-Lite."""
    import altair as alt

    from aelab.charts import live_loss_spec

    seen = []

    def look(progress):
        if progress.epoch >= 5000:
            seen.append((progress.epoch, progress.curve("loss"), progress.latest("loss")[0]))
            return True
        return None

    train(replace(CONFIG, epochs=20_000), on_progress=look, progress_interval=0.0)
    ((epoch, (epochs, loss), latest),) = seen
    assert len(epochs) <= 600 and epochs[0] == 0 and epochs[-1] == epoch - 1 and loss[-1] == latest
    spec = live_loss_spec(epochs, loss, 20_000)
    alt.Chart.from_dict(spec)  # raises unless the spec is valid Vega-Lite
    assert len(spec["data"]["values"]) == len(epochs)
