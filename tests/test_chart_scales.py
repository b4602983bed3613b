"""Each chart writes a figure on one scale: a share's legend or axis, its cells' text and its tooltip all in
percent, as the page's figures beside the chart (report.percent) give it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from aelab import charts
from aelab.config import Config
from aelab.report import epoch_statistic, percent
from aelab.train import Trainer

# Four cells over two settings: a share that is neither all nor nothing (0.995 must not read 100%), a half,
# none (no median: `never`) and all.
GRID = pd.DataFrame(
    {
        "lr": [1.0, 1.0, 2.0, 2.0],
        "weight_decay": [0.0, 0.001, 0.0, 0.001],
        "output_solved_rate": [1.0, 0.5, 0.0, 1.0],
        "solved_rate": [0.995, 0.5, 0.0, 1.0],
        "median_solved_epoch": [120.4, 300.0, np.nan, 80.0],
        "p90_solved_epoch": [150.0, 400.0, np.nan, 90.0],
        "seeds": [200, 200, 200, 200],
    }
)


def rows(spec: dict) -> list[dict]:
    (data,) = spec["datasets"].values()
    return data


def layer_with(spec: dict, channel: str) -> dict:
    """The first layer that encodes `channel` from a field (the heatmap's cells, its text, the line)."""
    return next(layer for layer in spec["layer"] if "field" in layer.get("encoding", {}).get(channel, {}))


def figure_tooltip(encoding: dict, title: str) -> dict:
    return next(tip for tip in encoding["tooltip"] if tip.get("title") == title)


@pytest.mark.parametrize(("figure", "number", "text"), [("solved_rate", ".0%", percent),
                                                        ("median_solved_epoch", ",.0f", epoch_statistic)])  # fmt: skip
def test_a_grid_heatmaps_legend_text_and_tooltip_give_its_figure_on_one_scale(figure, number, text):
    """The legend was 0..1 (no format) while the cells read 50%."""
    spec = charts.grid_charts(GRID, ["lr", "weight_decay"])[list(charts.GRID_FIGURES).index(figure)].to_dict()
    title = charts.GRID_FIGURES[figure].title
    colour = layer_with(spec, "color")["encoding"]["color"]
    assert colour["field"] == figure and colour["legend"]["format"] == number
    text_layer = layer_with(spec, "text")["encoding"]
    labels, tip = text_layer["text"], figure_tooltip(text_layer, title)
    assert tip["field"] == labels["field"]  # the tooltip says what the cell says
    shown = {row["lr"] + " " + row["weight_decay"]: row[labels["field"]] for row in rows(spec)}
    expected = [None if np.isnan(value) else text(value) for value in GRID[figure]]
    assert list(shown.values()) == expected
    if figure == "solved_rate":  # in percent, as the cell picker's label beside the chart
        assert list(shown.values()) == ["99.5%", "50%", "0%", "100%"]


@pytest.mark.parametrize("figure", list(charts.GRID_FIGURES))
def test_a_grid_lines_axis_and_tooltip_give_its_figure_on_one_scale(figure):
    one = GRID[GRID["weight_decay"] == 0.0].drop(columns="weight_decay")
    spec = charts.grid_charts(one, ["lr"])[list(charts.GRID_FIGURES).index(figure)].to_dict()
    shape = charts.GRID_FIGURES[figure]
    line = layer_with(spec, "y")["encoding"]
    assert line["y"]["field"] == figure and line["y"]["axis"]["format"] == shape.number
    tip = figure_tooltip(line, shape.title)
    assert [row[tip["field"]] for row in rows(spec)] == [
        None if np.isnan(value) else shape.text(value) for value in one[figure]
    ]


def test_the_share_legend_and_text_agree_in_kind():
    """Both in percent: a d3 `%` format on the legend, a `%` on every cell."""
    spec = charts.grid_charts(GRID, ["lr", "weight_decay"])[0].to_dict()
    assert layer_with(spec, "color")["encoding"]["color"]["legend"]["format"].endswith("%")
    labels = layer_with(spec, "text")["encoding"]["text"]["field"]
    assert all(row[labels].endswith("%") for row in rows(spec))


@pytest.fixture(scope="module")
def history_specs() -> list[dict]:
    result = Trainer(Config(epochs=60), [0]).run(60).run(0)
    return charts.history_charts([("run", result)], log_loss=False)


@pytest.mark.parametrize(("index", "metric"), [(1, "accuracy"), (2, "bits_correct")])
def test_a_share_over_epochs_has_a_percent_axis_and_tooltip(history_specs, index, metric):
    """Accuracy and bits right were drawn 0..1 (tooltip 0.875) beside "Output bits right now 88%"."""
    spec = history_specs[index]
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")["encoding"]
    assert line["y"]["axis"]["format"].endswith("%")
    tip = figure_tooltip(line, charts.METRIC_TITLES[metric])
    history = spec["datasets"]["history"]  # the page's own data, handed over as a frame
    shown, values = list(history[tip["field"]]), list(history["value"])
    assert shown == [percent(value) for value in values] and any(0 < value < 1 for value in values)


@pytest.mark.parametrize("index", [0, 3])
def test_loss_and_distinct_codes_keep_their_numbers(history_specs, index):
    """Not shares: no percent anywhere on them."""
    spec = history_specs[index]
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")["encoding"]
    assert "%" not in json.dumps(line)
    assert figure_tooltip(line, spec["title"].removesuffix(" (log scale)"))["field"] == "value"


@pytest.mark.parametrize("shape", [(1797, 3), (3, 1797), (1024, 1024), (4100, 1), (70, 70)])
def test_a_large_matrix_is_an_image_shown_whole_within_the_side_and_aspect_bounds(shape):
    """The image keeps every cell (its pixels are whole repeats of the one-pixel-per-cell image) and is
    shown no more than MAX_IMAGE_SIDE px high or wide, with neither side over MAX_IMAGE_ASPECT times the other."""
    from aelab.charts.matrices import MAX_IMAGE_ASPECT, MAX_IMAGE_SIDE, heatmap_image

    matrix = np.random.default_rng(0).uniform(-1, 1, shape)
    view = charts.matrix_view(matrix, row="pattern", column="hidden unit", title="H", domain=(-1.0, 1.0))
    assert view.chart is None
    height, width = view.image.shape[:2]
    assert max(height / width, width / height) <= MAX_IMAGE_ASPECT
    shown_height = view.width * height / width
    assert view.width <= MAX_IMAGE_SIDE and shown_height <= MAX_IMAGE_SIDE + 1
    rows, columns = height // shape[0], width // shape[1]
    original = heatmap_image(matrix, (-1.0, 1.0))
    assert np.array_equal(view.image, np.repeat(np.repeat(original, rows, axis=0), columns, axis=1))


def test_the_curves_show_only_the_figures_that_mean_something_for_the_data():
    """Real-valued data (the digits) has no bits, codes or argmax target: its only curve is the loss. Multi-hot
    binary data (bars) has bits and codes but no one target unit, so no argmax accuracy. One-hot has all four;
    a pinned digits run beside a one-hot one leaves the loss alone."""
    digits = Trainer(Config(data="digits", width=64, hidden=2, patterns=20, loss="mse", epochs=3, stop="never"), [0])
    bars = Trainer(Config(data="bars", width=16, hidden=3, patterns=8, epochs=3), [0])
    one_hot = Trainer(Config(epochs=3), [0])
    digits, bars, one_hot = (trainer.run(3).run(0) for trainer in (digits, bars, one_hot))

    def titles(*results):
        specs = charts.history_charts([(f"#{i}", r) for i, r in enumerate(results)], log_loss=False)
        return [spec["title"]["text"] if isinstance(spec["title"], dict) else spec["title"] for spec in specs]

    assert titles(digits) == ["Loss"]
    assert titles(bars) == ["Loss", "Output bits right (40-20-40)", "Distinct binary codes"]
    assert titles(one_hot) == [charts.METRIC_TITLES[metric] for metric in charts.METRIC_TITLES]
    assert titles(one_hot, digits) == ["Loss"]
    (lone,) = charts.history_charts([("run", digits)])
    legends = json.dumps({key: value for key, value in lone.items() if key != "datasets"})
    assert '"title": "Run"' in legends and '"title": "Marks"' in legends  # a lone chart carries both legends
