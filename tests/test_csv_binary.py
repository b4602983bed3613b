"""A csv file's targets are binary when its values are all 0 or 1 (patterns.binary_targets): such a file
gets the goals, sweeps and grids of the binary sets; a file with any other value is real-valued."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aelab import Config
from aelab.patterns import PATTERN_SETS, binary_targets
from aelab.settings import ConfigError
from aelab.sweep import check_sweepable, sweep
from aelab.train import Trainer

# Six distinct 0/1 patterns of width 6 (not one-hot), and the same with one value that is neither
BITS = np.array(
    [
        [1, 1, 0, 0, 0, 0],
        [0, 1, 1, 0, 0, 0],
        [0, 0, 1, 1, 0, 0],
        [0, 0, 0, 1, 1, 0],
        [0, 0, 0, 0, 1, 1],
        [1, 0, 0, 0, 0, 1],
    ],
    dtype=np.float64,
)
REAL = BITS.copy()
REAL[2, 3] = 0.5
CSV = Config(data="csv", width=6, patterns=6, hidden=3, lr=10.0, epochs=600)


def write(path, patterns: np.ndarray) -> str:
    path.write_text("\n".join(",".join(f"{value:g}" for value in row) for row in patterns) + "\n")
    return str(path)


def test_a_csv_sets_targets_are_binary_when_its_values_are():
    assert binary_targets(CSV, BITS) and not binary_targets(CSV, REAL)
    for name, entry in PATTERN_SETS.items():  # every other set is of one kind, whatever it is handed
        if name != "csv":
            config = Config.from_strings({"data": name})
            assert binary_targets(config) is entry.binary is (name != "digits")
    with pytest.raises(ConfigError, match="needs a file"):  # a csv set's kind is its file's
        binary_targets(CSV)


def test_a_sweep_of_a_binary_csv_file_equals_its_single_runs_seed_for_seed():
    seeds = [0, 1, 2, 3]
    result = sweep(CSV, seeds, inputs=BITS)
    assert result.config.data == "csv" and any(epoch is not None for epoch in result.solved_epoch)
    for index, seed in enumerate(seeds):
        single = Trainer(Config(**{**CSV.to_dict(), "seed": seed}), [seed], inputs=BITS).run(CSV.epochs).run(0)
        assert result.solved_epoch[index] == single.solved_epoch, seed
        assert result.output_solved_epoch[index] == single.output_solved_epoch, seed


@pytest.mark.parametrize(
    ("config", "inputs", "said"),
    [
        (CSV, REAL, "data: 'csv' is a file with values other than 0 and 1"),
        (Config.from_strings({"data": "digits"}), None, "data: 'digits' is real-valued"),
    ],
)
def test_a_sweep_of_real_valued_targets_is_refused_naming_data(config, inputs, said):
    with pytest.raises(ConfigError) as refused:
        check_sweepable(config, inputs)
    assert str(refused.value).startswith(said) and "or a csv file of 0s and 1s" in str(refused.value)


def test_cli_sweep_of_the_identity_as_a_csv_file_equals_the_one_hot_sweep(cli, tmp_path):
    """The 4 x 4 identity in a file is the 4-2-4 encoder: the same seeds solve at the same epochs."""
    path = write(tmp_path / "identity.csv", np.eye(4))
    argv = ["sweep", "--hidden", "2", "--lr", "10", "--epochs", "2000", "--seeds", "6", "--json"]
    status, out, err = cli([*argv, "--csv", path])
    assert status == 0 and err == ""
    from_file = json.loads(out)
    status, out, _ = cli([*argv, "--width", "4"])
    one_hot = json.loads(out)
    assert from_file["config"]["data"] == "csv" and from_file["solved_rate"] > 0
    assert from_file["solved_epoch"] == one_hot["solved_epoch"]


def test_cli_grid_takes_a_binary_csv_file(cli, tmp_path):
    path = write(tmp_path / "bits.csv", BITS)
    argv = ["grid", "--csv", path, "--hidden", "3", "--epochs", "600", "--vary", "lr=5,10", "--seeds", "3", "--json"]
    status, out, err = cli(argv)
    assert status == 0 and err == ""
    cells = json.loads(out)["cells"]
    assert [cell["settings"]["lr"] for cell in cells] == [5.0, 10.0]


@pytest.mark.parametrize("command", [["sweep"], ["grid", "--vary", "lr=5,10"]])
def test_cli_sweep_and_grid_refuse_a_real_valued_csv_file_in_one_line(cli, tmp_path, command):
    path = write(tmp_path / "real.csv", REAL)
    status, out, err = cli([*command, "--csv", path, "--hidden", "3", "--seeds", "2"])
    assert status == 2 and out == "" and len(err.splitlines()) == 1
    assert "data: 'csv' is a file with values other than 0 and 1" in err


def test_a_grid_keeps_a_csv_files_width(cli, tmp_path):
    """The file fixes the width: the CLI refuses a grid that varies it in one line, the page does not offer it."""
    from aelab_page.grid import variable_settings

    path = write(tmp_path / "bits.csv", BITS)
    status, out, err = cli(["grid", "--csv", path, "--hidden", "3", "--vary", "width=6,8", "--seeds", "2"])
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and "(6, 8), not (6, 6)" in err
    assert "width" not in variable_settings(CSV) and "width" in variable_settings(Config())
