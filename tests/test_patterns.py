"""The pattern sets: each one's shape, labels, seeding and the widths and counts it takes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aelab.config import Config, ConfigError
from aelab.patterns import DIGITS_COUNT, PATTERN_SETS, config_patterns, is_one_hot, make_patterns, single_bars
from aelab.train import Trainer


def test_one_hot_is_the_identity_with_each_pattern_its_own_label():
    patterns = make_patterns("one_hot", 6)
    np.testing.assert_array_equal(patterns.inputs, np.eye(6))
    np.testing.assert_array_equal(patterns.labels, np.arange(6))
    assert patterns.binary and patterns.image_shape is None and is_one_hot(patterns.inputs)


def test_random_binary_has_the_asked_shape_density_and_seeding():
    patterns = make_patterns("random_binary", 20, 500, density=0.3, seed=4)
    assert patterns.inputs.shape == (500, 20) and patterns.labels is None
    assert set(np.unique(patterns.inputs)) <= {0.0, 1.0}
    assert abs(patterns.inputs.mean() - 0.3) < 0.02  # 10,000 bits: the standard error is 0.005
    again = make_patterns("random_binary", 20, 500, density=0.3, seed=4).inputs
    np.testing.assert_array_equal(patterns.inputs, again)
    assert not np.array_equal(patterns.inputs, make_patterns("random_binary", 20, 500, density=0.3, seed=5).inputs)
    assert make_patterns("random_binary", 20).inputs.shape == (20, 20)  # 0: as many as the width


def test_the_single_bars_are_every_row_and_every_column_of_the_grid():
    patterns = make_patterns("bars", 16)
    assert patterns.inputs.shape == (8, 16) and patterns.image_shape == (4, 4)
    images = patterns.inputs.reshape(8, 4, 4)
    for bar in range(4):
        np.testing.assert_array_equal(images[bar], np.broadcast_to(np.arange(4)[:, None] == bar, (4, 4)))
        np.testing.assert_array_equal(images[4 + bar], np.broadcast_to(np.arange(4)[None, :] == bar, (4, 4)))
    np.testing.assert_array_equal(patterns.labels, np.arange(8))
    assert (single_bars(3).sum(axis=1) == 3).all()


def test_overlaid_bars_are_unions_of_bars_drawn_from_the_data_seed():
    patterns = make_patterns("bars", 64, 400, seed=1)
    bars = single_bars(8)
    assert patterns.inputs.shape == (400, 64) and patterns.labels is None
    for image in patterns.inputs[:50]:  # each image is exactly the union of the bars it covers fully
        present = (image @ bars.T) == 8
        np.testing.assert_array_equal(image, np.minimum(present @ bars, 1.0))
    bars_each = ((patterns.inputs @ bars.T) == 8).sum(axis=1)
    assert 1.5 < bars_each.mean() < 2.5  # 16 bars, each with chance 1/8: 2 on average
    np.testing.assert_array_equal(patterns.inputs, make_patterns("bars", 64, 400, seed=1).inputs)
    assert not np.array_equal(patterns.inputs, make_patterns("bars", 64, 400, seed=2).inputs)


def test_the_digits_are_the_1797_labelled_8x8_images():
    patterns = make_patterns("digits", 64)
    assert patterns.inputs.shape == (DIGITS_COUNT, 64) and patterns.image_shape == (8, 8)
    assert not patterns.binary and patterns.inputs.min() == 0.0 and patterns.inputs.max() == 1.0
    assert np.isin(patterns.inputs * 16, np.arange(17)).all()  # grey levels 0..16, scaled
    np.testing.assert_array_equal(np.bincount(patterns.labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    # the first image is a 0: its centre column is dark, its sides are lit
    zero = patterns.inputs[0].reshape(8, 8)
    assert patterns.labels[0] == 0 and zero[3:5, 3:5].max() == 0 and zero[3, 1:3].max() > 0.5
    np.testing.assert_array_equal(make_patterns("digits", 64, 10).inputs, patterns.inputs[:10])


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"data": "digits", "width": 8}, "width"),
        ({"data": "bars", "width": 8}, "width"),
        ({"data": "one_hot", "patterns": 5}, "patterns"),
        ({"data": "digits", "width": 64, "hidden": 2, "patterns": DIGITS_COUNT + 1}, "patterns"),
        ({"data": "csv"}, "data"),  # it needs a file, which sets patterns
        ({"data": "random_binary", "loss": "softmax_ce"}, "loss"),
        ({"data": "digits", "width": 64, "stop": "codes"}, "stop"),
        ({"loss": "bce", "output": "linear"}, "output"),
        ({"loss": "mse", "output": "softmax"}, "output"),
        ({"loss": "softmax_ce", "output": "sigmoid"}, "output"),
    ],
)
def test_settings_that_do_not_go_together_are_refused_naming_the_field(settings, field):
    with pytest.raises(ConfigError) as error:
        Config(**settings)
    assert error.value.field == field and str(error.value).startswith(f"{field}: ")


def test_text_that_names_a_set_gets_the_width_it_needs():
    assert Config.from_strings({"data": "digits"}).width == 64
    assert Config.from_strings({"data": "bars"}).width == 16
    assert Config.from_strings({"data": "bars", "width": "9"}).width == 9
    assert Config.from_strings({"data": "random_binary"}).width == Config().width
    with pytest.raises(ConfigError, match="width: 8"):
        Config.from_strings({"data": "digits", "width": "8"})


def test_the_pattern_count_is_separate_from_the_width():
    config = Config(data="random_binary", width=8, hidden=3, patterns=30, batch_size=10)
    assert config.pattern_count == 30 and config.minibatch
    assert Config(data="digits", width=64, hidden=2).pattern_count == DIGITS_COUNT
    assert Config().pattern_count == 8 and Config().output_layer == "sigmoid"
    assert Config(loss="softmax_ce").output_layer == "softmax"


@pytest.mark.parametrize("name", [name for name in PATTERN_SETS if name != "csv"])
def test_every_set_trains_with_its_patterns_as_targets(name):
    config = Config.from_strings({"data": name, "patterns": "40" if name != "one_hot" else "0", "epochs": "3"})
    trainer = Trainer(config, [0, 1])
    result = trainer.run(3)
    expected = config_patterns(config).inputs
    np.testing.assert_array_equal(trainer.data, expected)
    assert result.outputs.shape == (2, config.pattern_count, config.width)
    assert result.activations.shape == (2, config.pattern_count, config.hidden)
    np.testing.assert_array_equal(result.run(1).targets, expected)
    assert np.isfinite(result.history["loss"]).all()


def test_a_csv_run_takes_the_patterns_it_is_handed_and_refuses_none():
    inputs = np.array([[0.0, 0.5, 1.0], [1.0, 0.25, 0.0]])
    config = Config(data="csv", width=3, hidden=1, patterns=2, epochs=2)
    trainer = Trainer(config, [0], inputs=inputs)
    np.testing.assert_array_equal(trainer.run(2).run(0).targets, inputs)
    with pytest.raises(ConfigError, match="data: 'csv'"):
        Trainer(config, [0])
    with pytest.raises(ConfigError, match="data: 'csv'"):
        Trainer(replace(config, patterns=3), [0], inputs=inputs)


def test_settings_that_clash_are_made_to_fit_and_each_clash_is_named():
    from aelab.config import PAGE_DEFAULTS, config_from_partial_strings, fit_together

    config, clashes = fit_together(PAGE_DEFAULTS, {"data": "digits", "loss": "bce", "output": "linear"})
    assert (config.width, config.stop, config.output) == (64, "never", "auto")
    assert [error.field for error in clashes] == ["width", "output", "stop"]
    config, clashes = fit_together(PAGE_DEFAULTS, {"data": "csv"})  # a csv set needs its file
    assert config.data == "one_hot" and [error.field for error in clashes] == ["data"]
    config, problems = config_from_partial_strings({"data": "bars", "width": "10", "loss": "softmax_ce"})
    assert (config.data, config.width, config.loss) == ("bars", 16, "mse")
    assert problems[0].startswith("Input width N (width): 10 is not allowed")
    assert problems[0].endswith("using 16 instead")
    assert problems[1].startswith("Loss (loss): 'softmax_ce' is not allowed")


@pytest.mark.parametrize(
    "settings",
    [
        dict(data="random_binary", width=8, hidden=3, patterns=20, batch_size=6, noise=0.3),
        dict(data="bars", width=9, hidden=3, patterns=25, data_seed=4, output="linear", optimizer="adam", lr=0.01),
        dict(data="digits", width=64, hidden=2, patterns=30, stop="never", optimizer="adam", lr=0.01),
    ],
)
def test_a_saved_run_of_any_set_resumes_exactly_as_one_uninterrupted(settings):
    """The run file's shapes follow P apart from N (schema, snapshots, noise and order draws)."""
    from aelab import run_file

    config = Config(epochs=12, dtype="float64", **settings)
    whole = Trainer(config, [0], keep_snapshots=True)
    whole.run(12)
    first = Trainer(config, [0], keep_snapshots=True)
    first.run(5)
    resumed = run_file.load_trainer(run_file.dumps({"resume": run_file.resume_section(first)}))
    assert resumed.config == config and resumed.data.shape == (config.pattern_count, config.width)
    resumed.run(7)
    np.testing.assert_array_equal(resumed.backend.weights().W1, whole.backend.weights().W1)
    np.testing.assert_array_equal(resumed.result().history["loss"], whole.result().history["loss"])


def test_the_probes_pushes_pull_towards_the_runs_own_patterns():
    from aelab import probe, train

    result = train(Config(data="random_binary", width=8, hidden=2, patterns=20, epochs=3))
    pushes = probe.code_pushes(result.final, result.activations, "mse", result.targets)
    assert pushes.shape == (20, 2) and np.isfinite(pushes).all()
