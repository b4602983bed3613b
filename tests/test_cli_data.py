"""`python -m aelab data NAME`, and the pattern settings on `train`: the sets as the library makes them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aelab.patterns import make_patterns


def test_data_json_prints_the_patterns_and_labels_the_library_makes(cli):
    status, out, err = cli(["data", "digits", "--patterns", "30", "--json"])
    assert status == 0 and err == ""
    document = json.loads(out)
    expected = make_patterns("digits", 64, 30)
    np.testing.assert_array_equal(document["patterns"], expected.inputs)
    assert document["labels"] == expected.labels.tolist()
    assert (document["width"], document["count"], document["image_shape"], document["binary"]) == (
        64,
        30,
        [8, 8],
        False,
    )


def test_data_text_has_one_line_per_pattern_with_its_label(cli):
    status, out, _ = cli(["data", "bars", "--width", "9"])
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 6 and lines[0] == "0 label 0: 1 1 1 0 0 0 0 0 0"
    status, out, _ = cli(["data", "random_binary", "--width", "5", "--patterns", "3", "--data-seed", "2", "--json"])
    assert json.loads(out)["patterns"] == make_patterns("random_binary", 5, 3, seed=2).inputs.tolist()


def test_data_reads_a_csv_file(cli, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("a,b,c\n0,0.5,1\n1,0.25,0\n")
    status, out, _ = cli(["data", "csv", "--csv", str(path), "--json"])
    assert status == 0 and json.loads(out)["patterns"] == [[0, 0.5, 1], [1, 0.25, 0]]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["data", "nope"], "data: 'nope'"),
        (["data", "digits", "--width", "8"], "width: 8"),
        (["data", "bars", "--width", "10"], "width: 10"),
        (["data", "one_hot", "--patterns", "3"], "patterns: 3"),
        (["data", "csv"], "data: 'csv' needs a file: give --csv FILE"),
        (["train", "--data", "csv"], "data: 'csv' needs a file: give --csv FILE"),
        (["data", "csv", "--csv", "/nonexistent/x.csv"], "csv: '/nonexistent/x.csv'"),
        (["train", "--data", "digits", "--stop", "codes"], "stop: 'codes' needs binary targets; data digits is real"),
        (["train", "--loss", "bce", "--output", "linear"], "output: 'linear'"),
        (["train", "--data", "random_binary", "--loss", "softmax_ce"], "loss: 'softmax_ce'"),
    ],
)
def test_bad_pattern_settings_exit_2_naming_the_field(argv, named, cli):
    status, out, err = cli(argv)
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and named in err


def test_train_on_a_csv_file_and_on_digits_reports_the_reconstruction(cli, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("0,0.5,1,0\n1,0.25,0,0\n0,0,0,1\n")
    status, out, _ = cli(["train", "--csv", str(path), "--hidden", "2", "--epochs", "20", "--json"])
    document = json.loads(out)
    assert status == 0 and document["config"]["data"] == "csv" and document["config"]["patterns"] == 3
    assert len(document["final"]["outputs"]) == 3 and document["pca_floor"] is not None
    argv = ["train", "--data", "digits", "--patterns", "50", "--hidden", "2", "--activation", "linear"]
    status, out, _ = cli([*argv, "--output", "linear", "--lr", "0.01", "--epochs", "5"])
    assert status == 0 and "PCA floor (rank 2, mse)" in out and "variance explained" in out
    assert "<- shares its code" not in out  # no binary-code table for real-valued data


def test_a_diverged_linear_run_reports_without_angles(cli):
    argv = ["train", "--data", "digits", "--patterns", "50", "--hidden", "2", "--activation", "linear"]
    status, out, _ = cli([*argv, "--output", "linear", "--lr", "50", "--epochs", "5", "--json"])
    document = json.loads(out)
    assert status == 0 and document["diverged"] and document["subspace_angles"] is None


def test_a_binary_csv_file_may_stop_at_its_codes_and_a_real_valued_one_may_not(cli, tmp_path):
    """Whether a csv set is binary comes from the file's values, not from the table's csv entry."""
    binary, real = tmp_path / "binary.csv", tmp_path / "real.csv"
    binary.write_text("0,1,0\n1,0,0\n0,0,1\n")
    real.write_text("0,0.5,0\n1,0,0\n0,0,1\n")
    status, out, err = cli(["train", "--csv", str(binary), "--hidden", "2", "--stop", "codes", "--epochs", "3000"])
    assert status == 0 and err == "" and "solved with distinct codes at epoch" in out
    status, out, err = cli(["train", "--csv", str(real), "--hidden", "2", "--stop", "codes"])
    assert status == 2 and out == "" and "stop: 'codes' needs binary targets; data csv is real-valued" in err


def test_digits_named_without_lr_train_and_report_no_code_figures(cli):
    """The digits' own lr trains (lr 50 diverged); real-valued data gets no bits-right or distinct-codes figures."""
    status, out, _ = cli(["train", "--data", "digits", "--hidden", "2", "--output", "linear", "--epochs", "300"])
    assert status == 0 and "diverged" not in out
    variance = float(out.split("variance explained ")[1].split("%")[0])
    assert 0 < variance <= 100
    assert "bits right" not in out and "distinct codes" not in out


def test_the_cli_says_what_a_negative_variance_explained_means(cli):
    """'variance explained -3%' once stood unexplained in the CLI's summary, while the page's status said it."""
    status, out, _ = cli(["train", "--data", "digits", "--hidden", "2", "--lr", "0.00001", "--epochs", "1"])
    reconstruction = next(line for line in out.splitlines() if line.startswith("reconstruction:"))
    variance = float(reconstruction.split("variance explained ")[1].split("%")[0])
    assert status == 0 and variance < 0  # the initial weights: worse than the mean
    assert reconstruction.endswith(f"variance explained {variance:g}% (worse than always answering the mean pattern)")


def test_a_diverged_run_says_so_instead_of_a_variance_explained(cli):
    argv = ["train", "--data", "digits", "--hidden", "2", "--output", "linear", "--lr", "50", "--epochs", "50"]
    status, out, _ = cli(argv)
    assert status == 0 and "the run diverged" in out and "variance explained" not in out
