"""Real-valued data gets real-valued figures: the loss (with the best linear map's level) and the variance
explained, never bits, codes or argmax; views of many patterns stay a bounded size."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from aelab import Config, charts, replay, train
from aelab.charts.matrices import MAX_IMAGE_SIDE
from tests.test_page import click_train, new_page, tab


@pytest.fixture(scope="module")
def digits():
    return train(Config(data="digits", width=64, hidden=3, patterns=200, loss="mse", epochs=4, stop="never"))


def titles(specs: list[dict]) -> list[str]:
    return [spec["title"].removesuffix(" (log scale)") for spec in specs]


def test_curves_of_real_valued_data_are_the_loss_alone(digits):
    specs = charts.history_charts([("run", digits)])
    assert titles(specs) == ["Loss"]
    legends = json.dumps({key: value for key, value in specs[0].items() if key != "datasets"})
    assert '"title": "Run"' in legends and '"title": "Marks"' in legends  # the one chart carries both legends


def test_multi_hot_curves_drop_argmax_accuracy_and_one_hot_keeps_it():
    bars = train(Config(data="bars", width=16, hidden=3, epochs=3))
    one_hot = train(Config(width=8, hidden=3, epochs=3))
    assert "Argmax accuracy" not in titles(charts.history_charts([("run", bars)]))
    assert titles(charts.history_charts([("run", one_hot)])) == [charts.METRIC_TITLES[m] for m in charts.METRIC_TITLES]


def test_log_loss_ticks_are_even_steps_within_the_data():
    assert charts.curves.log_ticks(np.array([0.0012, 0.35])) == [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2]
    assert charts.curves.log_ticks(np.array([0.0009, 0.35])) == [0.001, 0.01, 0.1]
    ticks = charts.curves.log_ticks(np.array([0.012, 0.057]))
    assert ticks == [0.02, 0.03, 0.05]


def test_the_loss_axis_ends_at_the_data(digits):
    spec = charts.history_charts([("run", digits)], log_loss=True)[0]
    y = spec["layer"][0]["encoding"]["y"]
    assert y["scale"] == {"type": "log", "nice": False}
    values = np.concatenate([spec["datasets"]["history"]["value"], spec["datasets"]["floors"]["floor"]])
    assert y["axis"]["values"] and all(values.min() <= tick <= values.max() for tick in y["axis"]["values"])


def test_the_live_loss_chart_ends_at_its_data_with_the_same_ticks():
    """The chart redrawn while training had Vega's log axis: rounded out to whole decades, uneven labels."""
    loss = np.geomspace(0.31, 0.0042, 200)
    y = charts.live_loss_spec(np.arange(1, 201), loss, 200)["encoding"]["y"]
    assert y["scale"] == {"type": "log", "nice": False}
    assert y["axis"]["values"] == charts.curves.log_ticks(loss) == [0.005, 0.01, 0.02, 0.05, 0.1, 0.2]


def test_the_replay_of_real_valued_data_has_variance_explained_not_bits(digits):
    data = replay.payload(replay.run_frames(digits))
    assert data["binary"] is False
    final = digits.reconstruction()["variance_explained"]
    assert data["variance_explained"][-1] == pytest.approx(final, abs=1e-4)  # the replay's last frame = the metric
    assert f"{data['loss'][-1]:.3g}" == f"{digits.history['loss'][-1]:.3g}"  # as "Loss now" shows it
    one_hot = replay.payload(replay.run_frames(train(Config(width=8, hidden=3, epochs=3))))
    assert one_hot["binary"] is True


@pytest.mark.parametrize("shape", [(1797, 3), (1024, 10), (1024, 1024), (3, 1797)])
def test_an_image_is_never_shown_taller_or_wider_than_its_bound(shape):
    view = charts.matrix_view(np.zeros(shape), row="r", column="c", title="t", domain=(0.0, 1.0))
    height = view.width * view.image.shape[0] / view.image.shape[1]  # shown `width` px wide, its aspect kept
    assert view.width <= MAX_IMAGE_SIDE and height <= MAX_IMAGE_SIDE + 1
    assert view.width >= min(MAX_IMAGE_SIDE / 4, shape[1])  # a tall thin one stays readable across


def test_the_hidden_code_of_every_digit_is_a_bounded_sample():
    page = click_train(new_page({"data": "digits", "hidden": "3", "stop": "never"}, epochs=2))
    assert page.session_state["result"].targets.shape == (1797, 64)
    hidden = tab(page, "Hidden code")
    assert any("62 of the 1,797 patterns" in caption.value for caption in hidden.caption)
    specs = [json.loads(chart.proto.spec) for chart in hidden.get("vega_lite_chart")]
    assert specs and all(spec.get("height", 0) <= 640 for spec in specs)
    heatmap = next(chart for chart in hidden.get("vega_lite_chart") if "Hidden activations" in chart.proto.spec)
    numbered = pa.ipc.open_stream(heatmap.proto.datasets[0].data.data).read_all().to_pandas()["pattern"]
    assert sorted(set(numbered))[:3] == [0, 29, 58]  # the rows are numbered by pattern, not by place in the sample
    assert not [m.value for m in hidden.markdown if "distinct codes" in m.value]
    curves = tab(page, "Training curves")
    assert titles([json.loads(c.proto.spec) for c in curves.get("vega_lite_chart")]) == ["Loss"]
