"""The page under Streamlit's AppTest: it runs app.py for real, without a browser."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from aelab import Config, train
from aelab.backends import torch_unavailable_reason
from aelab.config import MAX_SEED, PAGE_DEFAULTS, SETTINGS, fit_together
from aelab.patterns import PATTERN_SETS
from aelab.presets import PRESETS
from aelab.sweep import MAX_SWEEP_SEEDS, last_first_seed
from aelab.train import Trainer
from aelab_page.setting_widgets import PATTERN_FIELDS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")  # absolute: AppTest resolves relative paths against this file


def new_page(query: dict[str, str] | None = None, epochs: int = 40) -> AppTest:
    """The page, loaded (optionally from a share link), with few epochs so training is quick."""
    page = AppTest.from_file(APP, default_timeout=60)
    page.query_params.update(query or {})
    page.run()
    assert not page.exception, page.exception
    if epochs:
        page.number_input(key="epochs").set_value(epochs).run()
    return page


def click_train(page: AppTest) -> AppTest:
    page.button(key="train").click().run()
    assert not page.exception, page.exception
    return page


def charts_in(block) -> list:
    return list(block.get("vega_lite_chart"))


def chart_data(chart) -> pd.DataFrame:
    """All the rows behind an Altair chart element (a chart may hold several datasets)."""
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    return pd.concat(frames, ignore_index=True)


def tab(page: AppTest, label: str):
    """Open one view of the run (only the open tab is drawn) and return its tab."""
    page.session_state["view"] = label
    page.run()
    assert not page.exception, page.exception
    return next(t for t in page.tabs if t.label == label)


def test_default_load_shows_controls_and_mirrors_settings_into_the_url():
    """A first visit shows the default settings, a Train button, no results, and a share link."""
    page = new_page(epochs=0)
    defaults = Config()
    assert page.number_input(key="width").value == defaults.width
    assert page.number_input(key="hidden").value == defaults.hidden
    assert page.radio(key="backend").value == defaults.backend
    assert page.selectbox(key="activation").value == defaults.activation
    assert page.select_slider(key="lr").value == defaults.lr
    assert page.button(key="train").label == "Train"
    assert "result" not in page.session_state
    for name in ("backend", "width", "hidden", "activation", "loss", "optimizer", "lr", "epochs", "seed"):
        assert page.query_params[name] == str(getattr(defaults, name)), name


def test_changing_a_control_does_not_train_but_updates_the_url():
    page = new_page(epochs=0)
    page.number_input(key="width").set_value(16).run()
    assert "result" not in page.session_state
    assert page.query_params["width"] == "16"


def test_train_on_numpy_fills_every_view():
    """Train, then each view has its charts: curves, reconstructions, hidden code, weights."""
    page = click_train(new_page())
    result = page.session_state["result"]
    assert result.config.backend == "numpy" and result.epochs_done == 40 and not result.stopped
    closed = next(t for t in page.tabs if t.label == "Weights")
    assert not charts_in(closed)  # only the open view is drawn
    curves = charts_in(tab(page, "Training curves"))
    assert len(curves) == 4  # one chart per metric, so that they stack on a phone
    history = pd.concat([chart_data(chart) for chart in curves])
    assert set(history["metric"]) == {
        "Loss",
        "Argmax accuracy",
        "Output bits right (40-20-40)",
        "Distinct binary codes",
    }
    assert history["epoch"].max() == 40
    reconstructions = charts_in(tab(page, "Reconstructions"))
    assert [json.loads(c.proto.spec)["title"] for c in reconstructions] == ["Input", "Reconstruction"]
    outputs = chart_data(reconstructions[1])
    assert len(outputs) == 8 * 8 and outputs["value"].between(0, 1).all()
    code_titles = [json.loads(c.proto.spec).get("title") for c in charts_in(tab(page, "Hidden code"))]
    assert "Hidden activations" in code_titles and "Hamming distance between codes" in code_titles
    projections = {"h0 against h1", "h0 against h2", "h1 against h2"}  # k = 3: the pairwise projections
    assert projections <= set(code_titles)  # (each its own chart, so that a phone stacks them)
    assert len(tab(page, "Hidden code").dataframe) == 1  # the code table
    weight_titles = [json.loads(c.proto.spec)["title"] for c in charts_in(tab(page, "Weights"))]
    assert weight_titles == ["Encoder W1", "Encoder b1", "Decoder W2", "Decoder b2"]


@pytest.mark.skipif(torch_unavailable_reason() is not None, reason="torch is not installed")
def test_train_on_torch_gives_the_numpy_result():
    """The PyTorch backend trains from the page too, and agrees with the NumPy run."""
    page = new_page(epochs=30)
    page.radio(key="backend").set_value("torch").run()
    click_train(page)
    result = page.session_state["result"]
    assert result.config.backend == "torch" and result.epochs_done == 30
    numpy_run = train(Config(epochs=30))
    assert result.history["loss"] == pytest.approx(numpy_run.history["loss"], rel=1e-4)
    assert len(charts_in(tab(page, "Weights"))) == 4


def test_share_link_restores_settings():
    link = {
        "backend": "numpy",
        "width": "16",
        "hidden": "4",
        "activation": "tanh",
        "loss": "mse",
        "optimizer": "momentum",
        "lr": "0.03",
        "epochs": "250",
        "seed": "7",
    }
    page = new_page(link, epochs=0)
    assert not page.warning
    assert page.number_input(key="width").value == 16
    assert page.number_input(key="hidden").value == 4
    assert page.selectbox(key="activation").value == "tanh"
    assert page.radio(key="loss").value == "mse"
    assert page.selectbox(key="optimizer").value == "momentum"
    assert page.select_slider(key="lr").value == 0.03  # not one of the slider's stops: kept exactly
    assert page.number_input(key="epochs").value == 250
    assert page.number_input(key="seed").value == 7
    assert {name: page.query_params[name] for name in link} == link


def test_bad_share_link_values_fall_back_with_a_warning():
    page = new_page({"width": "abc", "hidden": "99", "lr": "-1", "activation": "swish", "epochs": "8"}, epochs=0)
    warnings = " ".join(w.value for w in page.warning)
    for field in ("width", "hidden", "lr", "activation"):  # each named by its label and its key
        assert f"{SETTINGS[field].label} ({field}):" in warnings
    defaults = Config()
    assert page.number_input(key="width").value == defaults.width
    assert page.number_input(key="hidden").value == defaults.hidden
    assert page.selectbox(key="activation").value == defaults.activation
    assert page.number_input(key="epochs").value == 8  # the good value in the same link is kept
    click_train(page)
    assert page.session_state["result"].epochs_done == 8


def test_page_works_without_torch(monkeypatch):
    """With torch not importable the PyTorch choice says why, and NumPy still trains."""
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails as if not installed
    torch_unavailable_reason.cache_clear()
    try:
        page = new_page({"backend": "torch"}, epochs=0)
        assert any("torch" in w.value and "not available" in w.value for w in page.warning)
        page.number_input(key="epochs").set_value(20).run()
        assert page.radio(key="backend").value == "numpy"
        assert "unavailable" in " ".join(page.radio(key="backend").proto.captions)
        click_train(page)
        assert page.session_state["result"].config.backend == "numpy"
        page.radio(key="backend").set_value("torch").run()
        assert any("PyTorch backend is unavailable" in e.value for e in page.error)
        assert page.button(key="train").disabled
    finally:
        torch_unavailable_reason.cache_clear()


def test_results_say_which_config_they_came_from_after_a_control_changes():
    page = click_train(new_page())
    page.number_input(key="seed").set_value(5).run()
    captions = " ".join(c.value for c in page.caption)
    assert "seed 0 → 5" in captions
    assert page.session_state["result"].config.seed == 0  # nothing retrained
    page.select_slider(key="lr").set_value(20.0).run()
    captions = " ".join(c.value for c in page.caption)
    assert "(lr 50 → 20, seed 0 → 5)" in captions  # the curves' wording: not "50.0 → 20.0"


def test_an_interrupted_run_keeps_its_partial_result():
    """A click during training raises inside the progress callback; the rerun shows the Trainer's run
    up to there as paused."""
    config = Config(epochs=400)

    def click_at_100(progress):
        if progress.epoch >= 100:
            raise KeyboardInterrupt  # what Streamlit's StopException does to the loop: leaves it mid-run

    trainer = Trainer(config, [config.seed], keep_snapshots=True)
    with pytest.raises(KeyboardInterrupt):
        trainer.run(400, on_progress=click_at_100, progress_interval=0.0)
    page = AppTest.from_file(APP, default_timeout=60)
    page.session_state["training"] = config  # as left by a run that a click interrupted
    page.session_state["trainer"] = trainer
    page.run()
    assert not page.exception
    assert any("Training paused at epoch 100." in i.value for i in page.info)
    assert page.session_state["result"].epochs_done == 100 and page.session_state["result"].stopped
    assert len(charts_in(tab(page, "Training curves"))) == 4


def test_pinned_runs_overlay_on_the_curves():
    page = click_train(new_page())
    tab(page, "Training curves").button(key="pin").click().run()
    page.selectbox(key="activation").set_value("sigmoid").run()
    click_train(page)
    history = chart_data(charts_in(tab(page, "Training curves"))[0])
    runs = sorted(history["run"].unique())
    # each run is labelled by what differs between them, not by its whole description
    assert runs == ["#1 Hidden activation tanh", "current: Hidden activation sigmoid"]


def test_presets_set_the_sizes():
    page = new_page(epochs=0)
    page.selectbox(key="preset").set_value("16-4-16").run()
    assert (page.number_input(key="width").value, page.number_input(key="hidden").value) == (16, 4)
    page.selectbox(key="preset").set_value("seed-notebook").run()
    assert page.selectbox(key="optimizer").value == "adam" and page.select_slider(key="lr").value == 0.01
    page.number_input(key="seed").set_value(3).run()
    page.selectbox(key="preset").set_value("8-8-8").run()  # back to the default recipe, seed kept
    assert page.selectbox(key="optimizer").value == Config().optimizer
    assert page.number_input(key="seed").value == 3


def test_too_small_bottleneck_is_called_out():
    page = new_page(epochs=0)
    page.number_input(key="hidden").set_value(2).run()
    assert any("too small for a distinct binary code" in w.value for w in page.sidebar.warning)


def test_large_widths_are_drawn_as_images_not_huge_charts():
    page = new_page({"width": "128", "hidden": "7"}, epochs=3)
    click_train(page)
    assert len(tab(page, "Reconstructions").get("image")) == 2
    assert not charts_in(tab(page, "Reconstructions"))


def test_sweep_view_runs_and_opens_a_seed():
    page = new_page(epochs=60)
    page.number_input(key="sweep_seeds").set_value(4).run()
    page.button(key="sweep").click().run()
    assert not page.exception
    sweep = page.session_state["sweep_result"]
    assert sweep.seeds == [0, 1, 2, 3]
    labels = [m.label for m in page.metric]
    assert "Solved with distinct codes" in labels and "Outputs solved" in labels
    page.selectbox(key="sweep_pick").set_value(2).run()
    page.button(key="open_seed").click().run()
    assert not page.exception
    assert page.session_state["result"].config.seed == 2
    assert page.number_input(key="seed").value == 2


def test_downloads_are_offered():
    page = click_train(new_page())
    assert len(page.get("download_button")) == 4  # the run (to open again), config, history, weights


def test_no_deprecated_streamlit_api():
    sources = [ROOT / "app.py", *sorted((ROOT / "aelab").rglob("*.py")), *sorted((ROOT / "aelab_page").rglob("*.py"))]
    for path in sources:
        text = path.read_text()
        for name in ("use_container_width", "add_rows", "experimental_"):
            assert name not in text, f"{path.name} uses {name}"


def test_only_the_page_imports_streamlit():
    """The library never imports streamlit; the page's own parts (app.py, aelab_page/) may."""
    for path in sorted((ROOT / "aelab").rglob("*.py")):
        assert "import streamlit" not in path.read_text(), path
    made_here = {".venv", ".venv-docs", "build", "dist", "site"}  # venvs, and what `pip install .` builds in the tree
    importers = {
        path.relative_to(ROOT).parts[0]
        for path in ROOT.glob("**/*.py")
        if "import streamlit" in path.read_text() and not made_here & set(path.relative_to(ROOT).parts)
    }
    assert importers <= {"app.py", "aelab_page", "tests"}


def widget(page: AppTest, name: str):
    """The page's widget for a setting, whatever kind it is."""
    for kind in ("number_input", "selectbox", "radio", "select_slider"):
        found = [w for w in page.get(kind) if getattr(w, "key", None) == name]
        if found:
            return found[0]
    raise AssertionError(f"no widget for {name}")


def accepted_values() -> list[dict[str, str]]:
    """Links that walk every setting: each numeric one at its bounds and inside, each choice option."""
    numbers = {name: s for name, s in SETTINGS.items() if s.kind is not str and not s.high_field}
    low = {name: s.low for name, s in numbers.items()} | {"hidden": 1}
    high = {name: s.high for name, s in numbers.items()} | {"hidden": SETTINGS["width"].high}
    inside = {
        "width": 16,
        "hidden": 4,
        "lr": 0.0375,
        "momentum": 0.995,
        "init_scale": 0.005,
        "epochs": 777,
        "seed": 12345,
    }
    high["data"] = "random_binary"  # the set that takes the most patterns at any width
    links = [low, high, inside]
    choices = {name: list(s.options) for name, s in SETTINGS.items() if s.kind is str}
    for index in range(max(len(options) for options in choices.values())):
        links.append({name: options[index % len(options)] for name, options in choices.items()})
    return [together(link) for link in links]


def together(link: dict[str, object]) -> dict[str, str]:
    """The link with each setting that clashes with the others (a pattern set's width, an output the loss
    does not take ...) changed as config.fit_together changes it, so that Config accepts the whole link."""
    config, _ = fit_together(Config(), {name: SETTINGS[name].parse(str(value)) for name, value in link.items()})
    return {name: str(getattr(config, name)) for name in link}


@pytest.mark.parametrize("link", accepted_values(), ids=lambda link: "-".join(link.values())[:40])
def test_every_value_the_config_accepts_survives_a_link_and_its_widget(link):
    """Each value reads back into the link; a setting that acts on the run shows it in its widget, and one the
    pattern set does not read (one_hot's density) has no widget but keeps its value in the session."""
    if link.get("backend") == "torch" and torch_unavailable_reason():
        pytest.skip("torch is not installed")
    expected = Config.from_strings(link)
    page = new_page(link, epochs=0)
    assert not page.warning, [w.value for w in page.warning]
    unread = set(PATTERN_FIELDS) - set(PATTERN_SETS[expected.data].reads)
    for name in link:
        if name in unread:
            with pytest.raises(AssertionError, match="no widget"):
                widget(page, name)
            assert page.session_state[name] == getattr(expected, name), name
        else:
            assert widget(page, name).value == getattr(expected, name), name
        assert page.query_params[name] == str(getattr(expected, name)), name


def test_every_refused_value_warns_and_falls_back():
    bad = {}
    for name, setting in SETTINGS.items():
        if setting.kind is str:
            bad[name] = "nonsense"
        elif not setting.high_field:
            bad[name] = str(setting.high * 2 if setting.kind is int else setting.high * 1.5)
    bad["hidden"] = "0"
    page = new_page(bad, epochs=0)
    assert len(page.warning) == 1  # every problem in one warning
    warnings = page.warning[0].value
    defaults = PAGE_DEFAULTS
    unread = set(PATTERN_FIELDS) - set(PATTERN_SETS[defaults.data].reads)
    for name in bad:
        assert f"{SETTINGS[name].label} ({name}):" in warnings, name  # a link names the label and the key
        shown = page.session_state[name] if name in unread else widget(page, name).value
        assert shown == getattr(defaults, name), name


def test_page_and_cli_take_their_limits_from_the_same_table(cli):
    page = new_page(epochs=0)
    assert page.number_input(key="seed").proto.max == SETTINGS["seed"].high == MAX_SEED
    assert page.number_input(key="width").proto.max == SETTINGS["width"].high
    assert page.number_input(key="sweep_seeds").proto.max == MAX_SWEEP_SEEDS
    page.number_input(key="sweep_seeds").set_value(7).run()
    assert page.number_input(key="sweep_first").proto.max == last_first_seed(7) == MAX_SEED - 6
    assert cli(["train", "--seed", str(MAX_SEED), "--epochs", "1", "--json"])[0] == 0
    assert cli(["train", "--seed", str(MAX_SEED + 1), "--epochs", "1", "--json"])[0] == 2
    assert cli(["sweep", "--seeds", "7", "--first-seed", str(MAX_SEED - 6), "--epochs", "1", "--json"])[0] == 0
    assert cli(["sweep", "--seeds", "7", "--first-seed", str(MAX_SEED - 5), "--epochs", "1", "--json"])[0] == 2


def test_link_values_are_never_rendered_as_markdown():
    page = new_page({"click me": "https://example.com", "x": "![x](https://example.com/x.png)", "lr": "`[a](b)`"}, 0)
    [warning] = page.warning
    heading, *problems = warning.value.split("  \n")
    assert heading.startswith("Share link") and len(problems) == 3
    for body in problems:
        fence = body[: len(body) - len(body.lstrip("`"))]
        assert body.startswith(fence + " ") and body.endswith(" " + fence) and body.count(fence) == 2


def test_how_it_is_computed_shows_the_readable_network_and_where_the_fast_one_is():
    import inspect

    from aelab import activations, scratch

    page = new_page(epochs=0)
    code = [block.value.strip() for block in page.code]
    assert inspect.getsource(scratch).strip() in code  # the module itself, read as the page loads
    table = next(block for block in code if "def sigmoid" in block)
    assert "ACTIVATIONS" in table and "LEAKY_SLOPE = " in table  # every function and slope it calls
    assert all(line in inspect.getsource(activations) for line in table.splitlines())  # real lines, not a copy
    note = next(block.value for block in page.markdown if "batched over seeds" in block.value)
    assert "`aelab/backends/numpy_backend.py`" in note and "tests/test_scratch.py" in note


def test_choosing_a_tight_preset_shows_its_recipe_and_a_hand_set_size_is_offered_one():
    page = new_page(epochs=0)
    page.selectbox(key="preset").set_value("32-5-32").run()
    assert page.radio(key="loss").value == "softmax_ce"
    assert any("32-5-32" in s.value or "Recipe" in s.value for s in page.sidebar.success)
    page.number_input(key="width").set_value(20).run()  # a size without a preset: 20-5-20
    page.radio(key="loss").set_value("mse").run()
    offer = page.button(key="use_recipe")
    assert "32-5-32" in offer.label
    offer.click().run()
    assert page.radio(key="loss").value == "softmax_ce" and page.number_input(key="width").value == 20
    assert page.query_params["restart_after"] == str(PRESETS["32-5-32"].settings["restart_after"])


def probe_outputs(page: AppTest) -> pd.DataFrame:
    panel = tab(page, "Probe")
    bars = next(c for c in charts_in(panel) if "decoder output" in c.proto.spec)
    return chart_data(bars).dropna(subset=["output"]).sort_values("unit")


@pytest.mark.parametrize(("width", "hidden"), [(4, 2), (8, 3)])
def test_the_probe_decodes_a_pattern_code_and_follows_its_controls(width, hidden):
    """Set to pattern i's code the probe shows pattern i's reconstruction; moving a control changes it."""
    page = click_train(new_page({"width": str(width), "hidden": str(hidden)}, epochs=400))
    result = page.session_state["result"]
    assert "Probe" in [t.label for t in page.tabs]
    tab(page, "Probe").selectbox(key="probe_pattern").set_value(2).run()
    shown = probe_outputs(page)
    np.testing.assert_allclose(shown["output"], result.outputs[2], atol=0.02)  # the sliders hold 2 decimals
    page.slider(key="probe_0").set_value(-result.activations[2, 0]).run()
    assert not np.allclose(probe_outputs(page)["output"], shown["output"], atol=0.02)
    assert any("corners of the hidden cube" in m.value for m in page.markdown)
    titles = [json.dumps(json.loads(c.proto.spec).get("title", "")) for c in charts_in(tab(page, "Probe"))]
    planes = [title for title in titles if "hidden plane" in title or "Slice at" in title]
    assert len(planes) == (1 if hidden == 2 else 3)  # k = 2: the plane; k = 3: a slice per unit


def test_choosing_a_pattern_set_sets_the_widgets_that_go_with_it():
    """The digits are 64 wide and real-valued: the width and the stop rule follow, and nothing clashes."""
    page = new_page(epochs=0)
    page.selectbox(key="data").set_value("digits").run()
    assert not page.exception and not page.warning
    assert page.number_input(key="width").value == 64 and page.radio(key="stop").value == "never"
    assert page.query_params["data"] == "digits" and page.query_params["width"] == "64"
    page.radio(key="loss").set_value("bce").run()  # digits are in 0..1: bce takes them
    page.selectbox(key="output").set_value("linear").run()  # bce takes sigmoid only
    assert page.radio(key="loss").value == "bce" and page.selectbox(key="output").value == "auto"
    assert not page.warning


@pytest.mark.parametrize(
    "link",
    [
        {"data": "random_binary", "width": "8", "hidden": "2", "patterns": "20"},
        {"data": "digits", "hidden": "2", "patterns": "100", "stop": "never", "output": "linear", "lr": "0.01"},
    ],
)
def test_a_run_on_other_patterns_trains_and_shows_its_views(link):
    page = click_train(new_page(link, epochs=20))
    assert not page.exception
    assert page.session_state["result"].outputs.shape == (int(link["patterns"]), int(link.get("width", 64)))


def test_the_intro_and_the_recipe_offer_follow_the_data():
    """The first sentence is the set's own (no one-hot binary codes for the digits), and no one-hot recipe is
    offered for other data (it would set the data back to one_hot)."""
    page = new_page({"data": "digits", "hidden": "2"}, epochs=0)
    intro = next(block.value for block in page.markdown if block.value.startswith("Squeeze"))
    assert "digits" in intro and "one-hot" not in intro and "binary code**" not in intro
    assert not [button for button in page.button if button.key == "use_recipe"]
    page = new_page({"width": "20", "hidden": "5", "loss": "mse"}, epochs=0)
    intro = next(block.value for block in page.markdown if block.value.startswith("Squeeze"))
    assert "one-hot" in intro and "binary code" in intro and "ceil(log2 P) for its P = 20 patterns" in intro
    assert [button for button in page.button if button.key == "use_recipe"]
    # the tight size counts patterns, as the sidebar does: 8 bars of width 16 need 3 units, not ceil(log2 16) = 4
    page = new_page({"data": "bars", "width": "16", "patterns": "8", "hidden": "3"}, epochs=0)
    intro = next(block.value for block in page.markdown if block.value.startswith("Squeeze"))
    assert "P = 8 patterns" in intro
    [note] = [caption.value for caption in page.sidebar.caption if "ceil(log2 8) = 3" in caption.value]
    assert "Multi-hot patterns often need more units" in note  # tests/test_pattern_recipes.py: bars with k = 3
    one_hot = new_page({"width": "8", "hidden": "3"}, epochs=0)
    [note] = [caption.value for caption in one_hot.sidebar.caption if "ceil(log2 8) = 3" in caption.value]
    assert "Multi-hot" not in note
