"""The views of data that is not one-hot, under AppTest: digits reconstructions as images, the k = 2 code
plane coloured by label over the decoded images, and the hidden code view saying codes are not the point."""

from __future__ import annotations

import json

import pyarrow as pa

from tests.test_page import click_train, new_page, tab

DIGITS_LINK = {"data": "digits", "hidden": "2", "patterns": "100", "stop": "never", "output": "linear", "lr": "0.01"}


def specs(block) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in block.get("vega_lite_chart")]


def point_labels(chart) -> list[str]:
    """The labels of the points behind a chart element (the decoded tiles' rows have none)."""
    for data in chart.proto.datasets:
        frame = pa.ipc.open_stream(data.data.data).read_all().to_pandas()
        if "label" in frame:
            return frame["label"].tolist()
    return []


def named_tab(page, label: str):
    return next(t for t in page.tabs if t.label == label)


def test_digits_show_images_and_a_labelled_code_plane():
    page = click_train(new_page(DIGITS_LINK, epochs=20))
    tab(page, "Reconstructions")
    images = [s for s in specs(named_tab(page, "Reconstructions")) if "facet" in s]
    assert images, "the reconstructions are drawn as images"
    assert images[0]["facet"]["sort"] == [f"#{i}: {i}" for i in range(10)]  # the first of each digit is pattern i
    tab(page, "Hidden code")
    hidden = named_tab(page, "Hidden code")
    assert any("codes are not the point" in m.value for m in hidden.markdown)
    title = "Codes by label, over what the decoder draws there"
    planes = [c for c in hidden.get("vega_lite_chart") if json.loads(c.proto.spec).get("title") == title]
    assert len(planes) == 1
    layers = json.loads(planes[0].proto.spec)["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["rect", "circle"]  # decoded images under the codes
    assert layers[1]["encoding"]["color"]["field"] == "label"
    labels = point_labels(planes[0])
    assert len(labels) == 100 and set(labels) == {str(d) for d in range(10)}


def test_the_loss_chart_labels_the_pca_floor_of_a_digits_run_and_not_of_one_hot():
    from aelab import Config, charts, train

    digits = train(Config(data="digits", width=64, hidden=2, patterns=50, loss="mse", epochs=3, stop="never"))
    one_hot = train(Config(width=8, hidden=3, epochs=3))
    for result, floors in ((digits, 1), (one_hot, 0)):
        loss = charts.history_charts([("run", result)], log_loss=True)[0]
        labels = [layer for layer in loss["layer"] if layer["mark"]["type"] == "text"]
        assert labels and labels[0]["encoding"]["text"] == {"value": "PCA floor (best linear map)"}
        assert len(loss["datasets"]["floors"]) == floors  # the label is drawn once per floor, and only there


def test_a_paced_digits_run_shows_its_codes_live_without_binary_figures():
    page = new_page(DIGITS_LINK, epochs=10)
    page.select_slider(key="speed").set_value(100).run()  # paced: the live views are drawn as it trains
    page = click_train(page)
    notes = [m.value for m in page.markdown if "real-valued patterns (codes are not the point" in m.value]
    assert notes and not [m.value for m in page.markdown if "distinct codes** of" in m.value]
    live = [c for c in page.get("vega_lite_chart") if json.loads(c.proto.spec).get("title") == "Codes by label"]
    assert len(live) == 1 and len(set(point_labels(live[0]))) == 10, "k = 2: the live codes coloured by label"


def test_a_digits_runs_figures_are_the_reconstructions_not_binary_codes():
    page = click_train(new_page(DIGITS_LINK, epochs=20))
    labels = [metric.label for metric in page.metric]
    assert labels == ["Loss now", "Reconstruction error", "Variance explained", "PCA floor"]
    figures = page.session_state["result"].reconstruction()
    assert page.metric[2].value == f"{figures['variance_explained']:.1%}"
    assert any("of the variance explained now" in m.value for m in page.markdown)
