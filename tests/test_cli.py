"""The command line: `python -m aelab train` JSON and log output, bad input, torch missing."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import aelab.backends
from aelab import Config, report, train
from aelab.backends import make_backend
from aelab.config import ConfigError
from aelab.patterns import one_hot_patterns
from aelab.weights import init_weights

ROOT = Path(__file__).resolve().parent.parent
HISTORY_KEYS = {"epoch", "loss", "accuracy", "bits_correct", "distinct_codes"}
# A recipe that learns fast on 8-3-8, spelled out so these tests do not follow changes to the defaults
RECIPE = Config(width=8, hidden=3, activation="sigmoid", loss="bce", optimizer="adam", lr=0.1, init_scale=1.0)
TOP_KEYS = {"config", "history", "final", "output_solved_epoch", "solved_epoch", "diverged", "train_seconds", "weights"}


def options(config: Config) -> list[str]:
    """Every field of `config` as command-line options, so the run does not depend on the defaults."""
    return [part for name, value in config.to_dict().items() for part in (f"--{name}", str(value))]


def run_subprocess(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def check_train_json(out: str, config: Config) -> dict:
    """The output is exactly one JSON object with every required key and shape; returns it."""
    lines = out.strip().splitlines()
    assert len(lines) == 1, "train --json prints one line"
    payload = json.loads(lines[0])
    assert payload.keys() >= TOP_KEYS
    assert payload["config"] == config.to_dict()
    assert set(payload["config"]) == {field.name for field in dataclasses.fields(Config)}
    n, k, length = config.width, config.hidden, config.epochs + 1
    assert set(payload["history"]) == HISTORY_KEYS
    for name, values in payload["history"].items():
        assert len(values) == length, name
    assert payload["history"]["epoch"] == list(range(length))
    final = payload["final"]
    assert {"loss", "accuracy", "outputs", "hidden", "codes", "distinct_codes"} <= final.keys()
    assert np.shape(final["outputs"]) == (n, n) and np.shape(final["hidden"]) == (n, k)
    assert len(final["codes"]) == n and all(len(code) == k and set(code) <= {"0", "1"} for code in final["codes"])
    assert final["distinct_codes"] == len(set(final["codes"]))
    assert final["loss"] == payload["history"]["loss"][-1]
    shapes = {"W1": (n, k), "b1": (k,), "W2": (k, n), "b2": (n,)}
    for which in ("initial", "final"):
        assert {name: np.shape(value) for name, value in payload["weights"][which].items()} == shapes
    assert payload["diverged"] is False
    assert isinstance(payload["train_seconds"], float) and payload["train_seconds"] >= 0
    return payload


def test_train_json_has_every_key_and_matches_the_library(cli, reference):
    """train --json prints one complete JSON object whose numbers are those of train(config)."""
    config = replace(RECIPE, epochs=30, dtype="float64", seed=3)
    status, out, err = cli(["train", "--json", *options(config)])
    assert status == 0 and err == ""
    payload = check_train_json(out, config)
    expected = train(config)
    for name, values in expected.history.items():
        np.testing.assert_allclose(payload["history"][name], values, rtol=1e-12, err_msg=name)
    assert payload["final"]["codes"] == expected.code_report().codes
    np.testing.assert_array_equal(payload["weights"]["initial"]["W1"], expected.initial.W1)
    final_weights = [np.array(payload["weights"]["final"][name]) for name in ("W1", "b1", "W2", "b2")]
    at_final = reference(final_weights, config.activation, config.loss)
    np.testing.assert_allclose(payload["final"]["outputs"], at_final.outputs, rtol=1e-12)
    np.testing.assert_allclose(payload["final"]["hidden"], at_final.hidden, rtol=1e-12)


def test_train_json_for_a_non_default_shape(cli):
    """Options not given take the defaults; shapes in the JSON follow --width and --hidden."""
    config = Config(width=5, hidden=2, activation="tanh", epochs=7)
    argv = ["train", "--json", "--width", "5", "--hidden", "2", "--activation", "tanh", "--epochs", "7"]
    status, out, _ = cli(argv)
    assert status == 0
    check_train_json(out, config)


def test_plain_train_prints_a_log_and_the_code_table(cli):
    """Without --json: a header, progress lines, a summary and one code-table row per pattern."""
    config = replace(RECIPE, epochs=300, seed=2)
    status, out, err = cli(["train", *options(config)])
    assert status == 0 and err == ""
    expected = train(config)
    assert out.startswith(f"training {config.describe()}")
    assert any(line.startswith("epoch ") and "loss" in line for line in out.splitlines())
    assert "outputs solved (40-20-40) at epoch" in out and "distinct codes:" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip().startswith("pattern"))
    rows = [line.split() for line in lines[header + 1 : header + 1 + config.width]]
    assert [int(row[0]) for row in rows] == list(range(config.width))
    assert [row[1] for row in rows] == expected.code_report().codes


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["train", "--width", "0"], "width"),
        (["train", "--lr", "abc"], "lr"),
        (["train", "--activation", "foo"], "activation"),
        (["train", "--hidden", "9", "--width", "8"], "hidden"),
        (["train", "--epochs", "100001"], "epochs"),
        (["train", "--bogus", "1"], "--bogus"),
        (["train", "--lr"], "--lr"),
        (["fly"], "fly"),
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(argv, named, cli):
    """Bad input: status 2, nothing on stdout, exactly one stderr line naming the culprit."""
    status, out, err = cli(argv)
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and err.endswith("\n")
    assert named in err


def test_torch_backend_via_cli(cli):
    """--backend torch trains and reports like numpy, starting from the same loss."""
    pytest.importorskip("torch")
    config = replace(RECIPE, backend="torch", epochs=20, dtype="float64")
    status, out, _ = cli(["train", "--json", *options(config)])
    assert status == 0
    payload = check_train_json(out, config)
    _, numpy_out, _ = cli(["train", "--json", *options(replace(config, backend="numpy"))])
    np.testing.assert_allclose(payload["history"]["loss"], json.loads(numpy_out)["history"]["loss"], rtol=1e-9)


def test_real_subprocess_train_json():
    """`python -m aelab train --json` as a real process prints one parseable JSON object."""
    process = run_subprocess(["-m", "aelab", "train", "--json", "--epochs", "15", "--width", "4", "--hidden", "2"])
    assert process.returncode == 0, process.stderr
    check_train_json(process.stdout, Config(epochs=15, width=4, hidden=2))


def test_real_subprocess_bad_input():
    """A real process given bad input exits 2 with one stderr line and empty stdout."""
    process = run_subprocess(["-m", "aelab", "train", "--width", "0"])
    assert process.returncode == 2
    assert process.stdout == ""
    assert process.stderr.splitlines() == [process.stderr.strip()] and "width" in process.stderr


def torch_missing(monkeypatch) -> None:
    monkeypatch.setattr(aelab.backends, "torch_unavailable_reason", lambda: "PyTorch is not installed (simulated)")


def test_torch_missing_raises_a_clear_config_error(monkeypatch):
    """Without torch, asking for the torch backend is a ConfigError naming backend and the reason; numpy works."""
    torch_missing(monkeypatch)
    config = Config(backend="torch", epochs=3)
    with pytest.raises(ConfigError) as caught:
        make_backend(config, init_weights(8, 3, 0), one_hot_patterns(8))
    assert caught.value.field == "backend" and "not installed" in str(caught.value) and "numpy" in str(caught.value)
    with pytest.raises(ConfigError, match="not installed"):
        train(config)
    assert not train(dataclasses.replace(config, backend="numpy")).diverged


@pytest.mark.parametrize("mode", [["--json"], []], ids=["json", "plain"])
def test_torch_missing_via_cli_exits_2(mode, monkeypatch, cli):
    """Without torch, `train --backend torch` exits 2 with one stderr line and nothing on stdout."""
    torch_missing(monkeypatch)
    status, out, err = cli(["train", *mode, "--backend", "torch", "--epochs", "3"])
    assert status == 2
    assert len(err.splitlines()) == 1 and "backend" in err and "not installed" in err
    assert out == ""


def test_numpy_cli_works_while_torch_is_missing(monkeypatch, cli):
    """With torch missing the numpy backend still trains from the CLI."""
    torch_missing(monkeypatch)
    status, out, _ = cli(["train", "--json", "--epochs", "3"])
    assert status == 0 and json.loads(out)["config"]["backend"] == "numpy"


@pytest.mark.parametrize("mode", [["train", "--json"], ["train"]], ids=["json", "plain"])
def test_cuda_without_a_gpu_exits_2(mode, cli):
    """--device cuda where CUDA is unavailable exits 2 with one stderr line naming device, nothing on stdout."""
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    status, out, err = cli([*mode, "--backend", "torch", "--device", "cuda", "--epochs", "3"])
    assert status == 2
    assert len(err.splitlines()) == 1 and "device" in err
    assert out == ""


def test_torch_unavailable_reason_detects_a_blocked_import(monkeypatch):
    """The (uncached) check reports torch missing when `import torch` cannot find it."""
    monkeypatch.setitem(sys.modules, "torch", None)
    reason = aelab.backends.torch_unavailable_reason.__wrapped__()
    assert reason is not None and "not installed" in reason


def test_real_subprocess_without_torch():
    """A process where torch cannot be imported: --backend torch exits 2 with one line, no traceback."""
    code = "import sys; sys.modules['torch'] = None; from aelab.cli import main; sys.exit(main(sys.argv[1:]))"
    process = run_subprocess(["-c", code, "train", "--json", "--backend", "torch", "--epochs", "3"])
    assert process.returncode == 2 and process.stdout == ""
    assert len(process.stderr.splitlines()) == 1 and "torch" in process.stderr


def test_ctrl_c_stops_training_and_still_reports_the_run_so_far():
    """The first Ctrl-C ends training at the next epoch; the summary of the run so far is printed, exit 130."""
    command = [sys.executable, "-m", "aelab", "train", "--width", "64", "--hidden", "6", "--epochs", "100000"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("training ")
        assert process.stdout.readline().startswith("epoch ")  # training is under way, the handler installed
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "paused after" in out and "pattern  code" in out
    assert "Traceback" not in err and "stopping" in err


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`python -m aelab train | head -2`: the closed pipe ends the run quietly, without a traceback."""
    command = [sys.executable, "-m", "aelab", "train", "--epochs", "100000"]  # still logging when the reader leaves
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.readline()
    process.stdout.close()  # the reader goes away while the log is still being written
    err = process.stderr.read()
    process.wait(timeout=60)
    assert process.returncode == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(("command", "stopped"), [("train", "paused after"), ("sweep", "(stopped early)")])
def test_sigterm_reports_the_run_so_far(command, stopped):
    """SIGTERM is handled like Ctrl-C: the run (or sweep) so far is printed, marked stopped, exit status 143."""
    argv = [sys.executable, "-m", "aelab", command, "--width", "64", "--hidden", "6", "--epochs", "100000"]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith(("training ", "sweeping "))  # the handler is installed
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143, err
    assert stopped in out and "Traceback" not in err


def test_a_stopped_sweeps_json_says_so():
    from aelab import formats, sweep

    result = sweep(Config(epochs=500), [0, 1], on_progress=lambda progress: progress.epoch > 5, progress_interval=0)
    assert formats.sweep_json(result)["stopped"] is True
    assert formats.sweep_json(sweep(Config(epochs=5), [0]))["stopped"] is False


@pytest.mark.parametrize(
    "fraction, text",
    [(0.5, "50%"), (1.0, "100%"), (0.0, "0%"), (0.996, "99.6%"), (255 / 256, "99.6%"), (0.99996, "99.996%"),
     (0.004, "0.4%"), (1 / 65536, "0.002%"), (0.123, "12%")],
)  # fmt: skip
def test_a_share_that_is_not_all_never_reads_as_100_percent(fraction, text):
    """The page's and the CLI's percentages: 255 of 256 outputs right is 99.6%, not 100%."""
    assert report.percent(fraction) == text


def test_data_json_into_a_reader_that_leaves_gets_no_traceback():
    """`python -m aelab data digits --json | head -c 300`: every command gets main()'s broken-pipe handling."""
    command = [sys.executable, "-m", "aelab", "data", "digits", "--json"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(300)
    process.stdout.close()  # the JSON is ~100 kB: far more than the pipe holds, so the write meets the closed pipe
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert process.returncode == 1


def test_a_sweeps_progress_lines_speak_for_its_seeds_not_seed_0():
    """A sweep's log names the seeds and gives, per line, how many still train, their median loss and how
    many of them have all codes apart: none of it one seed's figure passed off as the sweep's."""
    out = run_subprocess(["-m", "aelab", "sweep", "--seeds", "6", "--first-seed", "3", "--epochs", "300"]).stdout
    header, *lines = out.splitlines()
    assert header.startswith("sweeping seeds 3..8 of numpy 8-3-8") and "seed=" not in header
    progress = [line for line in lines if line.startswith("epoch ")]
    assert progress, out
    for line in progress:
        still = int(line.split("  ")[-1].split(" seeds still training")[0].split()[-1])
        distinct = int(line.rsplit("all codes distinct in ", 1)[1])
        assert 1 <= still <= 6 and 0 <= distinct <= still and "median loss" in line, line
