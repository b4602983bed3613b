"""What each page session keeps in memory, and which sessions give their large arrays back.

A public server is one process for every visitor: each session that trained a wide run keeps its
Trainer (weights, optimiser state, the recorder's arrays), its result's snapshots and a resumable copy,
hundreds of MB at 1024-1024. The page registers every session's kept bytes in one `SessionRegistry`;
the registry releases, with a callback the page gives it:

- a session whose tab is gone (no longer connected), at once and entirely;
- a session idle for `idle_seconds`;
- while all sessions together keep more than `budget_bytes`, idle sessions, the longest idle first.

A session is never released while it trains (`busy`) or within IDLE_GRACE seconds of its last click,
so the visitor in front of the page keeps what they are working on. Nothing here imports streamlit:
the page (aelab_page/memory.py) says what a session is, how to measure it and how to release it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, is_dataclass

import numpy as np

IDLE_GRACE = 10.0  # seconds after a session's last click during which the budget never releases it
LARGE_TEXT = 10_000  # a str, bytes, list or tuple this long counts as kept (an array saved as text or numbers)
FLOAT_BYTES = 24  # a Python float or int object (the list holds 8 more per value)
CHECK_INTERVAL = 5.0  # seconds between the registry's checks when nothing else asks for one


@dataclass
class SessionUsage:
    """What the registry knows of one session."""

    key: str
    kept_bytes: int
    last_active: float  # time.monotonic() of its last script run
    busy: bool = False  # training now: never released
    connected: bool = True  # False once its tab is gone (its state lingers until the server drops it)
    released: bool = False  # its large arrays went while it was idle: what it keeps now is its summary


def to_release(
    sessions: Iterable[SessionUsage], budget_bytes: float | None, idle_seconds: float | None, now: float
) -> list[str]:
    """The keys of the sessions to release now, in order (see the module's docstring). A closed tab's
    session is always chosen, whatever it keeps (a summary left by an idle release too): Streamlit drops
    a session's state only lazily, when another tab closes, so what it keeps may otherwise outlive it."""
    candidates = [s for s in sessions if not s.busy]
    chosen = [s.key for s in candidates if not s.connected]
    idle = sorted(
        (
            s
            for s in candidates
            if s.connected and not s.released and s.kept_bytes > 0 and now - s.last_active >= IDLE_GRACE
        ),
        key=lambda s: s.last_active,
    )
    chosen += [s.key for s in idle if idle_seconds is not None and now - s.last_active >= idle_seconds]
    if budget_bytes is not None:
        total = sum(s.kept_bytes for s in sessions if s.key not in chosen)
        for session in idle:
            if total <= budget_bytes:
                break
            if session.key not in chosen:
                chosen.append(session.key)
                total -= session.kept_bytes
    return chosen


def kept_bytes(*objects: object) -> int:
    """Bytes of the NumPy arrays and torch tensors reachable from `objects` (through containers,
    dataclasses and objects' attributes), each buffer counted once however many views share it."""
    seen_objects: set[int] = set()
    seen_buffers: set[int] = set()
    total = 0
    stack = list(objects)
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)) and len(item) >= LARGE_TEXT:  # a run's arrays as text (saved_run)
            if id(item) not in seen_objects:
                seen_objects.add(id(item))
                total += len(item)
            continue
        if id(item) in seen_objects or isinstance(item, _LEAVES):
            continue
        seen_objects.add(id(item))
        if isinstance(item, np.ndarray):
            root = item
            while isinstance(root.base, np.ndarray):
                root = root.base
            if id(root) not in seen_buffers:
                seen_buffers.add(id(root))
                total += root.nbytes
            continue
        if isinstance(item, (list, tuple)) and len(item) >= LARGE_TEXT and isinstance(item[0], _SCALARS):
            total += sys.getsizeof(item) + len(item) * FLOAT_BYTES  # an array as Python numbers (saved_run)
            continue
        tensor_bytes = _tensor_bytes(item, seen_buffers)
        if tensor_bytes is not None:
            total += tensor_bytes
            continue
        stack.extend(_children(item))
    return total


_LEAVES = (str, bytes, int, float, bool, complex, type(None), type)
_SCALARS = (int, float, type(None))
_CODE = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.ModuleType)


def _children(item: object) -> list[object]:
    if isinstance(item, dict):
        return [*item.keys(), *item.values()]
    if isinstance(item, (list, tuple, set, frozenset)):
        return list(item)
    if is_dataclass(item) and not isinstance(item, type):
        return [getattr(item, f.name, None) for f in fields(item)] + list(getattr(item, "__dict__", {}).values())
    if isinstance(item, _CODE) or type(item).__module__ in ("builtins", "threading", "_thread"):
        return []  # functions, locks, modules: nothing of a session's own (a torch Module, callable, is walked)
    return list(getattr(item, "__dict__", {}).values())


def _tensor_bytes(item: object, seen_buffers: set[int]) -> int | None:
    """A torch tensor's storage bytes (once per storage), or None for anything else."""
    if type(item).__module__.split(".")[0] != "torch" or not hasattr(item, "untyped_storage"):
        return None
    storage = item.untyped_storage()
    pointer = storage.data_ptr()
    if pointer in seen_buffers:
        return 0
    seen_buffers.add(pointer)
    return storage.nbytes()


@dataclass
class SessionRegistry:
    """Every session's kept bytes, server-wide, and the release of those `to_release` picks.

    `release(key, everything)` gives one session's arrays back (the page's callback; `everything`
    once its tab is gone) and returns the bytes the session still keeps (its summary; None: not known,
    counted as 0); `probe(key)` says whether it is still connected and whether it is busy
    training now. A background thread (`start`) checks every CHECK_INTERVAL seconds, so idle and
    closed sessions are released even when nobody clicks. Thread-safe."""

    budget_bytes: float | None
    idle_seconds: float | None
    release: Callable[[str, bool], int | None]
    probe: Callable[[str], tuple[bool, bool]] = lambda key: (True, False)
    sessions: dict[str, SessionUsage] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None

    def update(self, key: str, kept: int, active: bool = True) -> None:
        """Session `key` keeps `kept` bytes now; `active`: it has just run (a click)."""
        with self._lock:
            session = self.sessions.setdefault(key, SessionUsage(key, kept, self.clock()))
            session.kept_bytes = kept
            if active:
                session.last_active = self.clock()
                session.released = False

    def total_bytes(self) -> int:
        with self._lock:
            return sum(session.kept_bytes for session in self.sessions.values())

    def check(self) -> list[str]:
        """Release what the policy picks now; returns the keys released."""
        with self._lock:
            for session in self.sessions.values():
                session.connected, session.busy = self.probe(session.key)
            keys = to_release(list(self.sessions.values()), self.budget_bytes, self.idle_seconds, self.clock())
            for key in keys:
                session = self.sessions[key]
                still_kept = self.release(key, not session.connected)
                if session.connected:  # its summary stays (counted), never released again until it runs
                    session.kept_bytes, session.released = still_kept or 0, True
                else:
                    del self.sessions[key]  # its tab is gone: nothing of it stays here
        if keys:
            gc.collect()  # what the released arrays sat in may be cycles, and an idle server runs no collection
            trim_heap()
        return keys

    def start(self, interval: float = CHECK_INTERVAL) -> None:
        """Check in the background every `interval` seconds (once; a daemon thread)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, args=(interval,), name="aelab-memory", daemon=True)
            self._thread.start()

    def _loop(self, interval: float) -> None:
        while True:
            time.sleep(interval)
            with contextlib.suppress(Exception):  # a failed check must not end the checks: the next one retries
                self.check()
            trim_heap()  # what finished trainings freed, back to the system


# glibc's mallopt parameters: large arrays always get their own mapping, so freeing one returns it to the
# system at once (by default the threshold grows to 32 MB after the first large free, and later arrays of
# a wide run then come from heaps that keep their pages); and few heaps, shared by the sessions' threads.
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8
MMAP_THRESHOLD = 1 << 20  # bytes
ARENAS = 2


def tune_allocator() -> bool:
    """Make freed large arrays go back to the system (see above); False where there is no glibc."""
    if _LIBC is None or not hasattr(_LIBC, "mallopt"):
        return False
    return bool(_LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(_LIBC.mallopt(M_ARENA_MAX, ARENAS))


def trim_heap() -> None:
    """Hand freed heap memory back to the system (glibc's malloc_trim), where there is glibc: freed
    arrays otherwise leave the process's resident size where their peak took it."""
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


_LIBC = _libc()
