"""The PyTorch backend: the same network as an nn.Module, trained with autograd and torch.optim.

This module imports torch at the top; `aelab.backends.make_backend` imports
it only when the torch backend is asked for, so the rest of aelab works
without torch installed.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aelab.backends.base import Forward
from aelab.config import Config, ConfigError
from aelab.weights import Weights

LEAKY_SLOPE = 0.01

ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, LEAKY_SLOPE),
    "linear": lambda z: z,
}


class Autoencoder(nn.Module):
    """S independent N-k-N autoencoders stacked on a leading seed axis."""

    def __init__(self, weights: Weights, activation: str, dtype: torch.dtype, device: torch.device):
        super().__init__()

        def parameter(array: np.ndarray) -> nn.Parameter:
            return nn.Parameter(torch.as_tensor(array, dtype=dtype, device=device).clone())

        self.W1 = parameter(weights.W1)  # (S, N, k)
        self.b1 = parameter(weights.b1)  # (S, k)
        self.W2 = parameter(weights.W2)  # (S, k, N)
        self.b2 = parameter(weights.b2)  # (S, N)
        self.act = ACTIVATIONS[activation]

    def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """X (P, N) -> hidden (S, P, k), logits (S, P, N)."""
        hidden = self.act(X @ self.W1 + self.b1[:, None, :])
        logits = hidden @ self.W2 + self.b2[:, None, :]
        return hidden, logits


def per_seed_loss(name: str, logits: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """(S,) mean loss of each seed."""
    if name == "mse":
        return F.mse_loss(torch.sigmoid(logits), X.expand_as(logits), reduction="none").mean(dim=(1, 2))
    return F.binary_cross_entropy_with_logits(logits, X.expand_as(logits), reduction="none").mean(dim=(1, 2))


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device", name, "no CUDA device is available here; use auto or cpu")
    return torch.device(name)


def make_torch_optimizer(config: Config, parameters: list[nn.Parameter]) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=config.lr)
    if config.optimizer == "momentum":
        return torch.optim.SGD(parameters, lr=config.lr, momentum=config.momentum)
    if config.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=config.lr)
    return torch.optim.Rprop(parameters, lr=config.lr)


class TorchBackend:
    def __init__(self, config: Config, weights: Weights, data: np.ndarray):
        dtype = getattr(torch, config.dtype)
        self.device = resolve_device(config.device)
        self.X = torch.as_tensor(data, dtype=dtype, device=self.device)  # (P, N)
        self.model = Autoencoder(weights, config.activation, dtype, self.device)
        self.loss_name = config.loss
        self.optimizer = make_torch_optimizer(config, list(self.model.parameters()))

    def _forward(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        hidden, logits = self.model(self.X)
        return per_seed_loss(self.loss_name, logits, self.X), hidden, logits

    def _to_numpy(self, loss: torch.Tensor, hidden: torch.Tensor, logits: torch.Tensor) -> Forward:
        outputs = torch.sigmoid(logits.detach())
        return Forward(*(t.detach().cpu().numpy() for t in (loss, hidden, outputs)))

    def forward(self) -> Forward:
        with torch.no_grad():
            return self._to_numpy(*self._forward())

    def step(self) -> Forward:
        loss, hidden, logits = self._forward()
        self.optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()  # the sum keeps each seed's gradient its own
        self.optimizer.step()
        return self._to_numpy(loss, hidden, logits)

    def weights(self) -> Weights:
        m = self.model
        return Weights(*(p.detach().cpu().numpy().copy() for p in (m.W1, m.b1, m.W2, m.b2)))

    def weights_finite(self) -> np.ndarray:
        with torch.no_grad():
            finite = [torch.isfinite(p).flatten(1).all(dim=1) for p in self.model.parameters()]
            return torch.stack(finite).all(dim=0).cpu().numpy()
