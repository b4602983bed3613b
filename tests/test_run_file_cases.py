"""The crafted uploads of issue 19, one test each, through the library, the CLI (`train --resume`) and the
page (Open run): each is refused with one line naming the field -- no traceback, no warning. And what
aelab writes (a diverged run, an unknown train time) holds no NaN and reads back."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from aelab import Config, formats
from aelab.bench import BENCH
from aelab.bench_run import BenchResult
from aelab.results import SweepResult
from aelab.run_file import RunFileError, load_trainer, resume_section
from aelab.train import Trainer

ROOT = Path(__file__).resolve().parent.parent
# Adam (steps), noise (generator states), float32 weights, and a setting changed while paused (changes).
CONFIG = Config(width=8, hidden=3, optimizer="adam", lr=0.05, noise=0.3, epochs=10, dtype="float32", seed=3)


@cache
def saved_text() -> str:
    trainer = Trainer(CONFIG, [CONFIG.seed], keep_snapshots=True)
    trainer.run(5)
    trainer.change(replace(trainer.config, lr=0.02))
    result = trainer.run(5)
    return json.dumps(formats.run_json(result.run(0)) | {"resume": resume_section(trainer)}, allow_nan=False)


def crafted(change) -> str:
    document = json.loads(saved_text())
    change(document["resume"])
    return json.dumps(document)


def _set(*path_and_value):
    *path, key, value = path_and_value

    def change(section: dict) -> None:
        for part in path:
            section = section[part]
        section[key] = value

    return change


# name -> (the change, what the one line starts with, a text it shows)
CASES = {
    "array shaped [0, 10^30]": (
        lambda s: s["weights"]["W1"].update(shape=[0, 10**30], values=[]),
        "weights W1 shape: ",
        "[1, 8, 3]",
    ),
    "train_seconds 'abc'": (_set("train_seconds", "abc"), "train_seconds: 'abc' is not allowed", "finite"),
    "train_seconds 'nan'": (_set("train_seconds", "nan"), "train_seconds: 'nan' is not allowed", "finite"),
    "int64 value 2^70": (
        lambda s: s["recorder"]["length"].update(values=[2**70]),
        "recorder length: value 1180591620717411303424 at index 0",
        "whole numbers from 0 to 11",
    ),
    "int64 value 2^64": (
        lambda s: s["recorder"]["first_solved"].update(values=[2**64]),
        "recorder first_solved: value 18446744073709551616 at index 0",
        "whole numbers from -1 to 10",
    ),
    "PCG64 state 2^200": (
        lambda s: s["noise"]["generators"][0]["state"].update(state=2**200),
        "noise generators [0] state state: ",
        "2**128",
    ),
    "a changes entry of 3 values": (
        lambda s: s["changes"][0][1].update(lr=[0.05, 0.02, 0.01]),
        "changes [0] [1] lr: expected 2 entries, not 3",
        "",
    ),
    "a changes entry of 1 value": (
        lambda s: s["changes"][0][1].update(lr=[0.05]),
        "changes [0] [1] lr: expected 2 entries, not 1",
        "",
    ),
    "999 distinct codes of 8": (
        lambda s: s["recorder"]["history.distinct_codes"]["values"].__setitem__(4, 999),
        "recorder history.distinct_codes: value 999 at index 4",
        "from 1 to 8",
    ),
    "a negative length": (
        lambda s: s["recorder"]["length"].update(values=[-1]),
        "recorder length: value -1 at index 0",
        "from 0 to 11",
    ),
    "negative Adam steps": (
        lambda s: s["optimizer"]["steps"].update(values=[-5.0]),
        "optimizer steps: value -5.0 at index 0",
        "whole numbers from 0",
    ),
    "1e39 in float32 weights": (
        lambda s: s["weights"]["W1"]["values"].__setitem__(4, 1e39),
        "weights W1: value 1e+39 at index 4",
        "float32",
    ),
}


def test_the_saved_run_the_cases_start_from_loads():
    """Without this the cases would be refused for some other reason."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer = load_trainer(saved_text())
    assert trainer.epoch == 10 and trainer.changes == [(5, {"lr": (0.05, 0.02)})]
    assert trainer.noise is not None and trainer.backend.optimizer_state()["steps"].item() == 10


def test_the_config_is_checked_in_the_header_pass_and_not_again_with_the_rest():
    """Every setting is typed and ranged once, by HEADER_SCHEMA (then Config checks what links settings);
    the whole-section pass, made for that config, takes it as read. A bad setting is refused in one line."""
    from aelab import run_schema

    assert run_schema.section_schema(CONFIG, 10, 11, None)["properties"]["config"] == {
        "type": "object",
        "description": "checked already: HEADER_SCHEMA's config, then Config's own",
    }
    with pytest.raises(RunFileError, match=r"^config lr: 'abc' is not allowed"):
        load_trainer(crafted(_set("config", "lr", "abc")))
    with pytest.raises(RunFileError, match=r"^config hidden: 9 is not allowed"):
        load_trainer(crafted(_set("config", "hidden", 9)))  # over the width: Config's check


@pytest.mark.parametrize("case", list(CASES))
def test_a_crafted_upload_is_refused_by_the_library_in_one_line(case):
    change, starts, shows = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning (1e39 cast to float32) would fail here
        with pytest.raises(RunFileError) as error:
            load_trainer(crafted(change))
    message = str(error.value)
    assert message.startswith(starts) and shows in message and "\n" not in message, message


@pytest.mark.parametrize("case", list(CASES))
def test_a_crafted_upload_exits_2_with_one_line_in_the_cli(case, cli, tmp_path):
    change, starts, _ = CASES[case]
    path = tmp_path / "run.json"
    path.write_text(crafted(change))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status, out, err = cli(["train", "--resume", str(path)])
    assert (status, out) == (2, "")
    assert err.startswith(f"error: {path}: {starts}") and len(err.strip().splitlines()) == 1, err


def test_negative_adam_steps_are_refused_in_a_torch_run_too():
    pytest.importorskip("torch")
    config = replace(CONFIG, backend="torch")
    trainer = Trainer(config, [config.seed], keep_snapshots=True)
    trainer.run(4)
    section = resume_section(trainer)
    assert section["optimizer"]["0.step"]["values"] == [4.0]
    section["optimizer"]["0.step"]["values"] = [-4.0]
    with pytest.raises(RunFileError, match=r"^optimizer 0\.step: value -4\.0 at index 0 is not allowed \(whole"):
        load_trainer(json.dumps({"resume": section}))


def test_a_crafted_upload_in_a_real_process_prints_no_warning_and_no_traceback(tmp_path):
    """The same through `python -W error -m aelab`: nothing but the one line on stderr."""
    path = tmp_path / "run.json"
    path.write_text(crafted(CASES["1e39 in float32 weights"][0]))
    argv = [sys.executable, "-W", "error", "-m", "aelab", "train", "--resume", str(path)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error: {path}: weights W1: value 1e+39") and done.stderr.count("\n") == 1


def test_each_crafted_upload_gets_one_message_on_the_page():
    from tests.test_page import new_page

    page = new_page(epochs=5)
    page.button(key="train").click().run()
    before = page.session_state["result"]
    for number, (case, (change, starts, _)) in enumerate(CASES.items()):
        data = crafted(change).encode()
        page.file_uploader(key="upload").set_value((f"bad{number}.json", data, "application/json")).run()
        assert not page.exception, (case, page.exception)
        errors = [element.value for element in page.error]
        assert len(errors) == 1 and f"Could not load bad{number}.json: {starts}" in errors[0], (case, errors)
        assert page.session_state["result"] is before  # the current run is untouched


# Nothing aelab writes is refused when it is read back: no NaN or infinity in its JSON.


def no_constant(name: str) -> None:
    raise AssertionError(f"{name} in JSON aelab wrote")


def test_a_diverged_run_with_an_unknown_train_time_is_written_without_nan_and_reads_back():
    diverging = Config(width=4, hidden=2, activation="linear", loss="softmax_ce", lr=100.0, init_scale=1.0, epochs=12)
    trainer = Trainer(diverging, [diverging.seed], keep_snapshots=True)
    assert trainer.run(12).diverged == [True]
    trainer.seconds = math.nan  # not known
    result = trainer.result()
    text = json.dumps(formats.run_json(result.run(0)) | {"resume": resume_section(trainer)}, allow_nan=False)
    document = json.loads(text, parse_constant=no_constant)
    assert document["train_seconds"] is None and document["resume"]["train_seconds"] is None
    assert None in document["resume"]["recorder"]["history.loss"]["values"]  # the epochs after it diverged
    loaded = load_trainer(text)
    assert math.isnan(loaded.seconds) and loaded.run(0).diverged == [True]
    np.testing.assert_array_equal(loaded.run(0).history["loss"], result.history["loss"])  # NaN where it was


def test_the_sweep_and_bench_json_hold_no_nan():
    sweep = SweepResult(CONFIG, [0, 1], [None, 4], [None, 6], [True, False], [2, 8], math.nan, stopped=True)
    json.dumps(formats.sweep_json(sweep), allow_nan=False)
    bench = BenchResult(BENCH["snns-bp"], [0, 1], [None, None], [False, False], math.inf, stopped=True)
    entry = formats.bench_json([bench])["entries"][0]
    assert entry["seconds"] is None and entry["median_epochs"] is None
    json.dumps(formats.bench_json([bench], list(BENCH)), allow_nan=False)


def test_cli_train_json_of_a_diverging_run_has_no_nan_and_resumes(cli, tmp_path):
    options = ["--width", "4", "--hidden", "2", "--activation", "linear", "--loss", "softmax_ce", "--lr", "100"]
    options += ["--init-scale", "1", "--epochs", "12"]
    status, out, err = cli(["train", "--json", *options])
    assert status == 0, err
    document = json.loads(out, parse_constant=no_constant)
    assert document["diverged"] is True
    path = tmp_path / "diverged.json"
    path.write_text(out)
    status, out, err = cli(["train", "--resume", str(path), "--json"])
    assert status == 0, err  # a diverged run trains no more, but it loads and reports
    assert json.loads(out, parse_constant=no_constant)["resume"]["epoch"] == 12
