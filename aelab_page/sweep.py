"""Many seeds at once: run a sweep with progress and Stop, show its rates, open any seed."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from aelab import charts
from aelab.budget import estimate_seconds
from aelab.config import Config, ConfigError
from aelab.report import cli_command, epoch_or_never, epoch_statistic, percent
from aelab.results import SweepResult
from aelab.sweep import MAX_SWEEP_SEEDS, SweepProgress, last_first_seed, seed_range, sweep
from aelab_page.diagnosis import FAILURE_COLUMNS, MAX_TABLE_HEIGHT, diagnosis_ui, failure_columns
from aelab_page.lesson import chart_scale, table_size
from aelab_page.memory import track_memory
from aelab_page.serving import allowance_spent, training_slot, within_budget
from aelab_page.setting_widgets import load_into_widgets
from aelab_page.training import PROGRESS_INTERVAL, session_lock, stopped_in_time
from aelab_page.upload import run_inputs


def open_seed(seed: int, config: Config) -> None:
    """on_click of a sweep's "open": that seed, with the sweep's settings (a grid's cell has its own),
    becomes the current run, trained at once."""
    load_into_widgets(replace(config, seed=seed))
    st.session_state.train_request = True


def keep_stopped_sweep() -> None:
    """A sweep that a click stopped left its latest progress: keep the sweep up to there. With
    fastReruns the rerun starts while the stopped sweep's thread trains on to its next redraw, so
    wait for that thread to let go of the sweep first."""
    latest = st.session_state.get("sweep_progress")
    if not latest:
        return
    if not stopped_in_time("sweep"):
        st.warning("The last sweep is still stopping; click again in a moment.")
        return
    st.session_state.pop("sweep_progress", None)
    st.session_state.sweep_result = latest[0].result()


def sweep_view(config: Config) -> None:
    keep_stopped_sweep()
    st.markdown(
        "One setting, many seeds, trained together in batches (a seed trains exactly as it would alone). "
        "How often does it find a distinct binary code, and how fast?"
    )
    columns = st.columns([1, 1, 1], vertical_alignment="bottom")
    count = columns[0].number_input("Seeds", 1, MAX_SWEEP_SEEDS, value=100, step=10, key="sweep_seeds")
    if st.session_state.get("sweep_first", 0) > last_first_seed(count):  # keep the last seed valid
        st.session_state.sweep_first = last_first_seed(count)
    first = columns[1].number_input("First seed", 0, last_first_seed(count), key="sweep_first")
    if columns[2].button("Run sweep", key="sweep", type="primary", width="stretch"):
        run_sweep(config, seed_range(count, first))
    result = st.session_state.get("sweep_result")
    if result is None:
        st.info("Set the seeds and click **Run sweep**. The sweep uses the settings in the sidebar.")
        return
    sweep_results(result)


def sweep_results(result: SweepResult) -> None:
    seeds = f"seeds {result.seeds[0]}..{result.seeds[-1]}"
    label = f"**Sweep of** `{result.config.describe(with_seed=False)}` over {seeds} in {result.seconds:.2f} s"
    if result.stopped:
        label += " · **stopped early**: seeds not yet solved count as unsolved"
    st.markdown(label)
    figures = st.columns(4)
    figures[0].metric("Solved with distinct codes", percent(result.solved_rate))
    figures[1].metric("Outputs solved", percent(result.output_solved_rate))
    figures[2].metric("Median epoch", epoch_statistic(result.median_solved_epoch, never="–"))
    figures[3].metric("90th percentile", epoch_statistic(result.p90_solved_epoch, never="–"))
    if any(epoch is not None for epoch in result.solved_epoch):
        st.altair_chart(charts.solved_histogram(result.solved_epoch, chart_scale()), width="stretch")
    failing = result.failing_seeds()
    if failing:
        st.markdown(f"**{len(failing)} seeds never solved** (outputs and distinct codes):")
        rows = [
            {
                "seed": result.seeds[index],
                "outputs solved at": epoch_or_never(result.output_solved_epoch[index]),
                "distinct codes at the end": result.final_distinct_codes[index],
                **failure_columns(result, index),
            }
            for index, solved in enumerate(result.solved_epoch)
            if solved is None
        ]
        st.dataframe(rows, hide_index=True, column_config=FAILURE_COLUMNS, **table_size(len(rows), MAX_TABLE_HEIGHT))
    diagnosis_ui(result)
    chosen = st.selectbox(
        "Open a seed as a single run",
        result.seeds,
        index=result.seeds.index(failing[0]) if failing else 0,
        key="sweep_pick",
    )
    if st.button(
        "Open as the current run",
        key="open_seed",
        on_click=open_seed,
        args=(chosen, result.config),
        icon=":material/open_in_new:",
    ):
        st.success(f"Seed {chosen} is now the current run: see its views above.")


def run_sweep(config: Config, seeds: list[int]) -> None:
    """Train the seeds in batches with a progress bar; Stop (any click) keeps the sweep so far."""
    if not within_budget(config, seeds):
        return
    label = f"Sweeping {len(seeds)} seeds of {config.describe(with_seed=False)}"
    slot = training_slot(estimate_seconds(config, len(seeds)), config.backend)
    with st.status(label, expanded=True) as status, slot as allowance, session_lock("sweep"):
        bar = st.progress(0.0, text="starting")
        st.button("Stop", key="stop_sweep", icon=":material/stop_circle:", help="Stop now and keep the sweep so far.")
        # As for a single run: a click interrupts the sweep inside a redraw, and the rerun makes
        # the sweep so far, causes and codes included, from the latest progress (keep_stopped_sweep).
        latest: list[SweepProgress] = []
        st.session_state.sweep_progress = latest

        def on_progress(progress: SweepProgress) -> None:
            latest[:] = [progress]
            solved = sum(epoch is not None for epoch in progress.sweep_result().solved_epoch)
            text = f"epoch {progress.epoch:,} of {progress.epochs:,} · {solved} of {len(seeds)} seeds solved"
            if progress.batches > 1:
                text += f" · batch {len(progress.done) + 1} of {progress.batches}"
            bar.progress(progress.fraction, text=text)

        try:
            result = sweep(config, seeds, on_progress, PROGRESS_INTERVAL, allowance, inputs=run_inputs(config))
        except ConfigError as error:  # torch missing, no CUDA: say so, never a traceback
            status.update(label=f"Could not run the sweep: {error}", state="error")
            return
        latest.clear()
        st.session_state.sweep_result = result
        track_memory()
        kept = (
            "The sweep so far is kept below (seeds not yet solved count as unsolved). All of it runs on your own "
            "machine, where there is no limit, with:"
        )
        stopped = f"Stopped after {result.seconds:.1f} s"
        if allowance_spent(allowance, status, stopped, kept, cli_command(config, seeds)):
            return
        status.update(label=f"Swept {len(seeds)} seeds in {result.seconds:.2f} s", state="complete", expanded=False)
