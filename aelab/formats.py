"""Results in machine formats: the CLI's JSON, and the page's downloads (JSON, CSV, npz).

Human-readable text is aelab.report's job; this module writes what other
programs read back.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aelab.bench import BENCH, BenchEntry
from aelab.bench_run import BenchResult
from aelab.code_groups import code_classes
from aelab.grid import GridResult
from aelab.probe import CornerTable
from aelab.results import METRICS, RunResult, SweepResult
from aelab.weights import Weights

if TYPE_CHECKING:  # aelab.search stores its trials' figures with this module's helpers
    from aelab.search import SearchResult


def run_json(result: RunResult) -> dict:
    """The CLI's `train --json` object."""
    report = result.code_report()
    return {
        "config": result.config.to_dict(),
        "history": {name: json_list(values) for name, values in result.history.items()},
        "final": {
            "loss": json_number(result.history["loss"][-1]),
            "accuracy": json_number(result.history["accuracy"][-1]),
            "outputs": json_list(result.outputs),
            "hidden": json_list(result.activations),
            "codes": report.codes,
            "distinct_codes": report.distinct,
        },
        "output_solved_epoch": result.output_solved_epoch,
        "solved_epoch": result.solved_epoch,
        **{name: _json_value(value) for name, value in result.reconstruction().items()},
        "diverged": result.diverged,
        "restarts": result.restarts,
        "stopped": result.stopped,
        "train_seconds": json_number(result.train_seconds),
        "weights": {"initial": _json_weights(result.initial), "final": _json_weights(result.final)},
    }


def sweep_json(result: SweepResult) -> dict:
    """The CLI's `sweep --json` object."""
    return {
        "config": result.config.to_dict(),
        "seeds": result.seeds,
        "output_solved_epoch": result.output_solved_epoch,
        "solved_epoch": result.solved_epoch,
        **sweep_figures(result),
        "diverged": result.diverged,
        "stopped": result.stopped,
        "seconds": json_number(result.seconds),
        **diagnosis_json(result),
    }


def sweep_figures(result: SweepResult) -> dict:
    """A sweep's summary figures, as `sweep --json` and each cell of `grid --json` name them."""
    return {
        "output_solved_rate": result.output_solved_rate,
        "solved_rate": result.solved_rate,
        "median_solved_epoch": result.median_solved_epoch,
        "p90_solved_epoch": result.p90_solved_epoch,
    }


def grid_json(result: GridResult) -> dict:
    """The CLI's `grid --json` object: each cell's varied `settings`, its sweep figures and `failures`
    (as `sweep --json` has them), the per-seed solved epochs, and whether the grid was `stopped`."""
    return {
        "config": result.base.to_dict(),
        "vary": {item.name: list(item.values) for item in result.varied},
        "seeds": result.seeds,
        "cells": [
            {
                "settings": cell.settings,
                **sweep_figures(sweep),
                "failures": diagnosis_json(sweep)["failures"],
                "solved_epoch": sweep.solved_epoch,
                "output_solved_epoch": sweep.output_solved_epoch,
            }
            for cell, sweep in zip(result.cells, result.sweeps, strict=True)
        ],
        "stopped": result.stopped,
        "seconds": json_number(result.seconds),
    }


def grid_frame(result: GridResult) -> pd.DataFrame:
    """One row per cell: the varied settings, then the sweep figures (None: no seed solved) and seed count."""
    rows = [
        {**cell.settings, **sweep_figures(sweep), "seeds": len(sweep.seeds)}
        for cell, sweep in zip(result.cells, result.sweeps, strict=True)
    ]
    return pd.DataFrame(rows)


def grid_csv(result: GridResult) -> str:
    return grid_frame(result).to_csv(index=False, lineterminator="\n")


def diagnosis_json(result: SweepResult) -> dict:
    """`failures`: each cause's count and each unsolved seed's cause and detail; `code_groups`: the solved
    seeds' codes grouped up to unit order and complement (`possible`: how many groups there can be).
    Both null for a live summary, which has no diagnosis."""
    if not result.diagnosed:
        return {"failures": None, "code_groups": None}
    unsolved = [(seed, failure) for seed, failure in zip(result.seeds, result.failures, strict=True) if failure]
    return {
        "failures": {
            "counts": result.cause_counts(),
            "seeds": [{"seed": seed, "cause": f.cause, "detail": f.detail} for seed, f in unsolved],
        },
        "code_groups": {
            "possible": code_classes(result.config.pattern_count, result.config.hidden),
            "groups": [{"code": g.code, "count": len(g.seeds), "seeds": g.seeds} for g in result.code_groups],
            "ungrouped": result.ungrouped_seeds(),  # solved, but the final code was no longer distinct
        },
    }


def corners_json(table: CornerTable) -> list[dict]:
    """`train --corners --json`: each corner, what 40-20-40 reads it as (null: no pattern, and then why),
    who sits there."""
    return [
        {"bits": bits, "hidden": hidden.tolist(), "counts_as": None if pattern < 0 else int(pattern),
         "argmax": int(top), "used_by": used, "why_no_pattern": why or None}
        for bits, hidden, pattern, top, used, why in zip(
            table.bits, table.hidden, table.counts_as, table.argmax, table.used_by, table.why_none, strict=True
        )
    ]  # fmt: skip


def config_json(result: RunResult) -> str:
    return json.dumps(result.config.to_dict(), indent=2) + "\n"


def history_csv(result: RunResult) -> str:
    """One row per history entry: epoch, loss, accuracy, bits_correct, distinct_codes."""
    frame = pd.DataFrame({name: result.history[name] for name in ("epoch", *METRICS)})
    return frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def weights_npz(result: RunResult) -> bytes:
    """Initial and final W1, b1, W2, b2, e.g. `W1_final`; np.load reads it back."""
    arrays = {f"{name}_initial": value for name, value in result.initial._asdict().items()}
    arrays |= {f"{name}_final": value for name, value in result.final._asdict().items()}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _json_weights(weights: Weights) -> dict[str, list]:
    return {name: json_list(array) for name, array in weights._asdict().items()}


def _json_value(value: float | list | None) -> float | list | None:
    return json_list(np.asarray(value)) if isinstance(value, list) else json_number(value)


def json_number(value: float | None) -> float | None:
    """A number as JSON holds it: NaN and the infinities (which JSON has not) as null, like None."""
    return None if value is None or not math.isfinite(value) else float(value)


def json_list(array: np.ndarray) -> list:
    """Nested lists of Python numbers, non-finite values as None (JSON has no NaN)."""
    array = np.asarray(array)
    if array.dtype.kind in "iub":
        return array.tolist()
    values = array.astype(object)
    values[~np.isfinite(array)] = None
    return values.tolist()


def bench_json(results: list[BenchResult], planned: Sequence[str] | None = None) -> dict:
    """The CLI's `bench --json` object: `stopped` (true when a stop ended the bench before it was
    through) and one entry per planned experiment (`planned`: BENCH names; by default those run), with
    its `status`: "done", "stopped" (its figures count the epochs it got), or "not run" (the stop came
    first: its figures are null)."""
    ran = {result.entry.name: result for result in results}
    names = list(ran) if planned is None else list(planned)
    stopped = any(result.stopped for result in results) or not set(names) <= set(ran)
    return {"stopped": stopped, "entries": [bench_entry_json(BENCH[name], ran.get(name)) for name in names]}


def bench_entry_json(entry: BenchEntry, result: BenchResult | None) -> dict:
    """One experiment: what it is, and what running it gave (null where it did not run)."""
    described = {
        "name": entry.name,
        "problem": entry.problem,
        "method": entry.method,
        "criterion": entry.criterion,
        "loss_below": entry.threshold() if entry.criterion == "loss" else None,
        "reference_epochs": entry.reference_epochs,
        "source": entry.source,
        "note": entry.note,
        "verified": entry.verified,
        "locator": entry.locator,
        "config": entry.config.to_dict(),
    }
    if result is None:
        return described | {"status": "not run"} | dict.fromkeys(_BENCH_FIGURES)
    figures = {
        "seeds": len(result.seeds),
        "first_seed": result.seeds[0],
        "success_rate": result.success_rate,
        **{f"{name}_epochs": json_number(result.statistic(name)) for name in ("median", "mean", "std", "p10", "p90")},
        "median_over_reference": json_number(result.ratio),
        "epochs": result.epochs,
        "diverged": sum(result.diverged),
        "stopped": result.stopped,
        "seconds": json_number(result.seconds),
    }
    return described | {"status": "stopped" if result.stopped else "done"} | figures


# What a run entry adds to its description: null for one a stop never reached.
_BENCH_FIGURES = ("seeds", "first_seed", "success_rate", "median_epochs", "mean_epochs", "std_epochs")
_BENCH_FIGURES += ("p10_epochs", "p90_epochs", "median_over_reference", "epochs", "diverged", "stopped", "seconds")


def search_json(result: SearchResult) -> dict:
    """The CLI's `search --json` object: the study, its complete trials, the best (with its check) and `stopped`."""
    plan = result.plan
    return {
        "study": plan.study,
        "storage": masked_url(plan.storage),
        "config": plan.config.to_dict(),
        "space": [dimension.spec for dimension in plan.space],
        "seeds": [plan.seeds[0], plan.seeds[-1]],
        "trials": result.trials,
        "ran_here": result.ran_here,
        "best": result.best,
        "stopped": result.stopped,
    }


def masked_url(url: str) -> str:
    """A database URL without its password (a PostgreSQL or MySQL URL may hold one)."""
    from sqlalchemy.engine import make_url  # comes with optuna, which a search needed to get here

    return make_url(url).render_as_string(hide_password=True)
