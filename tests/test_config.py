"""Config: validation on construction, error messages, and parsing from text."""

from __future__ import annotations

import dataclasses
import math

import pytest

from aelab.config import (
    PAGE_DEFAULTS,
    SETTINGS,
    Config,
    ConfigError,
    changed_settings,
    config_from_partial_strings,
    describe_changes,
    fitting_hidden,
    min_code_bits,
)
from aelab.patterns import PATTERN_SETS

BACKENDS, ACTIVATIONS, LOSSES, OPTIMIZERS, DTYPES, DEVICES = (
    list(SETTINGS[name].options) for name in ("backend", "activation", "loss", "optimizer", "dtype", "device")
)


def test_defaults_are_valid_and_an_8_3_8_problem():
    """Config() constructs without error and describes the classic 8-3-8 encoder."""
    config = Config()
    assert (config.width, config.hidden) == (8, 3)
    assert config.backend in BACKENDS and config.activation in ACTIVATIONS and config.loss in LOSSES
    assert config.optimizer in OPTIMIZERS and config.dtype in DTYPES and config.device in DEVICES
    assert "8-3-8" in config.describe()


def test_every_choice_is_accepted():
    """Each listed option of every choice field makes a valid config."""
    for field, options in [
        ("backend", BACKENDS),
        ("activation", ACTIVATIONS),
        ("loss", LOSSES),
        ("optimizer", OPTIMIZERS),
        ("dtype", DTYPES),
        ("device", DEVICES),
    ]:
        for option in options:
            assert getattr(Config(**{field: option}), field) == option


# (field, bad value, substrings the "allowed" part must contain)
BAD_VALUES = [
    ("lr", 0, ["0", "100"]),
    ("lr", -1, ["0", "100"]),
    ("lr", math.nan, ["0", "100"]),
    ("lr", math.inf, ["0", "100"]),
    ("lr", 101, ["0", "100"]),
    ("lr", True, ["0", "100"]),
    ("momentum", 1.0, ["0", "0.999"]),
    ("momentum", -0.1, ["0", "0.999"]),
    ("init_scale", 0, ["0", "100"]),
    ("width", 1, ["2", "1024"]),
    ("width", 1025, ["2", "1024"]),
    ("width", True, ["2", "1024"]),
    ("width", 8.0, ["2", "1024"]),
    ("hidden", 0, ["1", "8"]),
    ("hidden", 9, ["1", "8"]),
    ("epochs", 0, ["1", "100000"]),
    ("epochs", 100_001, ["1", "100000"]),
    ("epochs", True, ["1", "100000"]),
    ("seed", -1, ["0", str(2**32 - 1)]),
    ("seed", 2**32, ["0", str(2**32 - 1)]),
    ("backend", "jax", list(BACKENDS)),
    ("activation", "softplus", list(ACTIVATIONS)),
    ("loss", "hinge", list(LOSSES)),
    ("optimizer", "lbfgs", list(OPTIMIZERS)),
    ("dtype", "float16", list(DTYPES)),
    ("device", "tpu", list(DEVICES)),
]


@pytest.mark.parametrize(("field", "value", "allowed"), BAD_VALUES, ids=lambda v: repr(v))
def test_bad_value_raises_config_error_naming_field_value_and_range(field, value, allowed):
    """A bad value raises ConfigError '<field>: <value> is not allowed (<range>)'."""
    with pytest.raises(ConfigError) as caught:
        Config(**{"width": 8, field: value})  # width pinned: the hidden range depends on it
    error = caught.value
    message = str(error)
    assert error.field == field
    assert message.startswith(f"{field}: {value!r} is not allowed (")
    for part in allowed:
        assert part in error.allowed, (part, message)


def test_replace_validates_too():
    """dataclasses.replace cannot produce an invalid config either."""
    with pytest.raises(ConfigError, match=r"^hidden:"):
        dataclasses.replace(Config(), width=4, hidden=5)


def test_config_is_frozen():
    """A config cannot be changed after validation."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().lr = 5  # type: ignore[misc]


def test_from_strings_parses_good_text():
    """Text values are parsed to the field's type, trimmed, and choice strings lower-cased."""
    config = Config.from_strings(
        {"width": " 16 ", "hidden": "4", "lr": "1e-2", "activation": "TANH", "epochs": "250", "dtype": "float64"}
    )
    assert config == Config(width=16, hidden=4, lr=0.01, activation="tanh", epochs=250, dtype="float64")
    assert isinstance(config.width, int) and isinstance(config.lr, float)


def test_from_strings_builds_on_a_base():
    """Unmentioned fields come from the base config, not from the defaults."""
    base = Config(optimizer="rprop", lr=0.05)
    assert Config.from_strings({"seed": "7"}, base=base) == dataclasses.replace(base, seed=7)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"width": "abc"}, "width"),
        ({"width": "8.5"}, "width"),
        ({"lr": "fast"}, "lr"),
        ({"lr": "nan"}, "lr"),
        ({"hidden": "9"}, "hidden"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"widht": "8"}, "widht"),
    ],
)
def test_from_strings_rejects_junk(values, field):
    """Unparsable, out-of-range and unknown settings raise ConfigError naming the setting and the text."""
    with pytest.raises(ConfigError) as caught:
        Config.from_strings(values, base=Config(width=8, hidden=3))
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert next(iter(values.values())) in str(caught.value)


def test_unknown_setting_lists_the_known_ones():
    """The error for an unknown name tells the user which names exist."""
    with pytest.raises(ConfigError) as caught:
        Config.from_strings({"widht": "8"})
    for field in dataclasses.fields(Config):
        assert field.name in caught.value.allowed


@pytest.mark.parametrize("width", [2, 3, 4, 5, 8, 9, 16, 17, 1024])
def test_min_code_bits_is_ceil_log2(width):
    """min_code_bits(N) is the smallest b with 2**b >= N."""
    bits = min_code_bits(width)
    assert 2**bits >= width
    assert bits == 1 or 2 ** (bits - 1) < width


@pytest.mark.parametrize(
    ("link", "hidden", "problem"),
    [
        (
            {"width": "16", "hidden": "40"},
            4,
            "Bottleneck k (hidden): 40 is not allowed (a whole number from 1 to 16, the width); using 4",
        ),
        ({"width": "16", "hidden": "abc"}, 4, "using 4 instead"),
        ({"width": "1024"}, 10, None),  # no bottleneck given: the default 3 cannot code 1024 patterns
        ({"width": "4"}, 3, None),  # the default fits: kept
        ({"width": "huge", "hidden": "40"}, 3, "using 3 instead"),  # width falls back to 8, hidden to its default
    ],
)
def test_a_links_fallback_bottleneck_can_code_its_width(link, hidden, problem):
    """A bottleneck that a link leaves out or gets refused never makes an impossible network."""
    config, problems = config_from_partial_strings(link)
    assert config.hidden == hidden
    assert min_code_bits(config.width) <= config.hidden <= config.width
    if problem is None:
        assert problems == []
    else:
        assert any(problem in line for line in problems), problems


@pytest.mark.parametrize("width", [2, 3, 5, 8, 9, 16, 17, 100, 1024])
@pytest.mark.parametrize("preferred", [1, 2, 3, 7, 40, 2000])
def test_fitting_hidden_keeps_what_fits_and_clamps_the_rest(width, preferred):
    hidden = fitting_hidden(width, preferred)
    assert min_code_bits(width) <= hidden <= width
    if min_code_bits(width) <= preferred <= width:
        assert hidden == preferred


def test_a_link_reads_over_the_pages_defaults_which_stop_when_the_codes_are_solved():
    assert Config().stop == "never"
    assert dataclasses.replace(Config(), stop="codes") == PAGE_DEFAULTS
    assert config_from_partial_strings({})[0] == PAGE_DEFAULTS
    assert config_from_partial_strings({"stop": "never"})[0].stop == "never"
    config, problems = config_from_partial_strings({"stop": "soon", "hold": "-1"})
    assert (config.stop, config.hold) == ("codes", 0) and len(problems) == 2


def test_changed_settings_in_the_order_asked_and_in_words():
    """The one computation and the one wording of changed settings (the curves' markers, the page's
    notes about Continue and about results shown from older settings): floats as :g."""
    old, new = Config(), Config(lr=10.0, optimizer="adam", seed=3, weight_decay=1e-4)
    assert changed_settings(old, new) == {
        name: (getattr(old, name), getattr(new, name)) for name in ("optimizer", "lr", "weight_decay", "seed")
    }
    assert list(changed_settings(old, new, ["seed", "lr", "width"])) == ["seed", "lr"]
    assert changed_settings(old, old) == {}
    assert describe_changes(changed_settings(old, new, ["lr", "optimizer", "seed", "weight_decay"])) == (
        "lr 50 → 10, optimizer sgd → adam, seed 0 → 3, weight_decay 0 → 0.0001"
    )


def test_describe_names_rprops_step_bounds_only_where_they_are_not_the_defaults():
    rprop = Config(optimizer="rprop", lr=0.1)
    assert rprop.has_defaults("rprop_min_step", "rprop_max_step") and "steps=" not in rprop.describe()
    for changed in (dataclasses.replace(rprop, rprop_max_step=2.0), dataclasses.replace(rprop, rprop_min_step=1e-5)):
        assert not changed.has_defaults("rprop_min_step", "rprop_max_step")
        bounds = f"steps={changed.rprop_min_step:g}..{changed.rprop_max_step:g}"
        assert bounds in changed.describe()
    assert "steps=" not in dataclasses.replace(rprop, optimizer="sgd", rprop_max_step=2.0).describe()


def test_a_link_naming_real_valued_data_takes_stop_never_silently_but_refuses_a_given_goal():
    config, problems = config_from_partial_strings({"data": "digits", "hidden": "2", "output": "linear"})
    assert (config.data, config.stop, problems) == ("digits", "never", [])
    config, problems = config_from_partial_strings({"data": "digits", "stop": "codes"})
    assert config.stop == "never"
    assert problems == ["Stop when (stop): 'codes' needs binary targets; data digits is real-valued, so only 'never' "
                        "is allowed; using 'never' instead"]  # fmt: skip
    assert config_from_partial_strings({"data": "bars"})[0].stop == "codes"  # a binary set keeps the page's goal


def test_text_naming_real_valued_data_without_lr_gets_the_sets_own_lr():
    assert Config.from_strings({"data": "digits"}).lr == PATTERN_SETS["digits"].default_lr < Config().lr
    assert Config.from_strings({"data": "digits", "lr": "3"}).lr == 3.0  # a given lr is kept
    assert Config.from_strings({"data": "bars"}).lr == Config().lr  # a binary set trains at the default
    assert config_from_partial_strings({"data": "digits", "hidden": "2"})[0].lr == PATTERN_SETS["digits"].default_lr


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ({"hidden": "0"}, "Bottleneck k (hidden): 0 is not allowed (a whole number from 1 to 8, the width); using 3"),
        ({"width": "16", "hidden": "0"}, "Bottleneck k (hidden): 0 is not allowed (a whole number from 1 to 16, the"),
        ({"width": "1"}, "Input width N (width): 1 is not allowed (a whole number from 2 to 1024); using 8"),
        ({"lr": "fast"}, "Learning rate (lr): 'fast' is not allowed (must be a number)"),
    ],
)
def test_a_link_problem_names_the_sidebar_label_the_key_and_the_bound_that_applies(link, problem):
    """A link's user sees labels, and the link spells keys; a bottleneck's upper limit is the width in use."""
    _, problems = config_from_partial_strings(link)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_named_set_gives_a_links_bottleneck_its_width():
    """?data=digits&hidden=30: the digits' width 64 holds 30 (the default width 8 would not)."""
    config, problems = config_from_partial_strings({"data": "digits", "hidden": "30"})
    assert (config.width, config.hidden, problems) == (64, 30, [])


def test_the_cli_names_a_setting_by_its_key():
    with pytest.raises(ConfigError, match=r"^hidden: 9 is not allowed \(a whole number from 1 to 8, the width\)$"):
        Config(width=8, hidden=9)
