"""Many seeds at once: run a sweep with progress and Stop, show its rates, open any seed."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from aelab import charts
from aelab.budget import estimate_seconds
from aelab.config import Config, ConfigError
from aelab.report import cli_command, epoch_or_never, epoch_statistic, percent
from aelab.results import SweepResult
from aelab.sweep import SweepProgress, sweep
from aelab_page.diagnosis import FAILURE_COLUMNS, MAX_TABLE_HEIGHT, diagnosis_ui, failure_columns
from aelab_page.lesson import chart_scale, table_size
from aelab_page.memory import track_memory
from aelab_page.seed_batches import keep_stopped, seed_range_inputs, stoppable_status
from aelab_page.serving import within_budget
from aelab_page.setting_widgets import load_into_widgets
from aelab_page.training import PROGRESS_INTERVAL
from aelab_page.upload import run_inputs


def open_seed(seed: int, config: Config) -> None:
    """on_click of a sweep's "open": that seed, with the sweep's settings (a grid's cell has its own),
    becomes the current run, trained at once."""
    load_into_widgets(replace(config, seed=seed))
    st.session_state.train_request = True


def keep_stopped_sweep() -> None:
    """A sweep that a click stopped: keep it up to its latest progress."""
    keep_stopped("sweep", lambda progress: progress.result())


def sweep_view(config: Config) -> None:
    keep_stopped_sweep()
    st.markdown(
        "One setting, many seeds, trained together in batches (a seed trains exactly as it would alone). "
        "How often does it find a distinct binary code, and how fast?"
    )
    seeds, clicked = seed_range_inputs("sweep", "Seeds", default_count=100, step=10, button="Run sweep")
    if clicked:
        run_sweep(config, seeds)
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
    with stoppable_status("sweep", label, estimate_seconds(config, len(seeds)), config.backend) as run:

        def on_progress(progress: SweepProgress) -> None:
            solved = sum(epoch is not None for epoch in progress.sweep_result().solved_epoch)
            text = f"epoch {progress.epoch:,} of {progress.epochs:,} · {solved} of {len(seeds)} seeds solved"
            if progress.batches > 1:
                text += f" · batch {len(progress.done) + 1} of {progress.batches}"
            run.progress(progress, progress.fraction, text)

        try:
            result = sweep(config, seeds, on_progress, PROGRESS_INTERVAL, run.allowance, inputs=run_inputs(config))
        except ConfigError as error:
            run.failed(error)
            return
        kept = (
            "The sweep so far is kept below (seeds not yet solved count as unsolved). All of it runs on your own "
            "machine, where there is no limit, with:"
        )
        run.finish(result, f"{len(seeds)} seeds", result.seconds, kept, cli_command(config, seeds))
        track_memory()
