"""Ctrl-C and SIGTERM stop `train`, `sweep`, `grid` and `bench` between two updates, not at the end of an
epoch: a per-pattern epoch of a 1024-wide net is 1024 updates (seconds), and the run so far is
still reported, marked stopped, with exit status 128 + the signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aelab.run_file import read_run

ROOT = Path(__file__).resolve().parent.parent
# One epoch of this takes seconds (1024 updates, each over 2 x 1024 x 256 weights and Adam's state):
# a stop that waited for the epoch's end would miss STOP_WITHIN by far.
LONG_EPOCHS = ["--width", "1024", "--hidden", "256", "--batch-size", "1", "--optimizer", "adam", "--epochs", "5"]
# From the signal to the process's exit, summary included; the stop itself is within CHECK_EVERY
# of the signal plus one update (milliseconds). Generous: the machine running the tests may be busy.
STOP_WITHIN = 3.0


def start(args: list[str]) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "aelab", *args]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen(command, cwd=ROOT, env=environment, text=True, **pipes)


def stop_and_time(process: subprocess.Popen, number: int, settle: float) -> tuple[float, str, str]:
    """Send signal `number` `settle` seconds from now (training under way), and time the exit."""
    time.sleep(settle)
    sent = time.perf_counter()
    process.send_signal(number)
    try:
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    return time.perf_counter() - sent, out, err


@pytest.mark.parametrize(("number", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_train_stops_inside_a_long_epoch(number, status):
    process = start(["train", *LONG_EPOCHS])
    assert process.stdout.readline().startswith("training ")  # the handler is installed
    seconds, out, err = stop_and_time(process, number, settle=1.5)
    assert process.returncode == status, err
    assert seconds < STOP_WITHIN, f"took {seconds:.1f} s to stop"
    assert "paused after 0 epochs" in out and "Traceback" not in err


def test_train_json_stopped_by_sigterm_is_a_whole_run_that_resumes(tmp_path):
    """--json prints the run so far (a smaller net: a 1024-256 run's JSON is tens of MB to write)."""
    process = start(["train", "--json", "--width", "1024", "--hidden", "64", "--batch-size", "1", "--epochs", "100"])
    time.sleep(2.0)  # (nothing is printed before the JSON: give the import and the start time)
    _, out, err = stop_and_time(process, signal.SIGTERM, settle=1.0)
    assert process.returncode == 143, err
    payload = json.loads(out)
    assert payload["stopped"] is True and payload["resume"]["epoch"] < 100
    saved = tmp_path / "run.json"
    saved.write_text(out)
    assert read_run(saved).epoch == payload["resume"]["epoch"]  # whole epochs: --resume takes it


def test_sweep_stops_inside_a_long_epoch():
    process = start(["sweep", "--seeds", "2", *LONG_EPOCHS])
    assert process.stdout.readline().startswith("sweeping ")
    seconds, out, err = stop_and_time(process, signal.SIGINT, settle=1.5)
    assert process.returncode == 130, err
    assert seconds < STOP_WITHIN, f"took {seconds:.1f} s to stop"
    assert "(stopped early)" in out and "Traceback" not in err


def test_grid_json_stopped_by_ctrl_c_keeps_every_cell():
    process = start(["grid", "--seeds", "2", "--vary", "lr=0.001,0.002", "--json", *LONG_EPOCHS])
    time.sleep(2.0)  # (nothing is printed before the JSON: give the import and the start time)
    seconds, out, err = stop_and_time(process, signal.SIGINT, settle=1.5)
    assert process.returncode == 130, err
    assert seconds < STOP_WITHIN, f"took {seconds:.1f} s to stop"
    payload = json.loads(out)
    assert payload["stopped"] is True and [cell["settings"] for cell in payload["cells"]] == [
        {"lr": 0.001},
        {"lr": 0.002},
    ]
    assert all(cell["solved_rate"] == 0 for cell in payload["cells"])


def test_bench_stops_and_prints_the_entries_so_far():
    process = start(["bench", "--seeds", "1000"])
    assert process.stdout.readline()  # the first entry's line: training under way
    seconds, out, err = stop_and_time(process, signal.SIGTERM, settle=0.5)
    assert process.returncode == 143, err
    assert seconds < STOP_WITHIN, f"took {seconds:.1f} s to stop"
    assert "(stopped)" in out and "Traceback" not in err
