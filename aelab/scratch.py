"""The encoder network written to be read: one network, full batch, NumPy only.

All of the maths, a line for each step, in the spirit of Karpathy's micrograd:

    z1 = X W1 + b1     h = act(z1)        the hidden code: k numbers per pattern
    z2 = h W2 + b2     y = out(z2)        the reconstruction: sigmoid, softmax or linear

The backend that trains on the page (aelab/backends/numpy_backend.py) does this same
maths for many seeds at once; tests/test_scratch.py holds the two equal.
"""

from __future__ import annotations

import numpy as np

from aelab.activations import ACTIVATIONS
from aelab.weights import Weights

LOSS = {  # the loss, from the outputs y (P, N) and the targets X (P, N)
    "mse": lambda y, X: np.mean((y - X) ** 2),  # the mean over all P x N outputs
    "sse": lambda y, X: 0.5 * np.sum((y - X) ** 2),  # half the sum, as SNNS counts it
    "bce": lambda y, X: -np.mean(X * np.log(y) + (1 - X) * np.log(1 - y)),
    "softmax_ce": lambda y, X: -np.mean(np.log(np.sum(y * X, axis=1))),  # -log y[target]
}
OUTPUT = {  # y from z2 (P, N)
    "sigmoid": lambda z2: 1 / (1 + np.exp(-z2)),  # each output in (0, 1)
    "softmax": lambda z2: _softmax(z2),  # each pattern's outputs sum to 1
    "linear": lambda z2: z2,  # any real number: for real-valued data, and Baldi & Hornik's linear net
}
SLOPE = {"sigmoid": lambda y: y * (1 - y), "linear": lambda y: 1.0}  # dy/dz2, for mse and sse
# dLoss/dz2 (P, N) = dLoss/dy * dy/dz2. For bce after a sigmoid, and cross-entropy after a
# softmax, the two cancel to y - X.
LOSS_GRADIENT = {
    "mse": lambda y, X, output: 2 * (y - X) / X.size * SLOPE[output](y),
    "sse": lambda y, X, output: (y - X) * SLOPE[output](y),
    "bce": lambda y, X, output: (y - X) / X.size,
    "softmax_ce": lambda y, X, output: (y - X) / len(X),
}


def _softmax(z2: np.ndarray) -> np.ndarray:
    """e^z2 / sum(e^z2) per pattern, less the max (no overflow)."""
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Network:
    """One N-k-N autoencoder: forward, backward by the chain rule, and the update."""

    def __init__(self, weights: Weights, activation: str = "tanh", loss: str = "mse", output: str = "auto"):
        self.weights = weights  # W1 (N, k), b1 (k,), W2 (k, N), b2 (N,)
        self.act = ACTIVATIONS[activation]  # act.numpy(z); act.slope(z, h) = dh/dz
        self.loss, self.loss_gradient = LOSS[loss], LOSS_GRADIENT[loss]
        # auto: today's choice for the loss (Config.output_layer)
        self.output = ("softmax" if loss == "softmax_ce" else "sigmoid") if output == "auto" else output
        self.velocity = Weights(*(np.zeros_like(W) for W in weights))  # for momentum

    def forward(self, X: np.ndarray) -> float:
        """The loss on the patterns X (P, N), keeping what backward() needs."""
        W1, b1, W2, b2 = self.weights
        self.X = X
        self.z1 = X @ W1 + b1  # (P, N) @ (N, k) + (k,) -> (P, k)
        self.h = self.act.numpy(self.z1)  # (P, k)
        z2 = self.h @ W2 + b2  # (P, k) @ (k, N) + (N,) -> (P, N)
        self.y = OUTPUT[self.output](z2)  # (P, N)
        return float(self.loss(self.y, X))

    def backward(self) -> Weights:
        """dLoss/dW1, db1, dW2, db2, by the chain rule from the loss back to the input."""
        dz2 = self.loss_gradient(self.y, self.X, self.output)  # (P, N)
        dW2 = self.h.T @ dz2  # (k, P) @ (P, N) -> (k, N)
        db2 = dz2.sum(axis=0)  # (N,): b2 is added to every pattern
        dh = dz2 @ self.weights.W2.T  # (P, N) @ (N, k) -> (P, k)
        dz1 = dh * self.act.slope(self.z1, self.h)  # (P, k): back through h = act(z1)
        dW1 = self.X.T @ dz1  # (N, P) @ (P, k) -> (N, k)
        db1 = dz1.sum(axis=0)  # (k,)
        return Weights(dW1, db1, dW2, db2)

    def update(self, gradient: Weights, lr: float, momentum: float = 0.0) -> None:
        """One step downhill for each W, as torch.optim.SGD takes it."""
        velocity, weights = [], []
        for W, v, dW in zip(self.weights, self.velocity, gradient, strict=True):
            v = momentum * v + dW  # a running sum of gradients (dW itself in plain SGD)
            velocity.append(v)
            weights.append(W - lr * v)  # a step downhill
        self.velocity, self.weights = Weights(*velocity), Weights(*weights)

    def train(self, X: np.ndarray, epochs: int, lr: float, momentum: float = 0.0) -> list[float]:
        """Full batch: each epoch is one forward pass, one backward pass and one update.
        Returns the loss before each update."""
        losses = []
        for _ in range(epochs):
            losses.append(self.forward(X))
            self.update(self.backward(), lr, momentum)
        return losses
