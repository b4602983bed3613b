"""The PCA floor: the least squared error any rank-k affine map reaches on a pattern set, and how far a
linear autoencoder's subspace lies from the principal one.

Eckart-Young: among all maps x -> x W + b whose W has rank at most k, the least sum of squared
errors on patterns X (P, N) is the sum of the squared singular values of the centred patterns past
the k-th; the best map projects onto the top k right singular vectors (the principal subspace) and
adds the mean back. An N-k-N autoencoder is such a map when both its layers are linear (Baldi &
Hornik 1989: then the floor is its only minimum, every other critical point a saddle), so no linear
autoencoder can go below the floor; nonlinear ones can.
"""

from __future__ import annotations

import numpy as np


def _centred_singular(patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Singular values (min(P, N),) descending and right singular vectors (min(P, N), N) of X - mean."""
    X = np.asarray(patterns, dtype=np.float64)
    _, values, right = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    return values, right


def residual_squares(patterns: np.ndarray, k: int) -> float:
    """The least sum of squared errors over all P x N outputs of any rank-k affine map."""
    values, _ = _centred_singular(patterns)
    return float(np.sum(values[k:] ** 2))


def pca_floor(patterns: np.ndarray, k: int, loss: str) -> float | None:
    """The floor on the loss's own scale: mse, the mean over the P x N outputs; sse, half the sum.
    None for bce and softmax_ce, which measure something other than squared error."""
    if loss not in ("mse", "sse"):
        return None
    squares = residual_squares(patterns, k)
    return 0.5 * squares if loss == "sse" else squares / np.asarray(patterns).size


def principal_subspace(patterns: np.ndarray, k: int) -> np.ndarray:
    """(N, k): an orthonormal basis of the top-k principal subspace."""
    _, right = _centred_singular(patterns)
    return right[:k].T


def principal_angles(basis: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The principal angles in degrees, smallest first, between the column spans of (N, a) and (N, b)."""
    first, _ = np.linalg.qr(np.asarray(basis, dtype=np.float64))
    second, _ = np.linalg.qr(np.asarray(other, dtype=np.float64))
    cosines = np.linalg.svd(first.T @ second, compute_uv=False)
    return np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0)))


def decoder_angles(W2: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """(k,) degrees between the decoder's output subspace (the row span of W2 (k, N): every reconstruction
    is b2 plus a point of it) and the principal subspace of the patterns."""
    return principal_angles(W2.T, principal_subspace(patterns, W2.shape[0]))


def variance_explained(patterns: np.ndarray, outputs: np.ndarray) -> float:
    """1 - (sum of squared errors) / (total squared deviation from the mean pattern): 1 for a perfect
    reconstruction, 0 for one that outputs the mean pattern, below 0 for worse."""
    X = np.asarray(patterns, dtype=np.float64)
    total = float(np.sum((X - X.mean(axis=0)) ** 2))
    errors = float(np.sum((np.asarray(outputs, dtype=np.float64) - X) ** 2))
    return 1.0 - errors / total if total > 0 else float("nan")


def reconstruction_figures(patterns: np.ndarray, outputs: np.ndarray, W2: np.ndarray, loss: str, linear: bool) -> dict:
    """What a run's JSON and summary say about its reconstruction: `pca_floor` (on the loss's scale; None
    for bce, softmax_ce), `mse` (the mean squared error over every output), `variance_explained`, and for a
    linear autoencoder (`linear`: linear hidden units and outputs) with finite weights `subspace_angles` in
    degrees, else None."""
    X = np.asarray(patterns, dtype=np.float64)
    return {
        "pca_floor": pca_floor(X, W2.shape[0], loss),
        "mse": float(np.mean((np.asarray(outputs, dtype=np.float64) - X) ** 2)),
        "variance_explained": variance_explained(X, outputs),
        "subspace_angles": decoder_angles(W2, X).tolist() if linear and np.isfinite(W2).all() else None,
    }
