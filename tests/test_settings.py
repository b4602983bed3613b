"""One home for each fact: settings and activations are tables that every front end reads."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from aelab import Config, analysis, train
from aelab.activations import ACTIVATIONS, Activation
from aelab.cli import build_parser
from aelab.config import MAX_SEED, SETTINGS, ConfigError, config_from_partial_strings
from aelab.sweep import MAX_SWEEP_SEEDS, last_first_seed, seed_range

ROOT = Path(__file__).resolve().parents[1]

SOFTSIGN = Activation(
    "softsign",
    "softsign",
    numpy=lambda z: z / (1 + np.abs(z)),
    slope=lambda z, h: 1 / (1 + np.abs(z)) ** 2,
    torch=lambda z: z / (1 + z.abs()),
    threshold=0.0,
    bounds=(-1.0, 1.0),
)


def test_config_fields_and_settings_table_are_the_same_names():
    assert list(SETTINGS) == list(Config().to_dict())


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_new_activation_is_one_table_entry(monkeypatch, backend):
    """An activation added to the table alone validates, trains on both backends and is read as bits."""
    if backend == "torch":
        pytest.importorskip("torch")
    monkeypatch.setitem(ACTIVATIONS, "softsign", SOFTSIGN)
    config = Config(
        backend=backend,
        device="cpu",
        activation="softsign",
        loss="bce",
        optimizer="adam",
        lr=0.1,
        init_scale=1.0,
        epochs=300,
        dtype="float64",
    )
    result = train(config)
    assert not result.diverged and result.history["loss"][-1] < 0.5 * result.history["loss"][0]
    z1 = result.final.W1 + result.final.b1  # one-hot inputs: pattern i's pre-activations are row i
    np.testing.assert_allclose(result.activations, z1 / (1 + np.abs(z1)), rtol=1e-9)
    assert analysis.code_report(result.activations, "softsign").codes[0] == "".join(
        "1" if value > 0 else "0" for value in result.activations[0]
    )
    assert "softsign" in SETTINGS["activation"].options


def test_the_toy_activation_agrees_across_backends(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setitem(ACTIVATIONS, "softsign", SOFTSIGN)
    config = Config(
        activation="softsign", loss="mse", optimizer="sgd", lr=5.0, epochs=60, dtype="float64", device="cpu"
    )
    ours, theirs = train(config), train(replace(config, backend="torch"))
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-9)


def test_an_unknown_activation_is_refused_until_it_is_in_the_table():
    with pytest.raises(ConfigError, match="softsign"):
        Config(activation="softsign")


def test_cli_help_lists_every_choice_and_limit():
    text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    for name, setting in SETTINGS.items():
        assert setting.flag in text, name
        for option in setting.options:
            assert option in text, (name, option)
    assert str(MAX_SEED) in text and "--init_scale" in text


def test_the_sweep_seed_rule_is_shared():
    """The largest first seed keeps the last seed valid, for every count; the CLI refuses past it."""
    assert seed_range(1, MAX_SEED) == [MAX_SEED]
    assert seed_range(MAX_SWEEP_SEEDS, last_first_seed(MAX_SWEEP_SEEDS))[-1] == MAX_SEED
    for bad_count, bad_first in [(0, 0), (MAX_SWEEP_SEEDS + 1, 0), (2, MAX_SEED)]:
        with pytest.raises(ConfigError):
            seed_range(bad_count, bad_first)


def test_cli_accepts_the_last_valid_first_seed(cli):
    status, _, err = cli(["sweep", "--seeds", "1", "--first-seed", str(MAX_SEED), "--epochs", "2", "--json"])
    assert status == 0, err
    status, _, err = cli(["sweep", "--seeds", "2", "--first-seed", str(MAX_SEED), "--epochs", "2"])
    assert status == 2 and "first-seed" in err


def test_init_scale_takes_dashes_or_underscores(cli):
    for flag in ("--init-scale", "--init_scale"):
        status, out, _ = cli(["train", "--json", "--epochs", "2", flag, "0.5"])
        assert status == 0 and '"init_scale": 0.5' in out


@pytest.mark.parametrize("text", ["８", "1０", "٣"])
def test_non_ascii_digits_are_refused(text):
    with pytest.raises(ConfigError, match="width"):
        Config.from_strings({"width": text})


def test_a_link_with_a_small_width_and_its_bottleneck_opens_as_written():
    config, problems = config_from_partial_strings({"width": "2", "hidden": "2"})
    assert (config.width, config.hidden, problems) == (2, 2, [])
    config, problems = config_from_partial_strings({"width": "4", "hidden": "9"})
    assert (config.width, config.hidden) == (4, 3)
    assert problems == [
        "Bottleneck k (hidden): 9 is not allowed (a whole number from 1 to 4, the width); using 3 instead"
    ]
    config, problems = config_from_partial_strings({"width": "2"})
    assert (config.width, config.hidden, problems) == (2, 2, [])


def test_no_library_module_is_long():
    for path in [*(ROOT / "aelab").rglob("*.py"), *(ROOT / "aelab_page").rglob("*.py")]:
        assert len(path.read_text().splitlines()) <= 300, path


def test_the_architecture_page_names_every_module():
    page = (ROOT / "docs" / "architecture.md").read_text()
    layout = page[page.index("## Layout") : page.index("## Extending")]
    for path in [*(ROOT / "aelab").rglob("*.py"), *(ROOT / "aelab_page").rglob("*.py")]:
        if path.name != "__init__.py":
            assert path.stem in layout, path


def test_cli_help_runs_as_a_real_process():
    process = subprocess.run(
        [sys.executable, "-m", "aelab", "train", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert process.returncode == 0 and "{sigmoid,tanh,relu,leaky_relu,linear}" in process.stdout
