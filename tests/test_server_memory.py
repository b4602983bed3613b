"""Memory across the server: what a session keeps, which idle sessions let go of it, and what the page says."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aelab.budget import DEFAULT_BUDGET, load_budget
from aelab.config import Config
from aelab.memory import IDLE_GRACE, SessionRegistry, SessionUsage, kept_bytes, to_release
from aelab.train import Trainer
from tests.test_page import APP

MB = 10**6


def usage(key: str, megabytes: float, idle: float, busy: bool = False, connected: bool = True) -> SessionUsage:
    """A session that keeps `megabytes` and last ran `idle` seconds before now (100)."""
    return SessionUsage(key, int(megabytes * MB), last_active=100 - idle, busy=busy, connected=connected)


def test_over_budget_the_longest_idle_sessions_go_first_until_it_fits():
    sessions = [usage("a", 300, idle=50), usage("b", 300, idle=200), usage("c", 300, idle=20)]
    assert to_release(sessions, 700 * MB, None, now=100) == ["b"]  # 900 MB: one fewer fits
    assert to_release(sessions, 250 * MB, None, now=100) == ["b", "a", "c"]
    assert to_release(sessions, 1000 * MB, None, now=100) == []  # under budget: everyone keeps theirs


def test_busy_and_just_clicked_sessions_are_never_released_by_the_budget():
    sessions = [usage("training", 900, idle=500, busy=True), usage("reading", 900, idle=IDLE_GRACE / 2)]
    assert to_release(sessions, 100 * MB, None, now=100) == []


def test_idle_time_releases_under_budget_and_a_closed_tab_at_once():
    sessions = [usage("long idle", 10, idle=700), usage("recent", 10, idle=30), usage("closed", 10, 0, connected=False)]
    assert to_release(sessions, None, 600, now=100) == ["closed", "long idle"]
    assert to_release([usage("closed but training", 10, 0, busy=True, connected=False)], None, 600, now=100) == []


def test_the_registry_releases_through_its_callback_and_forgets_closed_sessions():
    now, released, connected = [1000.0], [], {"a": True, "b": True}
    registry = SessionRegistry(
        budget_bytes=500 * MB,
        idle_seconds=None,
        release=lambda key, everything: released.append((key, everything)),
        probe=lambda key: (connected[key], False),
        clock=lambda: now[0],
    )
    registry.update("a", 400 * MB)
    now[0] += 60
    registry.update("b", 400 * MB)  # together over 500 MB; "a" idle for a minute, "b" just clicked
    assert registry.check() == ["a"] and released == [("a", False)]
    assert registry.total_bytes() == 400 * MB  # "a" keeps its summary, measured again at its next run
    connected["b"] = False  # "b"'s tab closes
    assert registry.check() == ["b"] and released[-1] == ("b", True) and "b" not in registry.sessions


def test_a_session_released_while_idle_lets_go_of_its_summary_when_its_tab_closes():
    """An idle release leaves a summary (the figures' arrays, tens of MB at 1024-1024), counted; it is not
    released again while idle, and when the tab closes it goes too: Streamlit keeps a closed session's
    state until another tab closes, so a summary the registry forgot would outlive every tab."""
    now, released, connected = [1000.0], [], {"a": True}
    registry = SessionRegistry(
        budget_bytes=100 * MB,
        idle_seconds=None,
        release=lambda key, everything: released.append((key, everything)) or (0 if everything else 30 * MB),
        probe=lambda key: (connected[key], False),
        clock=lambda: now[0],
    )
    registry.update("a", 400 * MB)
    now[0] += 60
    assert registry.check() == ["a"] and registry.total_bytes() == 30 * MB  # its summary, still counted
    now[0] += 60
    assert registry.check() == [] and released == [("a", False)]  # released once while idle
    connected["a"] = False
    assert registry.check() == ["a"] and released[-1] == ("a", True) and not registry.sessions


def test_kept_bytes_counts_each_buffer_once_through_objects_and_views():
    array = np.zeros((1000, 100))  # 800 kB
    holder = {"whole": array, "view": array[:10], "again": [array.T]}
    assert kept_bytes(holder) == array.nbytes
    trainer = Trainer(Config(width=64, hidden=6, optimizer="adam", lr=0.01), [0], keep_snapshots=True)
    trainer.run(5)
    snapshots = trainer.recorder.snapshots.nbytes
    assert kept_bytes(trainer) >= snapshots + trainer.backend.theta.nbytes * 4  # weights, gradient, Adam's two


def test_kept_bytes_sees_torch_tensors():
    pytest.importorskip("torch")
    trainer = Trainer(Config(backend="torch", device="cpu", width=64, hidden=6), [0])
    theta = trainer.backend.model.theta
    assert kept_bytes(trainer) >= theta.numel() * theta.element_size() * 2  # weights and gradient


def test_the_server_memory_budget_comes_from_the_environment_or_secrets():
    assert load_budget({}, {}).max_server_megabytes == DEFAULT_BUDGET.max_server_megabytes
    assert load_budget({"AELAB_MAX_SERVER_MEGABYTES": "800"}, {}).max_server_megabytes == 800
    assert load_budget({}, {"max_server_megabytes": 300, "idle_seconds": "off"}) == replace(
        DEFAULT_BUDGET, max_server_megabytes=300, idle_seconds=None
    )


def test_an_idle_session_over_the_budget_is_released_and_says_so():
    """The page's own release (aelab_page.memory.release_state), picked by the registry's policy for a session
    idle past the grace time with the server over budget: the trained network, its resumable copy and the
    snapshots go; the figures stay; the page says what went and that Train brings it back."""
    from aelab_page.memory import NOTE_KEY, release_state, session_kept_bytes

    page = AppTest.from_file(APP, default_timeout=60)
    page.run()
    page.button(key="train").click().run()
    assert not page.exception and page.session_state["trainer"] is not None
    epochs = page.session_state["result"].epochs_done
    now = [0.0]

    def release(key: str, everything: bool) -> int:
        release_state(page.session_state, everything)
        return session_kept_bytes(page.session_state)

    registry = SessionRegistry(budget_bytes=1, idle_seconds=None, release=release, clock=lambda: now[0])  # 1: any
    kept = session_kept_bytes(page.session_state)
    registry.update("visitor", kept)
    assert registry.check() == []  # just clicked: kept
    now[0] += IDLE_GRACE + 1
    assert registry.check() == ["visitor"]
    assert 0 < registry.total_bytes() < kept  # the summary stays, and is counted
    page.run()
    assert not page.exception
    assert "trainer" not in page.session_state and "saved_run" not in page.session_state
    assert NOTE_KEY in page.session_state
    result = page.session_state["result"]
    assert result.epochs_done == epochs and len(result.snapshot_epochs) == 1  # the summary stays
    notes = [info.value for info in page.info if "idle on a shared server" in info.value]
    assert notes and "Train" in notes[0] and "Continue" in notes[0] and "snapshots" in notes[0]
    assert page.button(key="continue").disabled
    page.button(key="train").click().run()  # Train again: everything back, the note gone
    assert page.session_state["trainer"] is not None and NOTE_KEY not in page.session_state
    assert not any("idle on a shared server" in info.value for info in page.info)


def test_a_closed_tabs_release_leaves_no_array_anywhere_in_its_session():
    """Everything a session keeps is named in aelab_page.memory's keys: after the release at its tab's
    close, no array is left in any of its session state (a run trained and pinned, and a sweep)."""
    from aelab_page.memory import release_state, session_kept_bytes

    page = AppTest.from_file(APP, default_timeout=60)
    page.query_params.update({"width": "64", "hidden": "6"})
    page.run()
    page.number_input(key="epochs").set_value(30).run()
    page.button(key="train").click().run()
    page.button(key="pin").click().run()
    page.button(key="sweep").click().run()
    assert not page.exception
    state = page.session_state
    assert state["pinned"] and state["sweep_result"] is not None
    assert kept_bytes(state.to_dict()) == session_kept_bytes(state) > 0  # every array is under a named key
    release_state(state, everything=True)
    assert kept_bytes(state.to_dict()) == 0


def test_an_idle_release_drops_the_snapshots_of_every_pinned_run_too():
    from aelab_page.memory import release_state

    page = AppTest.from_file(APP, default_timeout=60)
    page.query_params.update({"width": "64", "hidden": "6"})
    page.run()
    page.number_input(key="epochs").set_value(30).run()
    for seed in (1, 2):
        page.number_input(key="seed").set_value(seed).run()
        page.button(key="train").click().run()
        page.button(key="pin").click().run()
    page.number_input(key="seed").set_value(3).run()
    page.button(key="train").click().run()
    assert not page.exception
    runs = [page.session_state["result"], *page.session_state["pinned"]]
    assert len({id(run) for run in runs}) == 3 and all(len(run.snapshot_epochs) > 1 for run in runs)
    assert "the snapshots during training (Snapshots view, the replay)" in release_state(page.session_state)
    assert all(len(run.snapshot_epochs) == 1 and len(run.snapshot_weights) == 1 for run in runs)
