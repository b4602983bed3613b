"""Memory across the server: each session's kept arrays in one registry; idle and closed sessions let go.

The policy is aelab.memory's. This module says what a session keeps (its large session-state keys),
how a session lets go of it (`release_state`: the trained network, the resumable copy and the
snapshots go; the figures and curves stay, with a note), and registers each session by its id in
one server-wide registry (st.cache_resource). The registry holds only session ids and weak
references to Streamlit's AppSession objects, never a session's arrays: a session Streamlit drops
is gone from it too.
"""

from __future__ import annotations

import contextlib
import weakref

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from aelab.budget import DEFAULT_BUDGET, Budget
from aelab.config import ConfigError
from aelab.memory import SessionRegistry, kept_bytes, tune_allocator
from aelab_page.serving import configured_budget

# Session-state keys that hold a session's large arrays, and what dropping each means to the visitor.
LARGE_KEYS = {
    "trainer": "the trained network and its optimizer state (Continue, Step)",
    "saved_run": "the run's resumable copy (Download → Run)",
    "sweep_progress": "a stopped sweep's last batch",
    "history_spec": "",  # the curves' cached spec (it holds runs): rebuilt at the next draw
    "replay_trainer": "",  # the replay's note of which Trainer it last played (holds the Trainer)
    "replay_payload": "",  # the replay's frames, rebuilt at the next draw
}
RESULT_KEYS = ("result", "pinned", "sweep_result", "bench_results")  # summaries: kept while the tab is open
LOCK_KEYS = ("trainer_lock", "sweep_lock")  # held while the session trains (aelab_page.training.session_lock)
NOTE_KEY = "memory_released"  # what was released, for the page to say


class Sessions:
    """Session id -> weak reference to its AppSession, beside the registry that releases them."""

    def __init__(self) -> None:
        self.handles: dict[str, weakref.ref] = {}
        budget = _server_budget()
        self.registry = SessionRegistry(
            budget_bytes=None if budget.max_server_megabytes is None else budget.max_server_megabytes * 1e6,
            idle_seconds=budget.idle_seconds,
            release=self.release,
            probe=self.probe,
        )
        self.registry.start()
        tune_allocator()

    def state(self, key: str):
        handle = self.handles.get(key)
        session = handle() if handle is not None else None
        return None if session is None else session.session_state

    def probe(self, key: str) -> tuple[bool, bool]:
        """(connected, busy) of session `key`; a session Streamlit has dropped is neither."""
        state = self.state(key)
        if state is None:
            self.handles.pop(key, None)
            return False, False
        busy = any(lock is not None and lock.locked() for lock in (_get(state, name) for name in LOCK_KEYS))
        return Runtime.instance().is_active_session(key), busy

    def release(self, key: str, everything: bool) -> int:
        """Release session `key`'s large arrays (with `everything`, its summaries too); returns the bytes
        it still keeps."""
        state = self.state(key)
        if state is None:
            return 0
        release_state(state, everything)
        # The session's download buttons hold what they would save (the resumable copy, in their deferred
        # callables) in Streamlit's media file manager until the session runs again: let go of them too.
        media = Runtime.instance().media_file_mgr
        media.clear_session_refs(key)
        media.remove_orphaned_files()
        media.remove_orphaned_files()  # (a download file is marked on the first pass, deleted on the second)
        if everything:
            self.handles.pop(key, None)
        return session_kept_bytes(state)


def release_state(state, everything: bool = False) -> list[str]:
    """Drop a session's large arrays from `state` (a session state); with `everything` (its tab is gone)
    its summaries too. Returns what was released, as the note says it."""
    released = []
    for key, what in LARGE_KEYS.items():
        if _get(state, key) is not None and what:
            released.append(what)
        _drop(state, key)
    results = [_get(state, "result"), *(_get(state, "pinned") or [])]  # pinned: a list of RunResults
    if any([_drop_snapshots(result) for result in results if result is not None]):  # (a list: every one)
        released.append("the snapshots during training (Snapshots view, the replay)")
    if everything:
        for key in RESULT_KEYS:
            _drop(state, key)
    elif released:
        state[NOTE_KEY] = released
    return released


def session_kept_bytes(state) -> int:
    """What a session state keeps in large arrays and summaries."""
    return kept_bytes(*(_get(state, name) for name in (*LARGE_KEYS, *RESULT_KEYS)))


def _drop_snapshots(result) -> bool:
    """Keep only a run's last snapshot of hidden values and of weights (the Snapshots view and the replay
    then have nothing to scrub)."""
    dropped = len(result.snapshot_epochs) > 1 or len(result.snapshot_weights) > 1
    if len(result.snapshot_epochs) > 1:
        result.snapshot_epochs, result.snapshots = result.snapshot_epochs[-1:], result.snapshots[-1:].copy()
    if len(result.snapshot_weights) > 1:
        last = max(result.snapshot_weights)
        result.snapshot_weights = {last: result.snapshot_weights[last]}
    return dropped


def _get(state, key: str):
    """state[key] or None: Streamlit's SessionState (another session's, from the registry's thread) has no get()."""
    try:
        return state[key]
    except KeyError:
        return None


def _drop(state, key: str) -> None:
    with contextlib.suppress(KeyError):
        del state[key]


@st.cache_resource(show_spinner=False)
def sessions() -> Sessions:
    """The one registry of this server process (every visitor's session shares it)."""
    return Sessions()


def track_memory() -> None:
    """Register what this session keeps now (called after each run and each training): the server's
    registry may then release idle sessions over its budget."""
    state = st.session_state
    if state.get("trainer") is not None:
        state.pop(NOTE_KEY, None)  # trained again: nothing released any more
    context = get_script_run_ctx()
    if context is None:
        return
    store = sessions()
    key = context.session_id
    if key not in store.handles:
        session = Runtime.instance().get_app_session(key) if Runtime.exists() else None
        if session is None:  # (AppTest runs without a server: nothing to release it through)
            return
        store.handles[key] = weakref.ref(session)
    store.registry.update(key, session_kept_bytes(state))
    store.registry.check()


def released_note() -> None:
    """Say what this session gave back while it was idle, and how to get it back."""
    released = st.session_state.get(NOTE_KEY)
    if released:
        st.info(
            "This tab was idle on a shared server, so its large arrays were released to keep memory for "
            f"other visitors: {'; '.join(released)}. The figures and curves stay. **Train** again to get "
            "them back.",
            icon=":material/memory:",
        )


def _server_budget() -> Budget:
    try:
        return configured_budget()
    except ConfigError:  # aelab_page.serving reports it on the page
        return DEFAULT_BUDGET
