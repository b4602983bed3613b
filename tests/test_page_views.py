"""The views done right, under AppTest and as chart specs: the view a run was watched in stays open,
the code table lists shared codes first, the corner table says why a corner reads as no pattern, and
the 8-3-8 probe slices share one colour legend."""

from __future__ import annotations

import json

import numpy as np

from aelab import analysis, charts
from aelab.charts.probe import plane_chart
from aelab.probe import Plane
from tests.test_page import charts_in, click_train, new_page, tab


def open_view(page) -> str:
    return page.session_state["view"]


def test_after_a_run_the_views_open_on_the_hidden_code_it_showed_live():
    page = click_train(new_page())  # 40 epochs at full speed: done before the first live redraw
    assert open_view(page) == "Training curves"  # nothing was shown live: the views stay where they were
    tab(page, "Weights")  # a view chosen by hand stays chosen through other clicks ...
    page.number_input(key="seed").set_value(3).run()
    assert open_view(page) == "Weights"
    page.select_slider(key="speed").set_value(100).run()  # paced: the live code is drawn as it trains
    click_train(page)  # ... until a run shows its hidden code live
    assert open_view(page) == "Hidden code"
    assert charts_in(next(t for t in page.tabs if t.label == "Hidden code"))
    assert not charts_in(next(t for t in page.tabs if t.label == "Weights"))


def test_a_view_chosen_by_hand_stays_after_a_full_speed_run():
    page = new_page()
    page.select_slider(key="speed").set_value(100).run()
    click_train(page)
    assert open_view(page) == "Hidden code"
    tab(page, "Weights")
    page.select_slider(key="speed").set_value(0).run()
    click_train(page)
    assert open_view(page) == "Weights"


def test_the_code_table_lists_the_shared_codes_first():
    # patterns 1 & 4 share code 11, 2 & 5 share 00; 0 and 3 have codes of their own
    hidden = np.array([[0.9, -0.9], [0.9, 0.9], [-0.9, -0.9], [-0.9, 0.9], [0.8, 0.7], [-0.7, -0.8]])
    table = charts.code_table(analysis.code_report(hidden, "tanh"), hidden)
    assert list(table["pattern"]) == [1, 4, 2, 5, 0, 3]
    assert list(table["shares code with"]) == ["4", "1", "5", "2", "", ""]
    np.testing.assert_array_equal(table["h0"], hidden[table["pattern"], 0])  # each row keeps its own values


def test_the_16_4_16_code_table_shows_its_shared_rows_above_the_cut():
    page = click_train(new_page({"width": "16", "hidden": "4"}, epochs=1000))  # the default recipe, half way
    result = page.session_state["result"]
    groups = result.code_report().collisions
    assert groups and result.code_report().distinct > 8, "a few codes still shared, most distinct"
    frame = tab(page, "Hidden code").dataframe[0].value
    sharing = [pattern for group in groups for pattern in group]
    assert list(frame["pattern"][: len(sharing)]) == sharing  # each group together, all before the rest
    assert (frame["shares code with"][len(sharing) :] == "").all()


def test_the_corner_table_says_why_a_corner_reads_as_no_pattern():
    page = click_train(new_page({"width": "8", "hidden": "3"}, epochs=5))  # barely trained: most corners read none
    corners = next(frame.value for frame in tab(page, "Probe").dataframe if "corner" in frame.value.columns)
    none = corners["reads as"] == "–"
    assert none.any()
    assert (corners["why no pattern"][none] != "").all() and (corners["why no pattern"][~none] == "").all()
    reasons = corners["why no pattern"][none]
    assert reasons.str.fullmatch(
        r"no output >= 0\.6|\w+ outputs >= 0\.6|(an output|\w+ outputs) between 0\.4 and 0\.6"
    ).all()


def colour_encodings(spec: dict) -> list[dict]:
    return [layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {})]


def test_the_8_3_8_slices_share_one_colour_legend():
    page = click_train(new_page({"width": "8", "hidden": "3"}, epochs=40))
    slices = [json.loads(chart.proto.spec) for chart in charts_in(tab(page, "Probe"))[1:]]  # after the bars
    assert len(slices) == 3
    colours = [colour_encodings(spec)[0] for spec in slices]
    assert [colour.get("legend") is not None for colour in colours] == [False, False, True]  # under the last
    assert all(colour["scale"]["domain"] == list(range(8)) for colour in colours)  # output j: one colour


def test_a_plane_keeps_each_outputs_colour_whichever_outputs_win_in_it():
    grid = np.linspace(-1, 1, 3)
    plane = Plane(grid, grid, winner=np.full((3, 3), 5), top=np.ones((3, 3)))  # only output 5 wins here
    spec = plane_chart(plane, (0, 1), [], np.zeros((8, 3)), (-1.0, 1.0), legend=None).to_dict()
    colour = colour_encodings(spec)[0]
    assert colour["scale"]["domain"] == list(range(8)) and colour["legend"] is None


def test_the_code_scatter_is_one_square_chart_per_pair_of_units():
    hidden = np.random.default_rng(0).uniform(-1, 1, (8, 3))
    panels = [panel.to_dict() for panel in charts.code_scatter(hidden, "tanh", ["000"] * 8, size=180)]
    assert [panel["title"] for panel in panels] == ["h0 against h1", "h0 against h2", "h1 against h2"]
    for panel in panels:  # "pad": a page sizes the plot as asked, not squeezed to fit with its axes
        assert (panel["width"], panel["height"], panel["autosize"]["type"]) == (180, 180, "pad")
