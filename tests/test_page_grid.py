"""The grid section under AppTest: a grid runs, draws its heatmaps, a cell opens as its sweep and a
seed of it as its run, with the cell's settings; bad values are refused on the page, not raised."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from aelab import Config, sweep
from aelab.config import setting_name
from aelab.grid import grid, vary

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def grid_page(values: str = "0.5,2", second: str | None = "weight_decay", seeds: int = 3) -> AppTest:
    page = AppTest.from_file(APP, default_timeout=120)
    page.run()
    page.number_input(key="epochs").set_value(60).run()
    page.selectbox(key="grid_name_0").set_value("lr").run()
    page.text_input(key="grid_values_0_lr").set_value(values).run()
    if second:
        page.selectbox(key="grid_name_1").set_value(second).run()
    page.number_input(key="grid_seeds").set_value(seeds).run()
    page.button(key="grid").click().run()
    assert not page.exception, page.exception
    return page


def spec_title(spec: dict) -> str | None:
    title = spec.get("title")
    return title.get("text") if isinstance(title, dict) else title


def chart_titles(page: AppTest) -> list[str]:
    return [spec_title(json.loads(chart.proto.spec)) for chart in page.get("vega_lite_chart")]


def test_a_grid_draws_heatmaps_and_a_cell_opens_as_its_sweep_and_a_seed_as_its_run():
    page = grid_page()
    result = page.session_state["grid_result"]
    assert [cell.settings for cell in result.cells] == [
        {"lr": lr, "weight_decay": wd} for lr in (0.5, 2.0) for wd in (0.0, 0.001, 0.003)
    ]
    assert {"Solved with distinct codes", "Median solved epoch"} <= set(chart_titles(page))
    heatmap = next(
        c for c in page.get("vega_lite_chart") if spec_title(json.loads(c.proto.spec)) == "Solved with distinct codes"
    )
    data = pd.concat([pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in heatmap.proto.datasets])
    assert len(data) == 6 and set(data.columns) >= {"lr", "weight_decay", "solved_rate"}
    assert "rect" in heatmap.proto.spec
    page.selectbox(key="grid_pick").set_value(4).run()  # lr 2, weight decay 0.001
    page.button(key="open_cell").click().run()
    assert not page.exception, page.exception
    opened = page.session_state["sweep_result"]
    assert opened is result.sweeps[4] and opened.config.lr == 2.0 and opened.config.weight_decay == 0.001
    assert opened.solved_epoch == sweep(opened.config, [0, 1, 2]).solved_epoch
    page.selectbox(key="sweep_pick").set_value(1).run()
    page.button(key="open_seed").click().run()
    assert not page.exception, page.exception
    run = page.session_state["result"].config
    assert (run.seed, run.lr, run.weight_decay) == (1, 2.0, 0.001)  # the cell's settings, not the sidebar's
    assert len([b for b in page.get("download_button") if b.proto.label.startswith("Grid")]) == 2


def test_one_varied_setting_draws_lines():
    page = grid_page("0.5,1,2", second=None, seeds=2)
    specs = [json.loads(chart.proto.spec) for chart in page.get("vega_lite_chart")]
    lines = [spec for spec in specs if spec_title(spec) == "Median solved epoch"]
    assert lines and '"line"' in json.dumps(lines[0])


def test_bad_values_are_refused_with_the_field_named():
    page = grid_page("0.5,fast")
    messages = [error.value for error in page.error]
    assert any("lr" in message and "fast" in message for message in messages), messages
    assert "grid_result" not in page.session_state


def test_the_budget_bounds_a_grid(monkeypatch):
    monkeypatch.setenv("AELAB_MAX_SECONDS", "0.001")
    page = grid_page()
    assert any("This grid (6 cells x 3 seeds)" in error.value for error in page.error)
    assert any("python -m aelab grid" in code.value and "--vary lr=0.5,2 " in code.value + " " for code in page.code)
    assert "grid_result" not in page.session_state


def test_a_grid_stopped_by_a_click_keeps_what_it_found():
    """A click stops a page grid inside a redraw, leaving its latest progress: the rerun keeps the grid
    up to there, every cell diagnosed, the seeds not reached counted as not started."""
    base = Config(width=8, hidden=3, epochs=2000)
    varied, seeds, latest = [vary("lr=0.5,2", base)], [0, 1, 2], []

    def stop_at_40(progress):
        latest[:] = [(progress, base, varied, seeds)]
        return progress.epoch >= 40

    grid(base, varied, seeds, stop_at_40, progress_interval=0)
    page = AppTest.from_file(APP, default_timeout=120)
    page.session_state["grid_progress"] = latest  # as aelab_page/grid.py leaves it when a click interrupts
    page.run()
    assert not page.exception, page.exception
    kept = page.session_state["grid_result"]
    assert kept.stopped and [cell.settings for cell in kept.cells] == [{"lr": 0.5}, {"lr": 2.0}]
    assert all(swept.diagnosed and swept.seeds == seeds for swept in kept.sweeps)
    assert "grid_progress" not in page.session_state


def test_the_menus_offer_only_what_the_recipe_reads_and_values_around_its_own():
    page = AppTest.from_file(APP, default_timeout=120)
    page.run()
    assert page.selectbox(key="optimizer").value == "sgd"
    offered = page.selectbox(key="grid_name_0").options  # as labelled: "Momentum (momentum)"
    assert not {setting_name("momentum"), setting_name("max_growth")} & set(offered)
    assert setting_name("optimizer") in offered
    lr = float(page.select_slider(key="lr").value)
    values = [float(v) for v in page.text_input(key="grid_values_0_lr").value.split(",")]
    assert values == [lr * 0.25, lr * 0.5, lr, min(lr * 2, 100)]
    page.selectbox(key="optimizer").set_value("momentum").run()
    assert setting_name("momentum") in page.selectbox(key="grid_name_0").options


def test_the_headline_leaves_out_the_base_value_of_a_varied_setting():
    page = grid_page()
    headline = next(md.value for md in page.markdown if md.value.startswith("**Grid over**"))
    base = page.session_state["grid_result"].base
    assert f"lr={base.lr:g}" in base.describe() and "lr=" not in headline and "wd=" not in headline
    assert f"{base.width}-{base.hidden}-{base.width}" in headline
    assert headline.startswith("**Grid over** Learning rate (lr), Weight decay (weight_decay) of")  # the menus' names


def test_seeds_per_cell_step_by_one_and_a_refused_grid_marks_the_shown_one_as_the_previous():
    page = grid_page()
    assert page.number_input(key="grid_seeds").proto.step == 1
    assert not any("previous grid" in caption.value for caption in page.caption)
    page.text_input(key="grid_values_0_lr").set_value("0.5,fast").run()
    page.button(key="grid").click().run()
    assert any("fast" in error.value for error in page.error)
    assert any("previous grid" in caption.value for caption in page.caption)
