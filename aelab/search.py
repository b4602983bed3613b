"""Recipe search: Optuna trials, each a seed sweep (aelab.sweep), kept in a database.

A study lives in Optuna's RDB storage (a SQLite file by default; PostgreSQL or MySQL for workers
on many machines), so a search that is run again, interrupted or finished, only adds the trials it
still lacks, and any number of workers can share one study. Each trial sweeps the tuning seeds with
the settings the sampler proposes; its score is the number of seeds solved (distinct codes), plus
a fraction below 1 for speed, so one seed more always beats any speed-up. The best recipe is then
measured again on `check_seeds`, a range the search never trained on.

Optuna is an optional extra (`aelab[search]`): it is imported when a search starts, not before.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from aelab.allowance import Allowance
from aelab.config import Config, ConfigError
from aelab.formats import diagnosis_json, sweep_figures
from aelab.results import SweepResult
from aelab.search_space import Dimension
from aelab.sweep import check_sweepable, sweep

DEFAULT_STORAGE = "sqlite:///aelab-search.db"
FIGURES = ("solved_rate", "output_solved_rate", "median_solved_epoch", "p90_solved_epoch", "seconds", "failures")


class SearchUnavailableError(RuntimeError):
    """Optuna is not installed."""


def require_optuna():  # -> the optuna module
    try:
        import optuna
    except ImportError:
        raise SearchUnavailableError(
            "search needs Optuna, which is not installed: pip install 'aelab[search]' (or pip install optuna)"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the CLI prints its own line per trial
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


@dataclass(frozen=True)
class SearchPlan:
    """What one search is: the base recipe, what varies, the seeds it tunes and checks on, where it is kept."""

    config: Config  # every setting the search does not vary; epochs: each trial's limit
    space: tuple[Dimension, ...]
    seeds: list[int]  # each trial sweeps these
    trials: int  # the trials the study holds, complete, when the search is done
    check_seeds: list[int] = field(default_factory=list)  # the best recipe measured again here (none: skipped)
    storage: str = DEFAULT_STORAGE
    study: str = ""  # default: the size, e.g. "128-7-128"

    def __post_init__(self) -> None:
        check_sweepable(self.config)  # a trial counts solved seeds: binary targets only
        if not self.study:
            object.__setattr__(self, "study", f"{self.config.width}-{self.config.hidden}-{self.config.width}")
        shared = sorted(set(self.seeds) & set(self.check_seeds))
        if shared:
            first, last = self.seeds[0], self.seeds[-1]
            raise ConfigError(
                "check-first-seed", self.check_seeds[0], f"a range without the tuning seeds {first}..{last}"
            )

    def record(self) -> dict:
        """What a study was made with; a rerun must match it (Optuna would mix other trials in silently)."""
        varied = {dimension.name for dimension in self.space}
        base = {name: value for name, value in self.config.to_dict().items() if name not in varied}
        return {"config": base, "space": [dimension.spec for dimension in self.space], "seeds": self.seeds}

    def trial_config(self, settings: dict[str, object]) -> Config:
        return dataclasses.replace(self.config, **settings)


@dataclass(frozen=True)
class SearchResult:
    plan: SearchPlan
    trials: list[dict]  # every complete trial: number, settings, score, FIGURES, worker
    ran_here: list[int]  # the numbers of the trials this process ran
    best: dict | None  # the best trial, and `check`: its sweep on the check seeds (None: not measured)
    stopped: bool  # a Ctrl-C or SIGTERM ended it before every trial (or the check) was done


def score(result: SweepResult) -> float:
    """Seeds solved, plus 1 - median solved epoch / epochs (in [0, 1)) when any was: solved rate first, then speed."""
    solved = sum(epoch is not None for epoch in result.solved_epoch)
    if not solved:
        return 0.0
    return solved + 1.0 - result.median_solved_epoch / (result.config.epochs + 1)


def figures(result: SweepResult) -> dict:
    """A sweep's figures as `sweep --json` and `grid --json` name them, its seconds, and its `failures`."""
    return {**sweep_figures(result), "seconds": result.seconds, "failures": diagnosis_json(result)["failures"]}


RAN_BY = "search_call"  # a trial's user attribute: which run_search call ran it (SearchResult.ran_here)


def run_search(
    plan: SearchPlan,
    allowance: Allowance | None = None,
    on_trial: Callable[[dict], None] | None = None,
) -> SearchResult:
    """Add the trials the study lacks (plan.trials complete in all), then check the best on plan.check_seeds.

    `allowance` stops it gently (a Ctrl-C): the trial it cut short is not counted, and waits in the study
    to be run first, with the same settings, by the next search."""
    optuna = require_optuna()
    study = open_study(plan)
    this_call = uuid.uuid4().hex  # marks the trials this call ran, read back from the study below
    stopped = False

    def objective(trial) -> float:
        nonlocal stopped
        settings = {dimension.name: dimension.suggest(trial) for dimension in plan.space}
        result = sweep(plan.trial_config(settings), plan.seeds, allowance=allowance)
        if result.stopped:
            stopped = True
            trial.study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
            trial.study.stop()
            raise optuna.TrialPruned("interrupted: waits in the study to be run again")
        for name, value in {**figures(result), "worker": worker(), RAN_BY: this_call}.items():
            trial.set_user_attr(name, value)
        return score(result)

    def report(study, trial) -> None:
        if on_trial is not None and trial.state == optuna.trial.TrialState.COMPLETE:
            on_trial(trial_row(trial))

    missing = plan.trials - len(complete_trials(study))
    if missing > 0:
        done = optuna.study.MaxTrialsCallback(plan.trials, states=(optuna.trial.TrialState.COMPLETE,))
        study.optimize(objective, n_trials=missing, callbacks=[done, report], gc_after_trial=False)
    complete = complete_trials(study)
    trials = [trial_row(trial) for trial in complete]
    # The numbers the study holds: with two workers on one SQLite file, the number a trial had in memory
    # while it ran was seen to differ from the one stored
    ran_here = [trial.number for trial in complete if trial.user_attrs.get(RAN_BY) == this_call]
    best = max(trials, key=lambda row: row["score"], default=None)
    if best is not None and plan.check_seeds and not stopped:
        best = {**best, "check": check_best(study, plan, best, allowance)}
        stopped = best["check"] is None
    return SearchResult(plan, trials, ran_here, best, stopped)


def check_best(study, plan: SearchPlan, best: dict, allowance: Allowance | None) -> dict | None:
    """The best trial's sweep on the check seeds, kept in the study so a rerun does not measure it again."""
    key = f"check {best['number']} seeds {plan.check_seeds[0]}..{plan.check_seeds[-1]}"
    if key not in study.user_attrs:
        result = sweep(plan.trial_config(best["settings"]), plan.check_seeds, allowance=allowance)
        if result.stopped:
            return None
        study.set_user_attr(key, {"seeds": [plan.check_seeds[0], plan.check_seeds[-1]], **figures(result)})
    return study.user_attrs[key]


def open_study(plan: SearchPlan):
    """The plan's study in its storage, made if new; a ConfigError if it was made with another plan."""
    optuna = require_optuna()
    storage = _storage(optuna, plan.storage)
    study = optuna.create_study(storage=storage, study_name=plan.study, direction="maximize", load_if_exists=True)
    record = plan.record()
    if "aelab" not in study.user_attrs:
        study.set_user_attr("aelab", record)  # two workers starting at once write the same record
        start = {dimension.name: getattr(plan.config, dimension.name) for dimension in plan.space}
        if all(dimension.holds(start[dimension.name]) for dimension in plan.space):
            study.enqueue_trial(start, skip_if_exists=True)  # the first trial measures the base recipe itself
    elif study.user_attrs["aelab"] != record:
        made = study.user_attrs["aelab"]
        differs = ", ".join(key for key in record if made.get(key) != record[key])
        raise ConfigError("study", plan.study, f"it was made with other {differs}: name a new one with --study")
    return study


def _storage(optuna, url: str, tries: int = 5):
    """Optuna's RDBStorage on `url`. Workers that start together race to make the tables: the loser's
    CREATE TABLE (or schema version row) fails, and its next try finds them made."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    for attempt in range(tries):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=_engine_kwargs(url))
        except (ArgumentError, ImportError, ValueError) as error:  # not a database URL, or its driver is not installed
            raise ConfigError("storage", url, f"a database URL whose driver is installed ({error})") from None
        except DBAPIError:  # CREATE TABLE or the schema version row: the other worker was first
            if attempt == tries - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _engine_kwargs(url: str) -> dict:
    """SQLite: wait for another worker's write (up to 60 s) instead of failing with 'database is locked'."""
    return {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}


def complete_trials(study) -> list:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def trial_row(trial) -> dict:
    attrs = trial.user_attrs
    row = {"number": trial.number, "settings": dict(trial.params), "score": trial.value}
    return {**row, **{name: attrs.get(name) for name in (*FIGURES, "worker")}}


def worker() -> str:
    """Which process ran a trial: host and process id (many workers, many machines)."""
    return f"{socket.gethostname()}:{os.getpid()}"
