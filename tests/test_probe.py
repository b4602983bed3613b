"""The decoder probe: decoding any hidden vector, the corners of the hypercube, decision lines, pushes."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, train
from aelab.backends.numpy_backend import output_layer
from aelab.probe import (
    code_pushes,
    corner_table,
    counts_as,
    decision_lines,
    decode,
    plane,
    reading,
    why_no_pattern,
)
from aelab.weights import Weights

BASE = Config(width=8, hidden=3, activation="tanh", loss="bce", optimizer="adam", lr=0.1, init_scale=1.0,
              epochs=300, dtype="float64")  # fmt: skip


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("loss", ["mse", "softmax_ce"])
def test_decoding_the_training_codes_gives_the_backends_outputs(backend, loss):
    if backend == "torch":
        pytest.importorskip("torch")
    result = train(replace(BASE, backend=backend, device="cpu", loss=loss, epochs=50))
    np.testing.assert_allclose(decode(result.final, result.activations, loss), result.outputs, rtol=1e-12)


def test_a_probe_at_a_training_code_reproduces_that_pattern():
    result = train(BASE)
    assert result.output_solved_epoch is not None, "Adam lr 0.1 with BCE solves 8-3-8's outputs in 300 epochs"
    for pattern in range(8):
        seen = reading(result.final, result.activations[pattern], BASE.loss, result.activations)
        np.testing.assert_allclose(seen.outputs, result.outputs[pattern], rtol=1e-12)
        assert (seen.counts_as, seen.argmax, seen.nearest, seen.distance) == (pattern, pattern, pattern, 0.0)


def corner_decoder(bias_three: float = -5.0) -> Weights:
    """4-2-4 by hand: output j is high only at the corner whose bits spell j (unit 0 first), tanh corners +-1."""
    W2 = 5.0 * np.array([[-1.0, -1.0, 1.0, 1.0], [-1.0, 1.0, -1.0, 1.0]])
    b2 = np.array([-5.0, -5.0, -5.0, bias_three])
    return Weights(np.zeros((4, 2)), np.zeros(2), W2, b2)


def test_the_corner_table_of_a_hand_made_decoder():
    config = Config(width=4, hidden=2)
    activations = np.array([[-0.9, -0.9], [-0.9, 0.9], [0.9, -0.9], [-0.8, -0.7]])  # patterns 0 and 3 share 00
    table = corner_table(corner_decoder(), config, activations)
    assert table.bits == ["00", "01", "10", "11"]
    assert table.counts_as.tolist() == [0, 1, 2, 3]
    assert table.used_by == [[0, 3], [1], [2], []]
    assert (table.unused, table.ambiguous) == (1, 0)
    loud = corner_table(corner_decoder(bias_three=50.0), config, activations)  # output 3 always on
    assert loud.counts_as.tolist() == [-1, -1, -1, 3] and loud.ambiguous == 3
    assert table.why_none == ["", "", "", ""]
    # output 3 is always on, so at corners 00, 01, 10 two outputs are high; at 11 only output 3 is
    assert loud.why_none == ["two outputs >= 0.6"] * 3 + [""]


@pytest.mark.parametrize(
    ("outputs", "why"),
    [
        ([0.7, 0.1, 0.2, 0.0], ""),  # reads as pattern 0
        ([0.59, 0.1, 0.1, 0.1], "no output >= 0.6"),
        ([0.5, 0.5, 0.5, 0.5], "no output >= 0.6"),
        ([0.7, 0.9, 0.1, 0.1], "two outputs >= 0.6"),
        ([0.7, 0.9, 0.6, 0.1], "three outputs >= 0.6"),
        ([0.7, 0.41, 0.1, 0.1], "an output between 0.4 and 0.6"),
        ([0.7, 0.41, 0.59, 0.1], "two outputs between 0.4 and 0.6"),
        ([0.9] * 5 + [0.1] * 7, "five outputs >= 0.6"),
        ([0.9] * 12, "12 outputs >= 0.6"),
    ],
)
def test_why_an_output_reads_as_no_pattern(outputs, why):
    outputs = np.array(outputs)
    assert why_no_pattern(outputs) == why
    assert (why == "") == (counts_as(outputs) >= 0)  # a reason exactly where 40-20-40 reads no pattern


def test_counts_as_needs_one_high_and_every_other_low():
    outputs = np.array([[0.6, 0.4, 0.1], [0.59, 0.1, 0.1], [0.7, 0.41, 0.0], [0.1, 0.2, 0.9]])
    assert counts_as(outputs).tolist() == [0, -1, -1, 2]


def test_decision_lines_are_where_an_output_is_one_half():
    weights = train(replace(BASE, loss="mse", epochs=100)).final
    point = np.array([0.0, 0.3, -0.2])
    lines = decision_lines(weights, point, (0, 2), (-1.0, 1.0))
    assert lines, "some output must cross 0.5 inside the square"
    for line in lines:
        for t in (0.0, 0.3, 1.0):
            h = point.copy()
            h[0], h[2] = line.x0 + t * (line.x1 - line.x0), line.y0 + t * (line.y1 - line.y0)
            assert decode(weights, h, "mse")[line.output] == pytest.approx(0.5, abs=1e-9)


def test_the_plane_holds_the_other_units_fixed():
    weights = train(BASE).final
    grid = plane(weights, BASE.loss, np.array([0.2, 0.5, -0.5]), (0, 2), (-1.0, 1.0), size=5)
    expected = decode(weights, np.array([grid.x[3], 0.5, grid.y[1]]), BASE.loss)
    assert grid.winner[1, 3] == expected.argmax() and grid.top[1, 3] == pytest.approx(expected.max())


@pytest.mark.parametrize("loss", ["mse", "bce", "softmax_ce"])
def test_code_pushes_are_minus_the_loss_gradient_at_each_code(loss):
    weights = train(replace(BASE, loss=loss, epochs=20)).final
    activations = np.random.default_rng(0).uniform(-1, 1, size=(8, 3))

    def loss_at(hidden: np.ndarray) -> float:
        logits = hidden @ weights.W2 + weights.b2
        return float(output_layer(loss, logits[None].copy(), np.eye(8), gradient=False)[1][0])

    pushes, eps = code_pushes(weights, activations, loss), 1e-6
    for index in np.ndindex(activations.shape):
        plus, minus = activations.copy(), activations.copy()
        plus[index] += eps
        minus[index] -= eps
        assert -pushes[index] == pytest.approx((loss_at(plus) - loss_at(minus)) / (2 * eps), rel=1e-5, abs=1e-10)


def test_cli_prints_the_corner_table(cli):
    status, out, err = cli(["train", "--preset", "8-3-8", "--epochs", "400", "--corners"])
    assert status == 0, err
    assert "corner" in out and "unused" in out and "ambiguous" in out
    assert sum(1 for line in out.splitlines() if line.strip()[:3] in {"000", "111"}) == 2
    status, out, _ = cli(["train", "--preset", "8-3-8", "--epochs", "50", "--corners", "--json"])
    corners = json.loads(out)["corners"]
    assert [corner["bits"] for corner in corners][:2] == ["000", "001"] and len(corners) == 8
    for corner in corners:  # why, exactly where it reads as no pattern
        assert (corner["why_no_pattern"] is None) == (corner["counts_as"] is not None), corner


def test_the_cli_corner_table_says_why_a_corner_reads_as_no_pattern(cli):
    """The page's corner table has a "why no pattern" column: the CLI's says the same, with the rule."""
    status, out, err = cli(["train", "--preset", "8-3-8", "--epochs", "5", "--corners"])  # most read as none
    assert status == 0, err
    lines = out.splitlines()
    header = next(index for index, line in enumerate(lines) if line.startswith("corner "))
    assert lines[header].endswith("why no pattern") and ">= 0.6" in lines[header - 1]
    rows = [line.split() for line in lines[header + 1 : header + 9]]
    assert [row[0] for row in rows] == [f"{corner:03b}" for corner in range(8)]
    none = [" ".join(row) for row in rows if row[1] == "-"]
    assert none and all(re.search(r"output(s)? (>=|between)", row) for row in none), none
    assert all(row[1] == "-" or not row[-1].startswith(("output", "between")) for row in rows)


def test_cli_refuses_corners_past_ten_bits(cli):
    status, out, err = cli(["train", "--width", "16", "--hidden", "11", "--epochs", "2", "--corners"])
    assert status == 2 and out == "" and "corners" in err


LINEAR = replace(BASE, loss="mse", output="linear", epochs=100)


def test_a_linear_run_is_probed_with_its_own_linear_decoder():
    result = train(LINEAR)
    hidden = result.activations[2]
    seen = reading(result.final, hidden, LINEAR.loss, result.activations, LINEAR.output_layer)
    np.testing.assert_allclose(seen.outputs, result.outputs[2], rtol=1e-12)  # the backend's own outputs
    grid = plane(result.final, LINEAR.loss, hidden, (0, 1), (-1.0, 1.0), size=3, output=LINEAR.output_layer)
    logits = np.array([grid.x[1], grid.y[2], hidden[2]]) @ result.final.W2 + result.final.b2
    assert grid.winner[2, 1] == logits.argmax()
    assert grid.top[2, 1] == pytest.approx(logits.max(), abs=1e-12)  # a logit, not squashed by a sigmoid


def test_a_linear_runs_decision_lines_are_where_its_output_is_one_half():
    weights = train(LINEAR).final
    point = np.array([0.0, 0.3, -0.2])
    lines = decision_lines(weights, point, (0, 2), (-1.0, 1.0), "linear")
    assert lines, "some linear output must cross 0.5 inside the square"
    for line in lines:
        h = point.copy()
        h[0], h[2] = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
        assert decode(weights, h, "mse", "linear")[line.output] == pytest.approx(0.5, abs=1e-9)
