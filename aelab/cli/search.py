"""`search`: look for a recipe with Optuna; each trial is a seed sweep, the study is kept in a database."""

from __future__ import annotations

import argparse
import json
from functools import partial

from aelab import formats
from aelab.backends import check_available
from aelab.cli.common import (
    StopOnInterrupt,
    add_settings,
    config_from,
    given_settings,
    interruptible,
    refuse,
    whole_number,
)
from aelab.config import Config, ConfigError
from aelab.presets import recipe_for, with_recipe
from aelab.search import DEFAULT_STORAGE, SearchPlan, SearchResult, SearchUnavailableError, open_study, run_search
from aelab.search_space import SPEC_FORM, parse_space
from aelab.sweep import MAX_SWEEP_SEEDS, seed_range

HELP = "search for a recipe: Optuna trials, each a seed sweep, kept in a database (needs aelab[search])"
FIRST_TUNING_SEED = 10000  # the presets' recipes were chosen on seeds 10000..; their evidence is on 0.. and 1000..


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vary", action="append", default=[], metavar="SPEC", help=f"repeatable: {SPEC_FORM}")
    parser.add_argument("--trials", default="20", help="trials the study holds when done (default: 20)")
    parser.add_argument("--seeds", default="8", help=f"tuning seeds per trial (1..{MAX_SWEEP_SEEDS}; default: 8)")
    parser.add_argument("--first-seed", default=str(FIRST_TUNING_SEED), help="the first tuning seed (default: 10000)")
    parser.add_argument("--check-seeds", default="100", help="held-out seeds for the best recipe (0: none; 100)")
    parser.add_argument("--check-first-seed", default="0", help="the first held-out seed (default: 0)")
    parser.add_argument("--storage", default=DEFAULT_STORAGE, help=f"an Optuna RDB URL (default: {DEFAULT_STORAGE})")
    parser.add_argument("--study", default="", help="the study's name (default: the size, e.g. 128-7-128)")
    add_settings(parser, skip=("seed",))


def run(args: argparse.Namespace) -> int:
    try:
        plan = plan_from(args)
        check_available(plan.config)
        open_study(plan)  # Optuna there, the storage reachable, the study this plan's: or one line now
    except (ConfigError, SearchUnavailableError) as error:
        return refuse(error)
    return interruptible(partial(search_and_report, plan, args.json))


def plan_from(args: argparse.Namespace) -> SearchPlan:
    if args.preset is None and (args.width is None or args.hidden is None):
        raise ConfigError("preset", None, "give --preset P, or --width N and --hidden k")
    config = config_from(args)
    if args.preset is None:  # a hand-set size starts from the nearest tuned size's recipe, as the page offers
        config = Config.from_strings(
            given_settings(args), base=with_recipe(config, recipe_for(config.width, config.hidden))
        )
    check = held_out_seeds(whole_number("check-seeds", args.check_seeds), args.check_first_seed)
    trials = whole_number("trials", args.trials)
    if trials < 1:
        raise ConfigError("trials", args.trials, "a whole number from 1")
    return SearchPlan(
        config=config,
        space=parse_space(args.vary),
        seeds=seed_range(whole_number("seeds", args.seeds), whole_number("first-seed", args.first_seed)),
        trials=trials,
        check_seeds=check,
        storage=args.storage,
        study=args.study,
    )


def held_out_seeds(count: int, first: str) -> list[int]:
    """--check-seeds and --check-first-seed: seed_range's rule, its errors named as these options."""
    if count == 0:
        return []
    try:
        return seed_range(count, whole_number("check-first-seed", first))
    except ConfigError as error:
        raise ConfigError(f"check-{error.field}", error.value, error.allowed.replace("1 to", "0 to", 1)) from None


def search_and_report(plan: SearchPlan, as_json: bool) -> int:
    with StopOnInterrupt() as interrupt:
        if not as_json:
            print(header(plan), flush=True)
        on_trial = None if as_json else (lambda row: print(trial_line(row, len(plan.seeds)), flush=True))
        result = run_search(plan, interrupt.allowance(), on_trial)
        print(json.dumps(formats.search_json(result)) if as_json else summary(result))
    return interrupt.status


def header(plan: SearchPlan) -> str:
    space = " ".join(dimension.spec for dimension in plan.space)
    seeds = f"seeds {plan.seeds[0]}..{plan.seeds[-1]}"
    return f"study {plan.study} ({plan.trials} trials, {seeds}, up to {plan.config.epochs} epochs): {space}"


def trial_line(row: dict, seeds: int) -> str:
    """One trial, e.g. 'trial 3: lr=8.21 weight_decay=0.00031 · solved 7 of 8, median epoch 4,200 (12.3 s)'."""
    settings = " ".join(f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"
                        for name, value in row["settings"].items())  # fmt: skip
    return f"trial {row['number']}: {settings} · {figures_text(row, seeds)}"


def figures_text(figures: dict, seeds: int) -> str:
    solved = round(figures["solved_rate"] * seeds)
    median = figures["median_solved_epoch"]
    speed = "" if median is None else f", median epoch {median:,.0f}, p90 {figures['p90_solved_epoch']:,.0f}"
    return f"solved {solved} of {seeds}{speed} ({figures['seconds']:.1f} s)"


def summary(result: SearchResult) -> str:
    plan, best = result.plan, result.best
    lines = [f"{len(result.trials)} complete trials in study {plan.study}" + (" (stopped)" if result.stopped else "")]
    if best is None:
        return lines[0]
    lines.append(trial_line(best, len(plan.seeds)).replace("trial", "best: trial", 1))
    check = best.get("check")
    if check is not None:
        first, last = check["seeds"]
        lines.append(f"on held-out seeds {first}..{last}: {figures_text(check, last - first + 1)}")
    return "\n".join(lines)
