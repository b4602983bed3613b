"""How long training may go on: a CPU-time allowance measured as it runs, and requests to stop.

The training loop asks `should_stop()` between epochs and, when an epoch holds many updates
(per-pattern or mini-batch training), between updates: so a stop ends a run within one update,
not one epoch. The allowance counts the CPU time of the thread that trains
(`time.thread_time()`), which other visitors' threads on the same server do not add to, and which
time spent waiting (a paced run's sleep, a place in line) does not use; the progress callback's
drawing is set aside (`aside()`). Work on other threads is not counted either: the page trains on
one thread (aelab_page.serving.one_thread_per_training: BLAS and torch on the calling thread), so there
the allowance is the whole training; the CLI sets no limit. One Allowance may serve
several trainings in turn on one thread (a sweep's batches, the bench's entries): it is one
click's, or one command's, allowance.

An allowance may also bound the wall-clock time from start() (aelab.pace: a paced run sleeps
between epochs, so its CPU time alone would let it last for hours).

The page makes one per click with the budget's limits and a check for clicks and a closed tab;
the CLI one with a check for Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

CHECK_EVERY = 0.01  # seconds (wall clock) between real looks: a look between two updates is a clock read
LIMIT, WALL, REQUEST = "limit", "wall", "request"  # why training stopped (Allowance.reason): CPU, clock, asked


class Allowance:
    """At most `cpu_seconds` of CPU time on the training thread and `wall_seconds` by the clock (None:
    no limit), and until `requested()` says stop (a click, a closed tab, a signal; it may also raise, as
    Streamlit's interrupt points do: the training loop then leaves the run consistent and lets it through).

    Read it only on the thread that trains: `used` is that thread's CPU time since `start()`."""

    def __init__(
        self,
        cpu_seconds: float | None = None,
        requested: Callable[[], bool] | None = None,
        wall_seconds: float | None = None,
    ):
        self.cpu_seconds, self.requested, self.wall_seconds = cpu_seconds, requested, wall_seconds
        self.reason: str | None = None  # LIMIT, WALL or REQUEST once should_stop() said True
        self.used_at_stop: float | None = None  # `used` then
        self.elapsed_at_stop: float | None = None  # `elapsed` then
        self._start: float | None = None  # thread_time() at start()
        self._started_at = 0.0  # perf_counter() at start()
        self._aside = 0.0  # CPU seconds spent in aside() blocks, not charged
        self._thread: int | None = None
        self._next_look = 0.0  # perf_counter() before which should_stop() does not look again

    def start(self) -> None:
        """Begin measuring on this thread (again calls: no change, so several trainings share it)."""
        if self._start is None:
            self._start, self._thread = time.thread_time(), threading.get_ident()
            self._started_at = time.perf_counter()

    @property
    def used(self) -> float:
        """CPU seconds the training thread has used since start() (0 before)."""
        if self._start is None:
            return 0.0
        if threading.get_ident() != self._thread:
            raise RuntimeError("an Allowance is read on the thread that trains")
        return time.thread_time() - self._start - self._aside

    @property
    def elapsed(self) -> float:
        """Wall-clock seconds since start() (0 before): training, pacing and drawing alike."""
        return 0.0 if self._start is None else time.perf_counter() - self._started_at

    @contextmanager
    def aside(self) -> Iterator[None]:
        """CPU time spent in the body is not charged: the training loop calls the progress callback
        (the page's drawing, paced by the run's speed) in one. The allowance measures training."""
        begin = time.thread_time()
        try:
            yield
        finally:
            self._aside += time.thread_time() - begin

    @property
    def spent(self) -> bool:
        return self.cpu_seconds is not None and self.used >= self.cpu_seconds

    def should_stop(self, look_now: bool = False) -> bool:
        """True once the allowance is spent or a stop was requested (and from then on). Cheap enough
        to ask between any two updates: it looks at most every CHECK_EVERY seconds, unless `look_now`
        (a rare check, as between two trainings, where a stop asked a moment ago must count)."""
        if self.reason is not None:
            return True
        now = time.perf_counter()
        if now < self._next_look and not look_now:
            return False
        self._next_look = now + CHECK_EVERY
        self.start()
        if self.spent:
            self.reason = LIMIT
        elif self.wall_seconds is not None and self.elapsed >= self.wall_seconds:
            self.reason = WALL
        elif self.requested is not None and self.requested():
            self.reason = REQUEST
        if self.reason is not None:
            self.used_at_stop, self.elapsed_at_stop = self.used, self.elapsed
        return self.reason is not None
