"""Saved runs mutated at random (hypothesis): every case is refused with one line, or loads into a run
that goes on training and is written and read back again -- never a traceback, never a warning."""

from __future__ import annotations

import copy
import importlib.util
import json
import warnings
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aelab import Config, formats
from aelab.charts.curves import history_frame, solved_frame
from aelab.run_file import RunFileError, load_trainer, resume_section
from aelab.train import Trainer

SMALL = Config(width=4, hidden=2, activation="tanh", loss="mse", init_scale=0.5, epochs=6, seed=5)
# Small nets whose saved state covers every kind of field: each optimiser's state, noise and pattern-order
# generators, restarts, a change of settings while paused, a diverged seed, float32 and float64.
RECIPES = {
    "adam_noise_minibatch": replace(SMALL, optimizer="adam", lr=0.05, noise=0.3, batch_size=3),
    "rprop_restarts": replace(SMALL, optimizer="rprop", lr=0.01, restart_after=2, dtype="float64"),
    "quickprop": replace(SMALL, optimizer="quickprop", lr=1.0, weight_decay=1e-4, dtype="float64"),
    "momentum_changed": replace(SMALL, optimizer="momentum", lr=0.5),
    "diverged": replace(SMALL, activation="linear", loss="softmax_ce", lr=100.0, init_scale=1.0, epochs=12),
}
if importlib.util.find_spec("torch") is not None:  # torch names its state otherwise; Adam with restarts per seed
    RECIPES["torch_adam_restarts"] = replace(SMALL, backend="torch", optimizer="adam", lr=0.05, restart_after=2)
    RECIPES["torch_rprop"] = replace(SMALL, backend="torch", optimizer="rprop", lr=0.01, dtype="float64")
SPECIAL_NUMBERS = [2**64, 2**70, 2**128, 2**200, -1, 0, 1, 10**30, -(2**63) - 1, 1e39, -1e39, 1.7e308, 1e-320, 0.5]


@cache
def saved_runs() -> list[str]:
    """The runs above saved as `train --json` saves them (built once: hypothesis calls the test 1000 times)."""
    documents = []
    for name, config in RECIPES.items():
        trainer = Trainer(config, [config.seed], keep_snapshots=True)
        trainer.run(3)
        if name == "momentum_changed":
            trainer.change(replace(trainer.config, lr=0.2, loss="bce"))
        result = trainer.run(config.epochs - 3)
        documents.append(formats.run_json(result.run(0)) | {"resume": resume_section(trainer)})
    assert documents[list(RECIPES).index("diverged")]["diverged"], "the diverged recipe must diverge"
    return [json.dumps(document, allow_nan=False) for document in documents]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(SPECIAL_NUMBERS)
    | st.text(max_size=6),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def children(node: object) -> list:
    return list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []


def mutate(draw, section: dict) -> None:
    """One change somewhere in `section`: walk down a random path (as deep as hypothesis likes) and
    replace, tweak, retype, delete, add, wrap, resize or reshape what is there."""
    parent, key, node = None, None, section
    while children(node) and (parent is None or draw(st.booleans())):
        parent, key = node, draw(st.sampled_from(children(node)))
        node = parent[key]
    operation = draw(st.sampled_from(["replace", "tweak", "retype", "delete", "add", "wrap", "resize", "reshape"]))
    if parent is None or (operation == "delete" and isinstance(parent, list) and not parent):
        operation = "add"
    if operation == "replace":
        parent[key] = draw(json_values)
    elif operation == "tweak" and type(node) in (int, float):
        change = draw(st.sampled_from(["add", "times", "negate"]))
        amount = draw(st.sampled_from([1, -1, 2, 0.5, 1e3, 1e38, 2**63]))
        parent[key] = node + amount if change == "add" else node * amount if change == "times" else -node
    elif operation == "retype":
        parent[key] = draw(st.sampled_from([str(node), [node], {"value": node}, bool(node), None]))
    elif operation == "delete":
        del parent[key]
    elif operation == "add":
        target = node if isinstance(node, dict | list) else parent
        value = draw(json_values)
        if isinstance(target, dict):
            target[draw(st.text(max_size=8))] = value
        elif isinstance(target, list):
            target.append(copy.deepcopy(target[-1]) if target and draw(st.booleans()) else value)
    elif operation == "wrap":
        parent[key] = [node]
    elif operation == "resize" and isinstance(node, list):
        parent[key] = node[: draw(st.integers(0, len(node)))] if draw(st.booleans()) else node + node
    elif operation == "reshape" and isinstance(node, dict) and isinstance(node.get("shape"), list):
        # another shape, with as many values as it asks for where that is small (else as they were)
        shape = draw(st.lists(st.sampled_from([0, 1, 2, 3, 4, 10**30, -1]), max_size=4))
        node["shape"] = shape
        size = 1
        for n in shape:
            size *= n
        if 0 <= size <= 100 and isinstance(node.get("values"), list):
            node["values"] = (node["values"] * (size + 1))[:size]


@settings(max_examples=1000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_saved_run_is_refused_in_one_line_or_continues(data):
    document = json.loads(data.draw(st.sampled_from(saved_runs())))
    for _ in range(data.draw(st.integers(1, 3))):
        mutate(data.draw, document["resume"])
    text = json.dumps(document)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning fails the case as an exception would
        try:
            trainer = load_trainer(text)
        except RunFileError as error:
            assert str(error) and "\n" not in str(error)
            return
        epoch = trainer.epoch
        result = trainer.run(2)  # Continue
        assert trainer.epoch in (epoch, epoch + 2)  # (a run whose every seed diverged trains no more)
        run = result.run(0)
        history_frame([("run", run)]), solved_frame([("run", run)])  # the curves, and their markers (changes)
        saved = json.dumps(formats.run_json(run) | {"resume": resume_section(trainer)}, allow_nan=False)
        assert load_trainer(saved).epoch == trainer.epoch  # what aelab writes, it reads back


@pytest.mark.parametrize("index", range(len(RECIPES)))
def test_every_unmutated_saved_run_loads_and_continues(index):
    """The fuzz test's starting points are valid: without them it would test only refusals."""
    text = saved_runs()[index]
    document, trainer = json.loads(text), load_trainer(text)
    assert trainer.epoch == document["resume"]["epoch"] and trainer.config == Config(**document["resume"]["config"])
    trainer.run(2)
