"""The PCA floor against routes that share none of its code, and a linear autoencoder against the floor."""

from __future__ import annotations

import numpy as np
import pytest

from aelab import Config, pca, train
from aelab.patterns import make_patterns

RNG = np.random.default_rng(5)
CASES = {
    "uniform 30x8": RNG.random((30, 8)),
    "random binary 40x10": make_patterns("random_binary", 10, 40, seed=3).inputs,
    "digits": make_patterns("digits", 64).inputs,
    "fewer patterns than inputs 5x12": RNG.random((5, 12)),
}


def eigen_projection_error(X: np.ndarray, k: int) -> float:
    """The mean squared error of the explicit projection onto the covariance's top-k eigenvectors."""
    mean = X.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov(X.T))  # ascending
    top = vectors[:, ::-1][:, :k]
    reconstruction = mean + (X - mean) @ top @ top.T
    return float(np.mean((reconstruction - X) ** 2))


def least_squares_error(X: np.ndarray, k: int) -> float:
    """Fit every output from [the top-k eigen-codes, 1] by least squares: the best affine map through them."""
    _, vectors = np.linalg.eigh((X - X.mean(axis=0)).T @ (X - X.mean(axis=0)))
    codes = X @ vectors[:, ::-1][:, :k]
    design = np.column_stack([codes, np.ones(len(X))])
    coefficients, *_ = np.linalg.lstsq(design, X, rcond=None)
    return float(np.mean((design @ coefficients - X) ** 2))


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_the_floor_is_the_error_of_the_best_rank_k_projection(name, k):
    X = CASES[name]
    floor = pca.pca_floor(X, k, "mse")
    assert floor == pytest.approx(eigen_projection_error(X, k), rel=1e-9, abs=1e-14)
    assert floor == pytest.approx(least_squares_error(X, k), rel=1e-9, abs=1e-14)
    assert pca.pca_floor(X, k, "sse") == pytest.approx(0.5 * floor * X.size, rel=1e-12)
    assert pca.pca_floor(X, k, "bce") is None and pca.pca_floor(X, k, "softmax_ce") is None


@pytest.mark.parametrize("k", [1, 2, 4])
def test_no_rank_k_affine_map_goes_below_the_floor(k):
    """Random rank-k maps, each with its best bias, and the floor's own map nudged: none beats it."""
    X = CASES["uniform 30x8"]
    floor = pca.pca_floor(X, k, "mse")
    rng = np.random.default_rng(k)
    basis = pca.principal_subspace(X, k)
    for trial in range(200):
        if trial % 2:
            W = rng.normal(size=(8, k)) @ rng.normal(size=(k, 8))
        else:
            nudged = np.linalg.qr(basis + rng.normal(scale=0.05, size=basis.shape))[0]
            W = nudged @ nudged.T
        b = (X - X @ W).mean(axis=0)  # the best bias for this W
        assert np.mean((X @ W + b - X) ** 2) >= floor * (1 - 1e-12)


def test_principal_angles_of_known_subspaces():
    plane = np.eye(4)[:, :2]
    assert pca.principal_angles(plane, plane * 3) == pytest.approx([0, 0], abs=1e-6)
    assert pca.principal_angles(plane, np.eye(4)[:, 2:]) == pytest.approx([90, 90])
    turned = np.column_stack([np.eye(4)[:, 0], np.cos(0.5) * np.eye(4)[:, 1] + np.sin(0.5) * np.eye(4)[:, 2]])
    assert pca.principal_angles(plane, turned) == pytest.approx([0, np.degrees(0.5)], abs=1e-6)


def test_variance_explained_runs_from_the_mean_to_the_patterns():
    X = CASES["uniform 30x8"]
    assert pca.variance_explained(X, X) == 1.0
    assert pca.variance_explained(X, np.broadcast_to(X.mean(axis=0), X.shape)) == pytest.approx(0.0, abs=1e-12)
    k, basis = 3, pca.principal_subspace(X, k=3)
    projection = X.mean(axis=0) + (X - X.mean(axis=0)) @ basis @ basis.T
    errors, total = pca.pca_floor(X, k, "mse") * X.size, X.var(axis=0).sum() * len(X)
    assert pca.variance_explained(X, projection) == pytest.approx(1 - errors / total, rel=1e-12)


def linear_autoencoder(**settings) -> Config:
    base = dict(activation="linear", output="linear", loss="mse", optimizer="adam", dtype="float64", init_scale=0.1)
    return Config(**base | settings)


@pytest.mark.parametrize(
    ("settings", "epochs"),
    [
        (dict(data="random_binary", width=8, hidden=3, patterns=32, lr=0.05), 600),
        (dict(data="digits", width=64, hidden=2, lr=0.02), 800),
    ],
)
def test_a_linear_autoencoder_never_goes_below_the_floor_and_reaches_it(settings, epochs):
    """Baldi & Hornik (1989): the floor is a linear net's only minimum, in the principal subspace."""
    result = train(linear_autoencoder(epochs=epochs, **settings))
    floor = pca.pca_floor(result.targets, result.config.hidden, "mse")
    losses = result.history["loss"]
    assert losses.min() >= floor * (1 - 1e-9)
    assert losses[-1] <= 1.01 * floor
    figures = result.reconstruction()
    assert figures["pca_floor"] == floor and max(figures["subspace_angles"]) < 1.0
    assert figures["mse"] == pytest.approx(losses[-1], rel=1e-9)


def test_a_nonlinear_net_is_not_bound_by_the_floor():
    """The floor binds linear maps only: the 8-3-8 encoder's sigmoid outputs go far below it."""
    result = train(Config(width=8, hidden=3, loss="bce", optimizer="adam", lr=0.1, epochs=600, dtype="float64"))
    floor = pca.pca_floor(result.targets, 3, "mse")
    assert result.reconstruction()["mse"] < 0.1 * floor
    assert result.reconstruction()["subspace_angles"] is None


def test_the_loss_chart_draws_the_floor_where_it_means_something():
    from aelab.charts.curves import history_charts

    linear = train(linear_autoencoder(data="random_binary", width=8, hidden=3, patterns=20, lr=0.05, epochs=20))
    encoder = train(Config(epochs=5))  # one-hot, sigmoid outputs: no line
    loss_chart = history_charts([("#1 linear", linear), ("current: encoder", encoder)])[0]
    floors = loss_chart["datasets"]["floors"]
    assert floors["run"].tolist() == ["#1 linear"]
    assert floors["floor"].tolist() == [pca.pca_floor(linear.targets, 3, "mse")]
    assert any(layer.get("mark", {}).get("strokeDash") == [2, 2] for layer in loss_chart["layer"])
