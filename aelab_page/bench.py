"""The literature bench: rerun the classic experiments with progress and Stop, beside their published figures."""

from __future__ import annotations

import streamlit as st

from aelab.bench import BENCH, BenchEntry
from aelab.bench_run import BenchResult, run_bench
from aelab.budget import estimate_bench_seconds
from aelab.progress import Progress
from aelab.report import bench_table
from aelab.sweep import MAX_SWEEP_SEEDS, seed_range
from aelab_page.serving import allowance_spent, bench_command, training_slot, within_bench_budget
from aelab_page.training import PROGRESS_INTERVAL

ALL = "all"


def bench_view() -> None:
    st.markdown(
        "Classic encoder experiments (SNNS's example notes, the PDP handbook, Riedmiller & Braun 1993), each rerun "
        "over many seeds with its own settings, not the sidebar's. The published figure stands beside aelab's, "
        "with what differs in the counting, and where it was read: *unverified* beside a figure whose source "
        "could not be had. The last entry goes past the literature's limit (supertight N-2-N beyond N = 19). "
        "Same as `python -m aelab bench`."
    )
    columns = st.columns([2, 1, 1], vertical_alignment="bottom")
    choice = columns[0].selectbox(
        "Entry",
        [ALL, *BENCH],
        format_func=lambda name: (
            "every entry" if name == ALL else f"{name}: {BENCH[name].problem} {BENCH[name].method}"
        ),
        key="bench_only",
    )
    count = columns[1].number_input("Seeds", 1, MAX_SWEEP_SEEDS, value=100, step=10, key="bench_seeds")
    if columns[2].button("Run bench", key="bench", type="primary", width="stretch"):
        run_bench_with_progress(list(BENCH) if choice == ALL else [choice], seed_range(count, 0))
    results = st.session_state.get("bench_results")
    if not results:
        st.info("Choose an entry (or every entry) and click **Run bench**: 100 seeds of every entry take seconds.")
        return
    planned = st.session_state.get("bench_plan", [])
    if len(results) < len(planned):
        st.warning(f"Stopped early: {len(results)} of {len(planned)} entries finished; the table shows those.")
    st.markdown(bench_table(results))


def run_bench_with_progress(names: list[str], seeds: list[int]) -> None:
    """Run the entries in turn with a progress bar; Stop (any click) keeps the entries finished so far."""
    if not within_bench_budget(names, seeds):
        return
    st.session_state.bench_plan, st.session_state.bench_results = names, []
    label = f"Running {len(names)} bench entries over {len(seeds)} seeds"
    seconds = estimate_bench_seconds([BENCH[name].config for name in names], len(seeds))
    with st.status(label, expanded=True) as status, training_slot(seconds) as allowance:
        bar = st.progress(0.0, text="starting")
        st.button("Stop", key="stop_bench", icon=":material/stop_circle:", help="Stop now and keep the entries so far.")

        def on_progress(entry: BenchEntry, progress: Progress) -> None:
            index = names.index(entry.name)
            text = f"{entry.name} ({index + 1} of {len(names)}) · epoch {progress.epoch:,} of {progress.epochs:,}"
            bar.progress((index + progress.fraction) / len(names), text=text)

        def keep(result: BenchResult) -> None:  # at once, so a click that interrupts the next entry loses nothing
            st.session_state.bench_results = [*st.session_state.bench_results, result]

        run_bench(names, seeds, on_progress, PROGRESS_INTERVAL, allowance, on_result=keep)
        kept = "The entries so far are kept below. The bench runs on your own machine, where there is no limit, with:"
        if allowance_spent(allowance, status, "Stopped", kept, bench_command(names, seeds)):
            return
        seconds = sum(result.seconds for result in st.session_state.bench_results)
        status.update(label=f"Ran {len(names)} bench entries in {seconds:.1f} s", state="complete", expanded=False)
