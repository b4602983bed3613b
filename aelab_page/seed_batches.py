"""What the sweep and grid sections share: the seeds row (count, first seed, Run), the status box with
its progress bar and Stop, keeping what a Stop click left, and the line that ends a finished run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.elements.lib.mutable_status_container import StatusContainer

from aelab.allowance import Allowance
from aelab.config import ConfigError
from aelab.sweep import MAX_SWEEP_SEEDS, last_first_seed, seed_range
from aelab_page.serving import allowance_spent, training_slot
from aelab_page.training import session_lock, stopped_in_time


def seed_range_inputs(job: str, count_label: str, default_count: int, step: int, button: str) -> tuple[list[int], bool]:
    """The row "count, First seed, Run" of `job` ("sweep", "grid"; widget keys job_seeds, job_first, job):
    the seeds chosen, and whether Run was clicked. The first seed is clamped so the last stays valid."""
    columns = st.columns([1, 1, 1], vertical_alignment="bottom")
    count = columns[0].number_input(count_label, 1, MAX_SWEEP_SEEDS, value=default_count, step=step, key=f"{job}_seeds")
    first_key = f"{job}_first"
    if st.session_state.get(first_key, 0) > last_first_seed(count):
        st.session_state[first_key] = last_first_seed(count)
    first = columns[1].number_input("First seed", 0, last_first_seed(count), key=first_key)
    clicked = columns[2].button(button, key=job, type="primary", width="stretch")
    return seed_range(count, first), clicked


def keep_stopped(job: str, result_of: Callable[[Any], Any]) -> None:
    """A `job` that a click stopped left its latest progress in job_progress: keep the job up to there as
    job_result (`result_of` makes it from that progress). With fastReruns the rerun starts while the stopped
    job's thread trains on to its next redraw, so wait for that thread to let go of the job first."""
    latest = st.session_state.get(f"{job}_progress")
    if not latest:
        return
    if not stopped_in_time(job):
        st.warning(f"The last {job} is still stopping; click again in a moment.")
        return
    st.session_state.pop(f"{job}_progress", None)
    st.session_state[f"{job}_result"] = result_of(latest[0])


@dataclass
class StoppableRun:
    """A running sweep or grid's status box: `latest` holds its latest progress (what keep_stopped keeps
    when a click interrupts the run inside a redraw)."""

    job: str
    status: StatusContainer
    allowance: Allowance
    bar: DeltaGenerator
    latest: list

    def progress(self, kept: Any, fraction: float, text: str) -> None:
        self.latest[:] = [kept]
        self.bar.progress(fraction, text=text)

    def failed(self, error: ConfigError) -> None:
        """torch missing, no CUDA: say so in the status box, never a traceback."""
        self.status.update(label=f"Could not run the {self.job}: {error}", state="error")

    def finish(self, result: Any, what: str, seconds: float, kept: str, command: str) -> None:
        """Keep `result` as job_result; end the status box with "Swept `what` in s", or, when the allowance
        stopped it, say so with what was `kept` and the `command` that does all of it elsewhere."""
        self.latest.clear()
        st.session_state[f"{self.job}_result"] = result
        if allowance_spent(self.allowance, self.status, f"Stopped after {seconds:.1f} s", kept, command):
            return
        self.status.update(label=f"Swept {what} in {seconds:.2f} s", state="complete", expanded=False)


@contextmanager
def stoppable_status(job: str, label: str, estimated_seconds: float, backend: str) -> Iterator[StoppableRun]:
    """The status box `label` with a progress bar and Stop (any click stops and keeps the job so far), held
    in a training slot and the session's `job` lock for as long as the body trains."""
    slot = training_slot(estimated_seconds, backend)
    with st.status(label, expanded=True) as status, slot as allowance, session_lock(job):
        bar = st.progress(0.0, text="starting")
        st.button("Stop", key=f"stop_{job}", icon=":material/stop_circle:", help=f"Stop now and keep the {job} so far.")
        latest: list = []
        st.session_state[f"{job}_progress"] = latest
        yield StoppableRun(job, status, allowance, bar, latest)
