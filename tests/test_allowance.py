"""The allowance: training stops when its thread's CPU time is spent or a stop is requested, between
updates, and the run it leaves is consistent (whole epochs) and continues exactly."""

from __future__ import annotations

import importlib
import threading
import time

import numpy as np
import pytest

from aelab import allowance as allowance_module
from aelab.allowance import LIMIT, REQUEST, WALL, Allowance
from aelab.backends import torch_unavailable_reason
from aelab.bench_run import run_bench
from aelab.config import Config
from aelab.sweep import sweep
from aelab.train import Trainer, train_seeds

NO_TORCH = pytest.mark.skipif(torch_unavailable_reason() is not None, reason="torch is not installed")
BACKENDS = ["numpy", pytest.param("torch", marks=NO_TORCH)]
train_module = importlib.import_module("aelab.train")  # (aelab.train is also the name of a function)


def busy(seconds: float) -> None:
    """Spend about `seconds` of this thread's CPU time."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_the_allowance_counts_this_threads_cpu_time_only():
    allowance = Allowance(cpu_seconds=0.3)
    allowance.start()
    time.sleep(0.4)  # waiting costs no CPU time
    other = threading.Thread(target=busy, args=(0.4,))  # nor does another thread's work
    other.start()
    other.join()
    assert allowance.used < 0.1 and not allowance.spent and not allowance.should_stop()
    busy(0.35)
    assert allowance.used >= 0.3 and allowance.spent
    assert allowance.should_stop() and allowance.reason == LIMIT


def test_the_wall_clock_allowance_counts_waiting_too():
    """A paced run sleeps between epochs: no CPU time, but the clock runs, and it stops it."""
    allowance = Allowance(cpu_seconds=10.0, wall_seconds=0.3)
    allowance.start()
    time.sleep(0.15)
    assert not allowance.should_stop()
    time.sleep(0.2)
    assert allowance.used < 0.1 and allowance.should_stop() and allowance.reason == WALL
    assert 0.3 <= allowance.elapsed_at_stop < 2.0


def test_a_paced_run_stops_at_its_wall_clock_allowance_and_continues():
    trainer = Trainer(Config(width=8, hidden=3, epochs=100_000), [0])
    allowance = Allowance(cpu_seconds=60.0, wall_seconds=0.5)
    result = trainer.run(100_000, lambda progress: time.sleep(0.05), 0.0, allowance).run(0)  # ~20 epochs/s
    assert allowance.reason == WALL and result.stopped and 0 < trainer.epoch < 100
    assert allowance.used < 0.5  # the clock stopped it, not its CPU time
    trainer.run(5)
    assert trainer.epoch > 5


def test_no_limit_and_no_request_never_stops():
    allowance = Allowance()
    busy(0.05)
    assert not allowance.should_stop() and allowance.reason is None


def test_the_allowance_is_read_on_the_thread_that_trains():
    allowance = Allowance(cpu_seconds=1.0)
    allowance.start()
    errors = []

    def read() -> None:
        try:
            errors.append(allowance.used)
        except RuntimeError as error:
            errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()
    assert len(errors) == 1 and "thread that trains" in str(errors[0])


def test_a_tiny_allowance_stops_a_long_run_which_is_kept_and_continues():
    config = Config(width=64, hidden=8, epochs=100_000)
    trainer = Trainer(config, [3], keep_snapshots=True)
    allowance = Allowance(cpu_seconds=0.3)
    result = trainer.run(config.epochs, allowance=allowance).run(0)
    assert result.stopped and allowance.reason == LIMIT
    assert 0.3 <= allowance.used < 0.3 + 1.0  # stops within a check of the limit (generous on a busy machine)
    assert 0 < trainer.epoch < config.epochs and result.epochs_done == trainer.epoch
    assert result.history["epoch"][-1] == trainer.epoch  # measured at the end of a whole epoch
    done = trainer.epoch
    more = trainer.run(7).run(0)  # Continue: exactly the run that trained done + 7 epochs at once
    straight = Trainer(config, [3], keep_snapshots=True).run(done + 7).run(0)
    assert more.epochs_done == straight.epochs_done == done + 7
    np.testing.assert_array_equal(more.history["loss"], straight.history["loss"])
    for mine, theirs in zip(more.final, straight.final, strict=True):
        np.testing.assert_array_equal(mine, theirs)


class StopAfter:
    """A stop request that says yes at its `calls`-th question (or raises there, like a click on the page)."""

    def __init__(self, calls: int, raising: bool = False):
        self.calls, self.asked, self.raising = calls, 0, raising

    def __call__(self) -> bool:
        self.asked += 1
        if self.asked >= self.calls and self.raising:
            raise KeyboardInterrupt
        return self.asked >= self.calls


@pytest.fixture
def look_every_time(monkeypatch):
    """Every question reaches the request, and every epoch is checked between its updates."""
    monkeypatch.setattr(allowance_module, "CHECK_EVERY", 0.0)
    monkeypatch.setattr(train_module, "CHECK_INSIDE_EPOCHS", -1.0)


def trained(config: Config, epochs: int) -> Trainer:
    trainer = Trainer(config, [0, 1], keep_snapshots=True)
    trainer.run(epochs)
    return trainer


def assert_same_run(trainer: Trainer, other: Trainer) -> None:
    assert trainer.epoch == other.epoch
    mine, theirs = trainer.result().run(1), other.result().run(1)
    for name in ("loss", "distinct_codes"):
        np.testing.assert_array_equal(mine.history[name], theirs.history[name])
    for a, b in zip(trainer.backend.weights(), other.backend.weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    state, other_state = trainer.backend.optimizer_state(), other.backend.optimizer_state()
    assert state.keys() == other_state.keys()
    for name in state:
        np.testing.assert_array_equal(state[name], other_state[name])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("raising", [False, True])
@pytest.mark.parametrize(
    "settings",
    [
        {"batch_size": 1, "optimizer": "adam", "lr": 0.05},
        {"batch_size": 3, "optimizer": "rprop", "noise": 0.3},
        {"batch_size": 2, "optimizer": "quickprop", "lr": 0.5},
        {"batch_size": 4, "optimizer": "adam", "lr": 0.05, "restart_after": 2},  # torch: Adam's state per seed
    ],
)
def test_a_stop_between_updates_undoes_the_epoch_and_continue_is_exact(look_every_time, backend, raising, settings):
    """An 8-3-8 epoch of B-pattern updates asks 1 (between epochs) + ceil(8 / B) (before each update)
    times; the stop comes in the middle of epoch 3. The run is put back at the end of epoch 3 (its
    weights, optimiser state, draws): Continue then gives exactly the uninterrupted run."""
    config = Config(width=8, hidden=3, epochs=10, backend=backend, dtype="float64", **settings)
    per_epoch = 1 + -(-8 // config.batch_size)
    request = StopAfter(3 * per_epoch + 3, raising)  # epoch 3's second update
    trainer = Trainer(config, [0, 1], keep_snapshots=True)
    if raising:  # an interrupt raised in the check (the page's click) leaves the run consistent too
        with pytest.raises(KeyboardInterrupt):
            trainer.run(10, allowance=Allowance(requested=request))
    else:
        allowance = Allowance(requested=request)
        assert trainer.run(10, allowance=allowance).stopped and allowance.reason == REQUEST
    assert_same_run(trainer, trained(config, 3))
    trainer.run(7)
    assert_same_run(trainer, trained(config, 10))


def test_a_stop_ends_a_long_per_pattern_epoch_part_way():
    """A 512-512 per-pattern epoch is 512 updates (seconds); a stop asked for 0.3 s in ends it at once."""
    config = Config(width=512, hidden=512, batch_size=1, optimizer="adam", epochs=2)
    trainer = Trainer(config, [0], keep_snapshots=True)
    asked: list[float] = []

    def requested() -> bool:
        if time.perf_counter() - started >= 0.3:
            asked.append(time.perf_counter())
        return bool(asked)

    started = time.perf_counter()
    result = trainer.run(2, allowance=Allowance(requested=requested))
    ended = time.perf_counter()
    assert result.stopped and trainer.epoch == 0  # inside the first epoch
    assert ended - asked[0] < 0.5  # the rest of the epoch (seconds here) is not trained
    np.testing.assert_array_equal(trainer.backend.weights().W1, Trainer(config, [0]).backend.weights().W1)


def test_a_sweep_and_the_bench_stop_within_their_one_allowance():
    allowance = Allowance(cpu_seconds=0.3)
    result = sweep(Config(width=16, hidden=2, epochs=100_000, lr=0.01), list(range(50)), allowance=allowance)
    assert result.stopped and allowance.reason == LIMIT and allowance.used < 1.3

    bench_allowance = Allowance(cpu_seconds=0.2)
    results = run_bench(["snns-bp", "snns-rprop"], list(range(400)), allowance=bench_allowance)
    assert results[-1].stopped and len(results) <= 2 and bench_allowance.used < 1.2


def test_train_seeds_passes_the_allowance():
    allowance = Allowance(requested=lambda: True)
    batch = train_seeds(Config(width=8, hidden=3, epochs=100), [0, 1], allowance=allowance)
    assert batch.stopped and batch.run(1).epochs_done == 0 and allowance.reason == REQUEST


def test_progress_kept_from_before_an_interrupt_gives_the_run_where_it_stopped(look_every_time):
    """The page keeps its latest progress and, once a click interrupted training, asks it for the run:
    that is the run where training stopped, epochs after the progress was made."""
    config = Config(width=8, hidden=3, epochs=10, batch_size=2)
    first: list = []

    def keep_the_first(progress) -> None:
        first[:] = first or [progress]

    trainer = Trainer(config, [0, 1], keep_snapshots=True)
    with pytest.raises(KeyboardInterrupt):  # in epoch 3 (1 + 4 questions an epoch)
        trainer.run(10, keep_the_first, 0.0, Allowance(requested=StopAfter(3 * 5 + 3, raising=True)))
    assert first[0].epoch == 0 and trainer.epoch == 3
    result = first[0].result()
    assert result.stopped and result.run(1).epochs_done == 3
    np.testing.assert_array_equal(result.run(1).history["loss"], trained(config, 3).result().run(1).history["loss"])
