"""Why seeds fail (aelab.diagnosis) and which codes they find (aelab.code_groups), on hand-made cases."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, SweepResult, formats, report, sweep, train_seeds
from aelab.activations import ACTIVATIONS
from aelab.backends.numpy_optim import quickprop_step
from aelab.bench import BENCH
from aelab.code_groups import canonical_code, code_classes, group_codes
from aelab.diagnosis import (
    CAUSES,
    IMPROVING_DROP,
    MIN_TREND_EPOCHS,
    Failure,
    failure_cause,
    loss_trend,
    peak_slope,
    saturated_units,
)
from aelab.presets import preset_config

TARGETS = np.eye(4)
GOOD_OUTPUTS = 0.05 + 0.9 * TARGETS  # every output passes 40-20-40
BAD_OUTPUTS = np.full((4, 4), 0.5)  # none does
EPOCHS = np.arange(101)
FLAT = 0.07 + 0.0001 * np.cos(EPOCHS)  # the best loss moves far less than IMPROVING_DROP
FALLING = np.linspace(0.2, 0.05, 101)
# tanh hidden values (P = 4, k = 2) with four distinct codes: 00, 01, 10, 11 (unit 0 first)
DISTINCT = np.array([[-0.9, -0.8], [-0.7, 0.9], [0.8, -0.9], [0.9, 0.7]])
# committed values with codes 00, 11, 10, 11: patterns 1 and 3 share code 11
SHARED = np.array([[-0.9, -0.8], [0.9, 0.9], [0.8, -0.9], [0.9, 0.7]])


def cause(loss=FLAT, activations=DISTINCT, outputs=BAD_OUTPUTS, activation="tanh", **flags):
    flags = {"diverged": False, "stopped": False} | flags
    return failure_cause(loss, EPOCHS[: len(loss)], activations, outputs, TARGETS, activation, **flags)


def test_every_cause_is_reached_by_a_hand_made_seed():
    seen = {
        "diverged": cause(diverged=True),
        "runaway": cause(diverged=True, optimizer="quickprop"),
        "saturated": cause(activations=np.array([[-0.9, 0.99], [-0.7, 0.98], [0.8, 0.99], [0.9, 0.995]])),
        "shared_code": cause(activations=SHARED),
        "still_improving": cause(loss=FALLING),
        "cut_short": cause(loss=FALLING, stopped=True),
        "plateau": cause(),
    }
    by_failure_cause = [name for name in CAUSES if name != "not_started"]  # the sweep gives that one
    assert {name: failure.cause for name, failure in seen.items()} == {name: name for name in by_failure_cause}
    assert "patterns 1 and 3 share code 11" in seen["shared_code"].detail
    assert seen["saturated"].detail == "unit 1 is saturated at 1 for every pattern"
    assert "4 of 4 codes distinct" in seen["plateau"].detail and "16 of 16 outputs fail" in seen["plateau"].detail


def test_precedence_diverged_then_saturated_then_shared_code():
    saturated_and_shared = np.array([[-0.99, 0.9], [-0.99, 0.9], [-0.98, -0.9], [-0.97, -0.8]])
    assert cause(activations=saturated_and_shared, diverged=True).cause == "diverged"
    assert cause(activations=saturated_and_shared, loss=FALLING).cause == "saturated"
    assert "unit 0 is saturated at -1" in cause(activations=saturated_and_shared).detail


def test_a_shared_code_under_solved_outputs_is_not_still_improving():
    """Once the outputs pass, the loss falls only because they sharpen: the collision is the cause."""
    failure = cause(loss=FALLING, activations=SHARED, outputs=GOOD_OUTPUTS)
    assert failure.cause == "shared_code"
    assert failure.detail == "patterns 1 and 3 share code 11; the outputs pass 40-20-40 all the same"


def test_too_few_units_for_distinct_codes_is_a_shared_code_whatever_the_loss():
    activations = np.tile([[-0.9, 0.9], [0.9, -0.9], [0.9, 0.9]], (4, 1))  # 12 patterns on 2 units
    failure = failure_cause(
        FALLING, EPOCHS, activations, np.full((12, 12), 0.5), np.eye(12), "tanh", diverged=False, stopped=False
    )
    assert failure == ("shared_code", "2 units give at most 4 codes for 12 patterns")


def test_a_detail_names_at_most_a_few_patterns():
    codes = np.where(np.arange(20)[:, None] < 12, 0.9, -0.9) * np.ones((20, 5))  # 12 patterns on 11111, 8 on 00000
    detail = failure_cause(
        FALLING, EPOCHS, codes, 0.05 + 0.9 * np.eye(20), np.eye(20), "tanh", diverged=False, stopped=False
    ).detail
    assert detail.startswith("12 patterns (0, 1, 2, 3, 4, 5, 6, 7, ...) share code 11111, patterns 12, 13, ")
    assert "and 19 share code 00000" in detail
    everything = failure_cause(
        FLAT, EPOCHS, np.full((4, 2), 0.5), BAD_OUTPUTS, TARGETS, "tanh", diverged=False, stopped=False
    )
    assert everything.detail.startswith("all 4 patterns share code 11")


def test_uncommitted_shared_code_on_a_flat_loss_is_a_plateau():
    """Sigmoid's flat start: every hidden value near 0.5-0.7, so most patterns read the same code."""
    near_threshold = np.array([[0.55, 0.6], [0.6, 0.58], [0.52, 0.45], [0.57, 0.62]])
    failure = cause(activations=near_threshold, activation="sigmoid")
    assert failure.cause == "plateau"
    assert "2 of 4 codes distinct" in failure.detail


def test_a_stopped_sweep_never_says_ran_out_of_epochs():
    for loss in (FALLING, FALLING[: MIN_TREND_EPOCHS - 1]):
        assert cause(loss=loss, stopped=True).cause == "cut_short"
        assert cause(loss=loss).cause == "still_improving"


@pytest.mark.parametrize(
    ("activation", "values", "expected"),
    [
        ("sigmoid", [0.99, 0.98, 0.995, 0.999], "saturated at 1"),
        ("sigmoid", [0.01, 0.02, 0.005, 0.0], "saturated at 0"),
        ("tanh", [-0.97, -0.99, -0.96, -1.0], "saturated at -1"),
        ("relu", [0.0, 0.0, 0.0, 0.0], "dead: at or below 0"),
        ("leaky_relu", [-0.02, -0.3, -0.01, -1.0], "dead: at or below 0"),
    ],
)
def test_dead_or_saturated_units(activation, values, expected):
    activations = np.column_stack([[0.9, -0.9, 0.9, -0.9] if activation == "tanh" else [0.9, 0.1, 0.9, 0.1], values])
    assert saturated_units(activations, activation) == [1]
    assert f"unit 1 is {expected} for every pattern" == cause(activations=activations, activation=activation).detail


@pytest.mark.parametrize(
    ("activation", "values"),
    [
        ("tanh", [0.99, -0.99, 0.99, -0.99]),  # a perfectly binary unit: flat ends, but it tells patterns apart
        ("tanh", [0.3, 0.5, 0.2, 0.4]),  # one bit for every pattern, but on the steep part: it can still learn
        ("sigmoid", [0.9, 0.95, 0.92, 0.93]),
        ("relu", [5.0, 6.0, 0.1, 2.0]),  # active for every pattern: slope 1
        ("linear", [-8.0, -9.0, -7.0, -8.5]),  # linear has no flat part
    ],
)
def test_units_that_are_not_dead_or_saturated(activation, values):
    activations = np.column_stack([[0.9, -0.9, 0.9, -0.9], values])
    assert 1 not in saturated_units(activations, activation)


def test_slopes_read_with_h_for_z_are_the_true_slopes():
    """saturated_units passes h where the slope wants z: exact only while every activation keeps z's sign."""
    z = np.linspace(-6, 6, 1201)
    for name, entry in ACTIVATIONS.items():
        h = entry.numpy(z)
        np.testing.assert_allclose(entry.slope(h, h), entry.slope(z, h), err_msg=name)
    assert peak_slope("sigmoid") == pytest.approx(0.25) and peak_slope("tanh") == pytest.approx(1.0)


def test_loss_trend_reads_the_best_loss_over_the_last_quarter_of_the_attempt():
    """Thinned epochs, a NaN tail and an oscillating loss whose best still falls."""
    epochs = np.array([0, 10, 20, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400, 420, 440])
    loss = 1.0 / (1.0 + epochs / 100) * (1 + 0.3 * (np.arange(len(epochs)) % 2))  # every other entry 30% higher
    loss[-2:] = np.nan  # not measured: the seed's history ended at 400
    trend = loss_trend(loss, epochs)
    best_before = loss[epochs <= 400 - 0.25 * 400].min()
    assert trend.drop == pytest.approx((best_before - np.nanmin(loss)) / best_before)
    assert trend.drop > IMPROVING_DROP
    assert "(300-400)" in trend.detail


def test_only_the_last_attempt_counts_after_a_restart():
    loss = np.concatenate([np.linspace(1.0, 0.2, 80), np.full(21, 0.25)])  # fell in attempt 1, flat in attempt 2
    assert cause(loss=loss).cause == "still_improving"  # read over the whole history the best loss fell
    assert cause(loss=loss, attempt_start=80).cause == "plateau"


def test_canonical_code_ignores_unit_order_and_complements():
    rng = np.random.default_rng(0)
    bits = np.array(list(itertools.product([0, 1], repeat=3)), dtype=bool)[rng.permutation(8)]  # an 8-3-8 code
    copy = ~bits[:, [2, 0, 1]]  # units reordered, and every unit complemented
    copy[:, 1] = ~copy[:, 1]  # ... then one of them flipped back
    assert not np.array_equal(copy, bits)
    np.testing.assert_array_equal(canonical_code(copy), canonical_code(bits))
    assert not canonical_code(bits)[0].any()  # pattern 0 reads 000
    other = bits.copy()
    other[[0, 1]] = other[[1, 0]]  # two patterns swap codes: a different assignment
    assert not np.array_equal(canonical_code(other), canonical_code(bits))


def test_code_groups_count_the_solved_seeds_with_distinct_codes_only():
    bits = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=bool)
    as_tanh = np.where(bits, 0.9, -0.9)
    seeds = [
        as_tanh,  # seed 10
        -as_tanh[:, ::-1],  # seed 11: units swapped and complemented -> the same group
        as_tanh[[0, 3, 2, 1]],  # seed 12: patterns 1 and 3 swap codes -> another group
        as_tanh,  # seed 13: unsolved, not counted
        as_tanh[[0, 1, 1, 3]],  # seed 14: solved, but its final code has lost pattern 2's own code
    ]
    groups = group_codes(np.stack(seeds), "tanh", [10, 11, 12, 13, 14], [True, True, True, False, True])
    assert [(group.code, group.seeds) for group in groups] == [
        (["00", "01", "10", "11"], [10, 11]),
        (["00", "11", "01", "10"], [12]),
    ]
    result = SweepResult(
        Config(width=4, hidden=2), [10, 11, 12, 13, 14], [1, 1, 1, None, 1], [1, 1, 1, None, 1], [False] * 5,
        [4, 4, 4, 3, 3], 0.1, failures=[None, None, None, Failure("plateau", "..."), None], code_groups=groups,
    )  # fmt: skip
    assert result.ungrouped_seeds() == [14]
    assert formats.sweep_json(result)["code_groups"]["ungrouped"] == [14]
    assert "not grouped: 1 solved seeds" in report.sweep_summary(result)


@pytest.mark.parametrize(("patterns", "units"), [(3, 2), (4, 2), (4, 3), (5, 3), (8, 3)])
def test_code_classes_equal_a_brute_force_count(patterns, units):
    """Burnside's count against grouping every injective code by its canonical form."""
    corners = np.array(list(itertools.product([False, True], repeat=units)))
    canonical = {
        canonical_code(corners[list(chosen)]).tobytes() for chosen in itertools.permutations(range(2**units), patterns)
    }
    assert code_classes(patterns, units) == len(canonical)


def test_code_classes_of_the_tight_encoders():
    assert code_classes(8, 3) == 840  # 8! / (3! 2^3)
    assert code_classes(4, 2) == 3
    assert code_classes(16, 4) == math.factorial(16) // (math.factorial(4) * 2**4)
    assert code_classes(12, 2) == 0  # 2 units cannot code 12 patterns
    assert code_classes(8, 17) is None


FAILING = Config(width=4, hidden=2, epochs=300)  # the default recipe leaves some 4-2-4 seeds in a shared-code minimum


def test_a_sweep_gives_every_unsolved_seed_one_cause_and_groups_the_solved_codes():
    result = sweep(FAILING, list(range(12)))
    unsolved = [seed for seed, epoch in zip(result.seeds, result.solved_epoch, strict=True) if epoch is None]
    assert result.diagnosed and unsolved, "the setting should leave some seeds unsolved"
    assert [seed for seed, failure in zip(result.seeds, result.failures, strict=True) if failure] == unsolved
    assert sum(result.cause_counts().values()) == len(unsolved)
    by_cause = result.seeds_by_cause()
    counts = {name: count for name, count in result.cause_counts().items() if count}
    assert {name: len(seeds) for name, seeds in by_cause.items()} == counts
    assert sorted(seed for seeds in by_cause.values() for seed in seeds) == unsolved
    assert all(failure.cause in CAUSES and failure.detail for failure in result.failures if failure)
    grouped = sorted(seed for group in result.code_groups for seed in group.seeds)
    assert sorted(grouped + result.ungrouped_seeds()) == sorted(set(result.seeds) - set(unsolved))
    assert len(result.code_groups) <= code_classes(4, 2)

    payload = json.loads(json.dumps(formats.sweep_json(result)))
    assert payload["failures"]["counts"] == result.cause_counts()
    assert [entry["seed"] for entry in payload["failures"]["seeds"]] == unsolved
    assert payload["code_groups"]["possible"] == 3
    assert sum(group["count"] for group in payload["code_groups"]["groups"]) == len(grouped)

    text = report.sweep_summary(result)
    assert f"why {len(unsolved)} seeds were not solved:" in text
    assert f"codes found: {len(result.code_groups)} different among " in text and f"{len(grouped)} solved seeds" in text
    for name, count in result.cause_counts().items():
        assert (CAUSES[name].label in text) == bool(count)

    # Seeds that solved and then lost their codes are not counted as having found one, and the line says so,
    # beside a headline that counts every solved seed; a long list of codes says how many it leaves out.
    first, *others = result.code_groups
    lost_one = replace(result, code_groups=others)
    assert report.codes_found(lost_one) == (
        f"{len(others)} different among the {len(grouped) - len(first.seeds)} solved seeds that still had "
        "distinct codes at the end"
    )
    assert "(they trained on" not in report.sweep_summary(lost_one)  # one pair of parentheses, not two
    many = replace(result, code_groups=[first] * (report.GROUPS_LISTED + 3))
    assert "  ... and 3 more" in report.sweep_summary(many)


def test_a_sweep_stopped_by_its_callback_calls_still_improving_seeds_cut_short():
    result = sweep(replace(FAILING, epochs=2000), list(range(8)), lambda p: p.epoch >= 40, progress_interval=0)
    assert result.stopped and result.diagnosed
    assert result.cause_counts()["still_improving"] == 0
    assert sum(result.cause_counts().values()) == len(result.failing_seeds())


def test_the_live_summary_has_no_diagnosis():
    summaries = []
    sweep(FAILING, [0, 1], lambda progress: summaries.append(progress.sweep_result()), progress_interval=0)
    live = summaries[-1]
    assert not live.diagnosed
    assert formats.sweep_json(live)["failures"] is None and "why" not in report.sweep_summary(live)


@pytest.mark.parametrize(
    "config",
    [
        Config(width=4, hidden=2, restart_after=500, epochs=1000, dtype="float64"),  # the default recipe
        replace(preset_config("32-5-32"), weight_decay=0.0, restart_after=250, epochs=500),  # the case, shorter
    ],
    ids=["4-2-4", "32-5-32-no-decay"],
)
def test_a_restart_due_on_the_last_epoch_is_not_made_and_each_seed_gets_a_real_cause(config):
    """restart_after divides epochs, so a restart falls due on the last epoch: it is not made (no attempt would
    follow), and each unsolved seed is judged on its last whole attempt, never on one epoch ("too few")."""
    batch = train_seeds(config, list(range(24)))
    result = SweepResult.from_batch(batch)
    failures = [failure for failure in result.failures if failure is not None]
    assert failures, "the case must have unsolved seeds, or it tests nothing"
    assert all(config.epochs not in restarts for restarts in batch.restarts)
    for failure in failures:
        assert "too few" not in failure.detail and "only" not in failure.detail, failure


def test_quickprops_blowups_are_named_by_a_real_sweep():
    """rb-12-2-12-quickprop with SNNS's flat spot 0.1: some seeds overflow, each one a Quickprop runaway; the
    same seeds with another optimizer that diverges are plain "diverged" (hand-made: the cause reads the config)."""
    config = replace(BENCH["rb-12-2-12-quickprop"].config, flat_spot=0.1, epochs=3000)
    result = SweepResult.from_batch(train_seeds(config, list(range(24))))
    runaways = [failure for failure in result.failures if failure is not None and failure.cause == "runaway"]
    assert runaways and len(runaways) == sum(result.diverged)
    assert all("mu times the last step" in failure.detail for failure in runaways)
    assert cause(diverged=True, optimizer="rprop").cause == "diverged"


def test_quickprop_keeps_snnss_uncapped_quadratic_step():
    """Exact to SNNS's MODI_quickprop: with the last step d and last slope p of one sign and the slope S just below
    p (not shrunk to mu / (1 + mu) of it), the step is d S / (p - S) with no cap: here 99 d, far past mu d."""
    d, p, slope = np.array([0.01]), np.array([1.0]), np.array([0.99])
    step = quickprop_step(slope, d.copy(), p, lr=0.5, max_growth=1.75, xp=np)
    assert step[0] == pytest.approx(0.01 * 0.99 / (1.0 - 0.99))
    assert step[0] > 50 * 1.75 * d[0]
