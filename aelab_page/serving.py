"""What a served page may start: the work budget, one line of trainings for the whole server, and
each click's allowance of CPU time, enforced as it trains.

The limits come from aelab.budget (environment variables over the `[aelab]` secrets
over the defaults); the line is one RunQueue per server process, shared by every
visitor's session through st.cache_resource.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import streamlit as st
from streamlit import runtime
from streamlit.elements.lib.mutable_status_container import StatusContainer
from streamlit.runtime.scriptrunner import get_script_run_ctx
from threadpoolctl import threadpool_limits

from aelab.allowance import LIMIT, WALL, Allowance
from aelab.backends import torch_unavailable_reason
from aelab.bench import BENCH
from aelab.budget import (
    DEFAULT_BUDGET,
    Budget,
    bench_over_budget,
    duration,
    grid_over_budget,
    load_budget,
    over_budget,
)
from aelab.config import Config, ConfigError
from aelab.pace import over_pace, wall_seconds
from aelab.report import cli_command, markdown_literal
from aelab.run_queue import RunQueue

WAIT_CHECK = 0.5  # seconds between looks at the line (each look lets a click interrupt the wait)


def configured_budget() -> Budget:
    """The budget the environment and the `[aelab]` secrets set; ConfigError for a bad setting."""
    try:
        secrets = dict(st.secrets.get("aelab", {}))
    except Exception:  # no secrets file at all (FileNotFoundError, StreamlitSecretNotFoundError)
        secrets = {}
    return load_budget(os.environ, secrets)


def page_budget() -> Budget:
    """The budget in force; a bad setting is reported and the defaults stand in for all of it."""
    try:
        return configured_budget()
    except ConfigError as error:
        st.error(f"The server's work budget is misconfigured, so the defaults apply: {markdown_literal(str(error))}")
        return DEFAULT_BUDGET


def within_budget(config: Config, seeds: Sequence[int] | None = None) -> bool:
    """True when the budget allows this click's work; else say why, and how to run it elsewhere."""
    message = over_budget(page_budget(), config, len(seeds) if seeds else 1)
    return message is None or _refuse(message, cli_command(config, seeds))


def within_pace(config: Config, speed: float, estimated_seconds: float) -> bool:
    """True when `config`'s epochs at `speed` epochs per second (0: full speed) fit the click's
    wall-clock allowance (aelab.pace); else say why, and how to run it elsewhere."""
    message = over_pace(page_budget(), config.epochs, speed, estimated_seconds)
    return message is None or _refuse(message, cli_command(config))


def within_bench_budget(names: Sequence[str], seeds: Sequence[int]) -> bool:
    """The same for a bench run of the named entries."""
    message = bench_over_budget(page_budget(), [BENCH[name].config for name in names], len(seeds))
    return message is None or _refuse(message, bench_command(names, seeds))


def within_grid_budget(configs: Sequence[Config], seeds: Sequence[int], command: str) -> bool:
    """The same for a grid of these cells' configs, each over `seeds`; `command` runs it elsewhere."""
    message = grid_over_budget(page_budget(), configs, len(seeds))
    return message is None or _refuse(message, command)


def bench_command(names: Sequence[str], seeds: Sequence[int]) -> str:
    """The command line that runs the named bench entries over `seeds`."""
    only = f" --only {names[0]}" if len(names) == 1 else ""
    return f"python -m aelab bench{only} --seeds {len(seeds)}"


def _refuse(message: str, command: str) -> bool:
    st.error(message, icon=":material/hourglass_disabled:")
    st.code(command, language="bash")
    st.caption("A local page can raise or lift the limits: see *Serving the page* in the docs (docs/serving.md).")
    return False


@st.cache_resource(show_spinner=False)
def _one_blas_thread() -> None:
    """Process-wide, once per server: NumPy's BLAS on one thread. A served page shares its CPUs with
    every visitor; left alone, OpenBLAS spreads one 1024-wide run over both of Community Cloud's
    CPUs for about 12% more speed (measured: 1.7 cores busy), slowing every other visitor.

    threadpool_limits sets the limit at once, on the BLAS libraries loaded by then, for the rest of the
    process: only its restore_original_limits() (or the end of a `with` block) would lift it, not
    dropping the object, so none is kept. The cache only makes the call once per server."""
    threadpool_limits(limits=1, user_api="blas")


def one_thread_per_training(backend: str) -> None:
    """Each training on this server uses one core: BLAS here, torch's own pool too when it trains."""
    _one_blas_thread()
    if backend == "torch" and torch_unavailable_reason() is None:
        import torch

        torch.set_num_threads(1)


@st.cache_resource(show_spinner=False)
def server_queue(slots: int | None) -> RunQueue:
    """The one line of trainings for every session of this server (per limit in force)."""
    return RunQueue(slots)


def stop_requested() -> bool:
    """The allowance's question between two updates: True once this session is gone (a closed tab).

    Reading session state is also one of Streamlit's interrupt points: a click that is waiting
    (Pause, Stop, any widget) or a stop (a closed tab, the server shutting down) raises there, and
    the training loop leaves the run consistent (aelab.train), as a click inside a redraw does."""
    st.session_state.get("training")
    context = get_script_run_ctx()
    return context is not None and runtime.exists() and not runtime.get_instance().is_active_session(context.session_id)


@contextmanager
def training_slot(estimated_seconds: float, backend: str = "numpy") -> Iterator[Allowance]:
    """For long work, wait for a free slot, showing the place in line, then hold it while the body
    trains on one core; quick work starts at once. The body trains with the Allowance it is given:
    the CPU time this click may use (Budget.allowance_seconds), the wall-clock time (aelab.pace,
    counted from the start of training, not the wait), and stop_requested.

    Any click interrupts the wait (the page reruns) and leaves the line, as does the end of training."""
    one_thread_per_training(backend)
    budget = page_budget()
    cpu, wall = budget.allowance_seconds(estimated_seconds), wall_seconds(budget, estimated_seconds)
    allowance = Allowance(cpu, stop_requested, wall)
    if not budget.needs_slot(estimated_seconds):
        yield allowance
        return
    small = budget.small(estimated_seconds)
    queue = server_queue(budget.max_runs)
    ticket = queue.join(small)
    try:
        if not queue.start(ticket):
            note = st.empty()
            while not queue.start(ticket, timeout=WAIT_CHECK):
                line = "for small trainings (each stops within seconds)" if small else "of long trainings"
                note.info(
                    f"Waiting for a free trainer: {queue.running} trainings are running on this server, and you "
                    f"are number {queue.place(ticket)} in the line {line}. Training starts by itself; Stop leaves "
                    "the line.",
                    icon=":material/hourglass_top:",
                )
            note.empty()
        yield allowance
    finally:
        queue.leave(ticket)


def allowance_spent(allowance: Allowance, status: StatusContainer, stopped: str, kept: str, command: str) -> bool:
    """When `allowance` stopped the training (its CPU time or its wall-clock time spent): say so in
    `status` ("`stopped`: ...") and below it (the limit, the time used, what was `kept` and how to go on),
    with `command`, which does the rest on your own machine. False otherwise."""
    if allowance.reason == LIMIT:
        what = "CPU time"
        limit = (
            f"this click may use {allowance.cpu_seconds:g} s of CPU time on this server, and it used "
            f"{allowance.used_at_stop:.1f} s"
        )
    elif allowance.reason == WALL:
        what = "time by the clock"
        limit = (
            f"this click may train for {duration(allowance.wall_seconds)} by the clock on this server (a paced "
            f"run's waits between epochs included), and it trained for {duration(allowance.elapsed_at_stop)}"
        )
    else:
        return False
    status.update(label=f"{stopped}: this click's {what} is spent", state="error", expanded=True)
    st.error(f"Stopped: {limit}. {kept}", icon=":material/timer_off:")
    st.code(command, language="bash")
    return True
