"""A grid: the same seeds swept at every combination of one or two settings' values, shown as
heatmaps (two settings) or lines (one); a cell opens as its sweep in the sweep section above, and
from there a seed opens as its run. Layout only: aelab.grid does the work."""

from __future__ import annotations

import json

import streamlit as st

from aelab import charts, formats
from aelab.active_settings import DEPENDS_ON, is_active
from aelab.budget import estimate_bench_seconds
from aelab.config import Config, ConfigError, setting_name
from aelab.grid import (
    GridResult,
    Varied,
    default_values,
    grid,
    grid_cells,
    grid_command,
    shared_description,
    value_text,
    vary,
)  # fmt: skip
from aelab.report import markdown_literal, percent
from aelab.sweep import SweepProgress
from aelab_page.lesson import chart_scale
from aelab_page.seed_batches import keep_stopped, seed_range_inputs, stoppable_status
from aelab_page.serving import within_grid_budget
from aelab_page.training import PROGRESS_INTERVAL
from aelab_page.upload import run_inputs

NONE = "(none)"
# What the menus offer: the settings a recipe is tuned on, where the recipe reads them (any setting works
# from the CLI)
VARIABLE = (
    "lr", "weight_decay", "noise", "momentum", "init_scale", "restart_after", "hidden", "width", "epochs", "optimizer",
)  # fmt: skip


def variable_settings(config: Config) -> list[str]:
    """VARIABLE less what this recipe ignores (momentum unless the optimizer is momentum), and the width of a
    csv file, which the file fixes."""
    fixed = ("width",) if config.data == "csv" else ()
    return [name for name in VARIABLE if (name not in DEPENDS_ON or is_active(name, config)) and name not in fixed]


def keep_stopped_grid() -> None:
    """A grid that a click stopped: keep it up to its latest progress (as the sweep does)."""

    def result_of(latest: tuple[SweepProgress, Config, list[Varied], list[int]]) -> GridResult:
        progress, base, varied, seeds = latest
        cells = grid_cells(base, varied)
        return GridResult(base, varied, seeds, cells, progress.cell_results(diagnosed=True), progress.seconds, True)

    keep_stopped("grid", result_of)


def _varied_inputs(column, index: int, config: Config) -> str | None:
    """One setting's menu and values (at first around the recipe's own value); None when left at (none)."""
    options = [NONE, *variable_settings(config)] if index else variable_settings(config)
    if st.session_state.get(f"grid_name_{index}", options[0]) not in options:  # the recipe no longer reads it
        st.session_state.pop(f"grid_name_{index}")
    name = column.selectbox(f"Vary setting {index + 1}", options, key=f"grid_name_{index}", format_func=setting_name)
    if name == NONE:
        return None
    values = column.text_input(
        f"Values of setting {index + 1}", default_values(name, config), key=f"grid_values_{index}_{name}",
        help="comma-separated, e.g. 12.5,25,50,100",
    )  # fmt: skip
    return f"{name}={values}"


def grid_view(config: Config) -> None:
    keep_stopped_grid()
    st.markdown(
        "The same seeds at every combination of one or two settings' values: where does the recipe work, "
        "and how fast? Cells that differ only in learning rate, momentum, weight decay or noise train together."
    )
    left, right = st.columns(2)
    texts = [text for text in (_varied_inputs(left, 0, config), _varied_inputs(right, 1, config)) if text]
    seeds, clicked = seed_range_inputs("grid", "Seeds per cell", default_count=20, step=1, button="Run grid")
    refused = False  # this click's grid was refused: what shows below is the previous one
    if clicked:
        try:
            varied = [vary(text, config) for text in texts]
            grid_cells(config, varied)  # refuses a setting twice, too many cells, an impossible one
        except ConfigError as error:
            st.error(f"Cannot run this grid: {markdown_literal(str(error))}")
            refused = True
        else:
            run_grid(config, varied, seeds)
    result = st.session_state.get("grid_result")
    if result is None:
        st.info("Choose the settings to vary and their values, then click **Run grid**.")
        return
    if refused:
        st.caption("Below: the previous grid, not the one refused above.")
    grid_results(result)


def run_grid(base: Config, varied: list[Varied], seeds: list[int]) -> None:
    """Sweep every cell with a progress bar; Stop (any click) keeps the grid so far."""
    configs, command = [cell.config for cell in grid_cells(base, varied)], grid_command(base, varied, seeds)
    if not within_grid_budget(configs, seeds, command):
        return
    label = f"Sweeping {len(configs)} cells of {len(seeds)} seeds"
    with stoppable_status("grid", label, estimate_bench_seconds(configs, len(seeds)), base.backend) as run:

        def on_progress(progress: SweepProgress) -> None:
            text = f"batch {len(progress.done) + 1} of {progress.batches} · epoch {progress.epoch:,}"
            run.progress((progress, base, varied, seeds), progress.fraction, text)

        try:
            result = grid(base, varied, seeds, on_progress, PROGRESS_INTERVAL, run.allowance, inputs=run_inputs(base))
        except ConfigError as error:
            run.failed(error)
            return
        kept = "The grid so far is kept below. All of it runs on your own machine, where there is no limit, with:"
        run.finish(result, f"{len(configs)} cells of {len(seeds)} seeds", result.seconds, kept, command)


def open_cell(index: int) -> None:
    """on_click of "Open as a sweep": the cell's sweep becomes the sweep section's result."""
    st.session_state.sweep_result = st.session_state.grid_result.sweeps[index]


def cell_label(settings: dict) -> str:
    return ", ".join(f"{name} = {value_text(value)}" for name, value in settings.items())


def grid_results(result: GridResult) -> None:
    names = [item.name for item in result.varied]
    seeds = f"seeds {result.seeds[0]}..{result.seeds[-1]}"
    label = f"**Grid over** {', '.join(map(setting_name, names))} of `{shared_description(result.cells)}`"
    label += f", {seeds} in each of {len(result.cells)} cells, {result.seconds:.2f} s"
    if result.stopped:
        label += " · **stopped early**: seeds not yet solved count as unsolved"
    st.markdown(label)
    frame = formats.grid_frame(result)
    for chart in charts.grid_charts(frame, names, chart_scale()):
        st.altair_chart(chart, width="stretch")
    rates = [percent(sweep.solved_rate) for sweep in result.sweeps]
    labels = [f"{cell_label(cell.settings)} ({rate} solved)" for cell, rate in zip(result.cells, rates, strict=True)]
    best = max(range(len(result.cells)), key=lambda index: result.sweeps[index].solved_rate)
    columns = st.columns([2, 1], vertical_alignment="bottom")
    chosen = columns[0].selectbox("Open a cell as its sweep", range(len(labels)), index=best,
                                  format_func=labels.__getitem__, key="grid_pick")  # fmt: skip
    columns[1].button("Open as the sweep", key="open_cell", on_click=open_cell, args=(chosen,),
                      icon=":material/open_in_new:", width="stretch")  # fmt: skip
    if st.session_state.get("sweep_result") is result.sweeps[chosen]:
        st.success("This cell is now the sweep in *Many seeds at once* above: open any of its seeds as a run there.")
    downloads = st.columns(2)
    downloads[0].download_button("Grid CSV", formats.grid_csv(result), "grid.csv", "text/csv", on_click="ignore",
                                 key="grid_csv", width="stretch")  # fmt: skip
    downloads[1].download_button("Grid JSON", json.dumps(formats.grid_json(result)), "grid.json", "application/json",
                                 on_click="ignore", key="grid_json", width="stretch")  # fmt: skip
