"""The decoder across the k = 2 plane, checked against the backends' own forward pass and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from aelab import Config, train
from aelab.activations import sigmoid
from aelab.decoded_plane import cell_centres, decode_grid, decoded_plane, plane_span

DIGITS = Config(data="digits", width=64, hidden=2, patterns=60, activation="tanh", loss="mse", output="linear",
                optimizer="adam", lr=0.01, epochs=40, dtype="float64")  # fmt: skip


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_the_plane_at_a_runs_own_codes_is_its_reconstructions(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    config = Config(**{**DIGITS.__dict__, "backend": backend, "device": "cpu"})
    result = train(config)
    for pattern in (0, 17, 59):
        x, y = result.activations[pattern]
        plane = decode_grid(result.final, config.loss, config.output_layer, np.array([x, 0.0]), np.array([1.0, y]))
        # the point (x[0], y[1]) is this pattern's code
        np.testing.assert_allclose(plane.outputs[1, 0], result.outputs[pattern], rtol=1e-10, atol=1e-12)


def test_a_sigmoid_plane_by_hand():
    rng = np.random.default_rng(3)
    result = train(Config(width=6, hidden=2, loss="bce", epochs=5, dtype="float64"))
    weights = result.final._replace(W2=rng.normal(size=(2, 6)), b2=rng.normal(size=6))
    plane = decoded_plane(weights, "bce", "sigmoid", (-1.5, 1.5), steps=3)
    assert plane.outputs.shape == (3, 3, 6)
    assert plane.x.tolist() == plane.y.tolist() == [-1.0, 0.0, 1.0]  # the centres of three equal cells
    for i, y in enumerate(plane.y):
        for j, x in enumerate(plane.x):
            expected = sigmoid(x * weights.W2[0] + y * weights.W2[1] + weights.b2)
            np.testing.assert_allclose(plane.outputs[i, j], expected, rtol=1e-12)


def test_a_plane_needs_two_hidden_units():
    weights = train(Config(width=8, hidden=3, epochs=2)).final
    with pytest.raises(ValueError, match="k = 2 hidden units, this decoder has k = 3"):
        decoded_plane(weights, "mse", "sigmoid", (0.0, 1.0))


def test_the_span_is_the_codes_with_a_margin_inside_the_activations_range():
    codes = np.array([[-3.0, 1.0], [2.0, 0.5]])
    low, high = plane_span(codes, "linear")
    assert low < -3.0 and high > 2.0 and high - low == pytest.approx(5.0 * 1.1)
    assert plane_span(codes, "tanh") == (-1.0, 1.0)  # the margin stops at tanh's range
    low, high = plane_span(np.array([[0.2, 0.4], [0.6, 0.3]]), "sigmoid")
    assert low == pytest.approx(0.2 - 0.02) and high == pytest.approx(0.6 + 0.02)


def test_cells_tile_the_span():
    centres = cell_centres((0.0, 1.0), 4)
    np.testing.assert_allclose(centres, [0.125, 0.375, 0.625, 0.875])
