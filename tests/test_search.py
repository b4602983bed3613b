"""`search`: Optuna trials of seed sweeps in a database; a rerun only adds what is missing, an interrupted
study goes on where it stopped, two workers share one study, and bad input is one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from aelab.allowance import Allowance
from aelab.config import ConfigError
from aelab.presets import preset_config
from aelab.results import SweepResult
from aelab.search import SearchPlan, SearchUnavailableError, require_optuna, run_search, score
from aelab.search_space import Dimension, parse_space

optuna = pytest.importorskip("optuna", reason="the search needs optuna (requirements-dev.txt pins it)")

ROOT = Path(__file__).resolve().parent.parent
# 8-3-8 solves in tens of epochs: a trial is a few milliseconds, so these tests time Optuna and SQLite
TINY = replace(preset_config("8-3-8"), epochs=300)
TINY_OPTIONS = ["--preset", "8-3-8", "--epochs", "300", "--seeds", "3", "--check-seeds", "4"]
VARY = ["--vary", "lr=0.2:4:log", "--vary", "noise=0:0.4"]


def plan(storage: str, trials: int, **changes: object) -> SearchPlan:
    space = parse_space(["lr=0.2:4:log", "noise=0:0.4"])
    base = SearchPlan(TINY, space, seeds=[10000, 10001, 10002], trials=trials, check_seeds=[0, 1, 2], storage=storage)
    return replace(base, **changes)


def stored_trials(storage: str, study: str = "8-3-8") -> list:
    return optuna.load_study(study_name=study, storage=storage).get_trials(deepcopy=False)


def complete(trials: list) -> list:
    return [trial for trial in trials if trial.state == optuna.trial.TrialState.COMPLETE]


def test_an_interrupted_search_run_again_continues_its_study(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    asked_to_stop = [False]

    def stop_after_two(row: dict) -> None:
        asked_to_stop[0] = row["number"] >= 1  # Ctrl-C while the third trial trains

    first = run_search(plan(storage, 6), Allowance(requested=lambda: asked_to_stop[0]), stop_after_two)
    assert first.stopped and len(first.trials) == 2 and first.best.get("check") is None
    cut_short = [trial for trial in stored_trials(storage) if trial.state == optuna.trial.TrialState.PRUNED]
    assert len(cut_short) == 1  # the trial the stop cut short is kept, but not counted

    second = run_search(plan(storage, 6))
    assert not second.stopped and len(second.trials) == 6
    assert second.trials[:2] == first.trials  # nothing of the first run is lost or changed
    numbers = [row["number"] for row in second.trials]
    assert len(set(numbers)) == 6 and set(second.ran_here) == set(numbers[2:])
    retried = next(t for t in complete(stored_trials(storage)) if t.user_attrs.get("retry_of") == cut_short[0].number)
    assert retried.params == cut_short[0].params  # the cut-short settings are run first, once
    settings = [tuple(sorted(row["settings"].items())) for row in second.trials]
    assert len(set(settings)) == 6  # and no trial is repeated

    third = run_search(plan(storage, 6))  # done: a rerun adds nothing and measures nothing again
    assert third.trials == second.trials and third.ran_here == [] and third.best == second.best
    assert third.best["check"]["seeds"] == [0, 2]


def test_the_first_trial_measures_the_base_recipe(tmp_path):
    result = run_search(plan(f"sqlite:///{tmp_path / 's.db'}", 1, check_seeds=[]))
    assert result.trials[0]["settings"] == {"lr": TINY.lr, "noise": TINY.noise}
    assert "check" not in result.best


def test_a_study_made_with_another_plan_is_refused(tmp_path):
    storage = f"sqlite:///{tmp_path / 's.db'}"
    run_search(plan(storage, 1, check_seeds=[]))
    with pytest.raises(ConfigError, match=r"study: '8-3-8' is not allowed .*other seeds.*--study"):
        run_search(plan(storage, 2, seeds=[20000, 20001]))


def test_two_workers_on_one_sqlite_file_record_every_trial_once(tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    args = ["search", "--json", *TINY_OPTIONS, *VARY, "--trials", "8", "--storage", storage]
    workers = [start(args) for _ in range(2)]
    outputs = [worker.communicate(timeout=240) for worker in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    reports = [json.loads(out) for out, _ in outputs]
    trials = stored_trials(storage)
    numbers = [trial.number for trial in trials]
    assert len(numbers) == len(set(numbers))
    # Each worker stops once the study holds 8; one that was mid-trial then may add one more
    assert 8 <= len(complete(trials)) <= 9 and len(trials) == len(complete(trials))
    ran = [set(report["ran_here"]) for report in reports]
    assert not ran[0] & ran[1] and ran[0] | ran[1] == {trial.number for trial in trials}  # each trial once
    by_worker = {trial.number: trial.user_attrs["worker"] for trial in trials}
    assert all(len({by_worker[number] for number in mine}) <= 1 for mine in ran)


def test_cli_json_holds_trials_best_and_its_check_on_other_seeds(cli, tmp_path):
    storage = f"sqlite:///{tmp_path / 's.db'}"
    status, out, err = cli(["search", "--json", *TINY_OPTIONS, *VARY, "--trials", "3", "--storage", storage])
    assert status == 0, err
    payload = json.loads(out)
    assert [row["number"] for row in payload["trials"]] == [0, 1, 2] and payload["stopped"] is False
    assert payload["seeds"] == [10000, 10002] and payload["space"] == ["lr=0.2:4:log", "noise=0:0.4"]
    row = payload["trials"][1]
    assert set(row["settings"]) == {"lr", "noise"} and 0.2 <= row["settings"]["lr"] <= 4
    assert {"solved_rate", "output_solved_rate", "median_solved_epoch", "p90_solved_epoch", "failures"} <= set(row)
    best = payload["best"]
    assert best["score"] == max(row["score"] for row in payload["trials"])
    assert best["check"]["seeds"] == [0, 3] and 0 <= best["check"]["solved_rate"] <= 1


def test_cli_log_names_each_trial_and_the_held_out_seeds(cli, tmp_path):
    storage = f"sqlite:///{tmp_path / 's.db'}"
    status, out, err = cli(["search", *TINY_OPTIONS, *VARY, "--trials", "2", "--storage", storage])
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("study 8-3-8 (2 trials, seeds 10000..10002")
    assert lines[1].startswith("trial 0: lr=1 noise=0.2 · solved ") and lines[2].startswith("trial 1: ")
    assert "on held-out seeds 0..3: solved " in lines[-1]


def test_the_storage_password_is_not_printed():
    from aelab.formats import masked_url

    assert masked_url("postgresql://me:secret@db.example/aelab") == "postgresql://me:***@db.example/aelab"


@pytest.mark.parametrize(
    ("spec", "field", "value", "allowed"),
    [
        ("lr", "vary", "lr", "NAME=LOW:HIGH"),
        ("width=4:8", "vary", "width=4:8", "NAME one of: backend"),
        ("lr=16:1:log", "vary lr", "16:1:log", "LOW below HIGH"),
        ("lr=0:16", "vary lr", "0", "a finite number from 1e-05 to 100"),
        ("lr=1:16:cubic", "vary lr", "1:16:cubic", "LOW:HIGH or LOW:HIGH:log"),
        ("weight_decay=0:0.001:log", "vary weight_decay", "0:0.001:log", "a log range needs LOW above 0"),
        ("restart_after=10.5:100", "vary restart_after", "10.5", "must be a whole number"),
        ("activation=0:1", "vary activation", "0:1", "a list of choices"),
        ("activation=tanh,sine", "activation", "sine", "choose one of: "),  # choices are read as grid --vary's
        ("noise=0.1,0.1", "vary", "noise=0.1,0.1", "each value once"),
    ],
)
def test_a_bad_vary_spec_is_one_line_naming_field_value_and_what_is_allowed(cli, spec, field, value, allowed):
    status, out, err = cli(["search", "--preset", "8-3-8", "--vary", spec, "--storage", "sqlite://"])
    assert status == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"error: {field}: {value!r} is not allowed (") and allowed in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "lr=1:2", "--vary", "lr=3:4"], "vary: 'lr' is not allowed (each setting at most once)"),
        ([], "vary: '' is not allowed (at least one --vary"),
        (["--vary", "lr=1:2", "--check-first-seed", "10001"], "check-first-seed: 10001 is not allowed (a range"),
        (["--vary", "lr=1:2", "--trials", "0"], "trials: '0' is not allowed"),
        (["--vary", "lr=1:2", "--check-seeds", "-1"], "check-seeds: -1 is not allowed (a whole number from 0 to 1000)"),
        (["--vary", "lr=1:2", "--storage", "nonsense"], "storage: 'nonsense' is not allowed (a database URL"),
        (["--vary", "lr=1:2", "--data", "digits", "--loss", "mse"], "data: 'digits' is real-valued: a sweep counts"),
    ],
)
def test_other_bad_search_input_is_one_line(cli, args, message):
    status, out, err = cli(["search", "--preset", "8-3-8", "--check-seeds", "3", *args])
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and message in err, err


def test_a_size_without_preset_starts_from_the_nearest_recipe_and_needs_both(cli):
    status, _, err = cli(["search", "--width", "128", "--vary", "lr=1:2"])
    assert status == 2 and "give --preset P, or --width N and --hidden k" in err
    from aelab.cli.__init__ import build_parser
    from aelab.cli.search import plan_from

    args = build_parser().parse_args(["search", "--width", "100", "--hidden", "7", "--lr", "9", "--vary", "noise=0:1"])
    config = plan_from(args).config
    assert (config.width, config.hidden, config.lr) == (100, 7, 9.0)
    assert config.restart_after == preset_config("128-7-128").restart_after  # the nearest tuned size's recipe


def test_one_seed_more_beats_any_speed_up():
    def result(solved: list[int | None]) -> SweepResult:
        return SweepResult(TINY, list(range(len(solved))), solved, solved, [False] * len(solved), [8] * len(solved), 0)

    assert score(result([300, 300, None])) > score(result([1, None, None]))
    assert score(result([10, 20, None])) > score(result([200, 200, None])) > score(result([None, None, None])) == 0


def test_an_int_setting_is_searched_in_whole_numbers(tmp_path):
    space = parse_space(["restart_after=50:200"])
    result = run_search(replace(plan(f"sqlite:///{tmp_path / 's.db'}", 3, check_seeds=[]), space=space))
    assert all(isinstance(row["settings"]["restart_after"], int) for row in result.trials)
    assert Dimension("restart_after", 50, 200).spec == "restart_after=50:200"


def test_without_optuna_the_library_imports_and_the_search_says_what_to_install(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna now raises ImportError
    with pytest.raises(SearchUnavailableError, match=r"pip install 'aelab\[search\]'"):
        require_optuna()
    status, out, err = cli(["search", "--preset", "8-3-8", "--vary", "lr=1:2", "--storage", "sqlite://"])
    assert status == 2 and out == "" and "search needs Optuna" in err and len(err.splitlines()) == 1


def test_nothing_but_a_search_needs_optuna():
    """A fresh interpreter where optuna and SQLAlchemy cannot be imported: the CLI and the library load,
    `sweep` runs, and `search` says what to install (the page's install has no optuna)."""
    script = (
        "import sys; sys.modules['optuna'] = sys.modules['sqlalchemy'] = None\n"
        "from aelab.cli import main\n"
        "assert main(['sweep', '--preset', '8-3-8', '--seeds', '2', '--epochs', '5']) == 0\n"
        "sys.exit(main(['search', '--preset', '8-3-8', '--vary', 'lr=1:2']))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: search needs Optuna, which is not installed: pip install 'aelab[search]' (or pip install optuna)"
    ]


def test_ctrl_c_ends_the_search_and_the_trial_it_cut_short_waits_in_the_study(tmp_path):
    storage = f"sqlite:///{tmp_path / 's.db'}"
    slow = ["--preset", "8-3-8", "--epochs", "20000", "--lr", "0.01", "--seeds", "50", "--check-seeds", "0"]
    args = ["search", "--json", *slow, "--vary", "lr=0.001:0.01:log", "--trials", "3", "--storage", storage]
    process = start(args)
    deadline = time.monotonic() + 60
    while not stored_trials_or_none(storage) and time.monotonic() < deadline:  # the first trial has begun
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    payload = json.loads(out)
    assert payload["stopped"] is True and "Traceback" not in err
    trials = stored_trials(storage)
    cut_short = [t for t in trials if t.state == optuna.trial.TrialState.PRUNED]
    waiting = [t for t in trials if t.state == optuna.trial.TrialState.WAITING]
    assert len(cut_short) == len(waiting) == 1  # the cut-short trial waits for the next run, settings and all
    assert waiting[0].system_attrs["fixed_params"] == cut_short[0].params and len(payload["trials"]) == len(
        complete(trials)
    )


def stored_trials_or_none(storage: str) -> list:
    try:
        return [t for t in stored_trials(storage) if t.state == optuna.trial.TrialState.RUNNING]
    except Exception:  # the study is not made yet
        return []


def start(args: list[str]) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen([sys.executable, "-m", "aelab", *args], cwd=ROOT, env=environment, text=True, **pipes)
