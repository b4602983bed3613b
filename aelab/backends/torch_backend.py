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

from aelab.activations import ACTIVATIONS
from aelab.backends.base import Forward
from aelab.config import Config, ConfigError
from aelab.weights import Weights


class Autoencoder(nn.Module):
    """S independent N-k-N autoencoders stacked on a leading seed axis.

    All weights of all seeds live in one flat nn.Parameter `theta` (W1, b1, W2, b2
    of every seed, one after the other), the only tensor torch.optim sees: at these
    sizes an optimiser step costs per tensor, not per number, and every update rule
    is elementwise, so the flat tensor is updated exactly as the four would be.
    W1, b1, W2, b2 are leaf tensors sharing theta's memory, and their .grad are
    views into theta.grad, into which backward accumulates in place. The biases
    have a unit pattern axis, b1 (S, 1, k) and b2 (S, 1, N), ready to broadcast.
    """

    def __init__(self, weights: Weights, activation: str, dtype: torch.dtype, device: torch.device):
        super().__init__()
        arrays = [weights.W1, weights.b1[:, None, :], weights.W2, weights.b2[:, None, :]]
        flat = np.concatenate([array.ravel() for array in arrays])
        self.theta = nn.Parameter(torch.as_tensor(flat, dtype=dtype, device=device).clone())
        self.theta.grad = torch.zeros_like(self.theta)
        views, start = [], 0
        for array in arrays:
            end = start + array.size
            view = self.theta.detach()[start:end].view(array.shape).requires_grad_()
            view.grad = self.theta.grad[start:end].view(array.shape)
            views.append(view)
            start = end
        self.W1, self.b1, self.W2, self.b2 = views  # (S, N, k), (S, 1, k), (S, k, N), (S, 1, N)
        self.act = ACTIVATIONS[activation].torch

    def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """X (S, P, N) (an expanded view will do) -> activations (S, P, k), logits (S, P, N)."""
        activations = self.act(torch.baddbmm(self.b1, X, self.W1))  # baddbmm(b, x, W) = b + x @ W, in one op
        logits = torch.baddbmm(self.b2, activations, self.W2)
        return activations, logits


def output_losses(name: str, logits: torch.Tensor, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(S, P, N) loss of each output, and the sigmoid outputs when the loss computed them (mse).

    A seed's loss is the mean of its (P, N) block."""
    if name == "mse":
        outputs = torch.sigmoid(logits)
        return F.mse_loss(outputs, X, reduction="none"), outputs
    return F.binary_cross_entropy_with_logits(logits, X, reduction="none"), None


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device", name, "no CUDA device is available here; use auto or cpu")
    return torch.device(name)


def make_torch_optimizer(config: Config, parameters: list[nn.Parameter]) -> torch.optim.Optimizer:
    # foreach=False is what torch picks for CPU tensors anyway; saying so spares it the
    # check on every step. Elsewhere (cuda) torch keeps its own choice.
    options = {"foreach": False} if parameters[0].device.type == "cpu" else {}
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=config.lr, **options)
    if config.optimizer == "momentum":
        return torch.optim.SGD(parameters, lr=config.lr, momentum=config.momentum, **options)
    if config.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=config.lr, **options)
    return torch.optim.Rprop(parameters, lr=config.lr, **options)


class TorchBackend:
    def __init__(self, config: Config, weights: Weights, data: np.ndarray):
        dtype = getattr(torch, config.dtype)
        self.device = resolve_device(config.device)
        seeds = weights.W1.shape[0]
        X = torch.as_tensor(data, dtype=dtype, device=self.device)  # (P, N)
        self.X = X.expand(seeds, *X.shape)  # (S, P, N): a view, no copy per seed
        self.model = Autoencoder(weights, config.activation, dtype, self.device)
        self.loss_name = config.loss
        self.optimizer = make_torch_optimizer(config, [self.model.theta])
        # The objective is the sum over seeds of each seed's mean loss, so each seed's gradient
        # is its own. Its derivative with respect to every output's loss is 1 / (P N), made here
        # as mean()'s backward makes it; backward starts from there, which keeps the mean and
        # the sum out of the autograd graph (at these sizes each node costs more than its maths).
        self.loss_gradient = (torch.ones((), dtype=dtype, device=self.device) / data.size).expand(self.X.shape)
        self.all_finite = np.ones(seeds, dtype=bool)
        self.all_finite.flags.writeable = False  # returned by weights_finite() every epoch
        # On the CPU a NumPy view of theta makes the every-epoch finiteness check two cheap NumPy calls.
        self.theta_numpy = self.model.theta.detach().numpy() if self.device.type == "cpu" else None

    def _forward(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-output losses (S, P, N), activations (S, P, k) and sigmoid outputs (S, P, N)."""
        activations, logits = self.model(self.X)
        losses, outputs = output_losses(self.loss_name, logits, self.X)
        if outputs is None:
            outputs = torch.sigmoid(logits.detach())
        return losses, activations, outputs

    def forward(self) -> Forward:
        with torch.no_grad():
            return _to_numpy(*self._forward())

    def step(self) -> Forward:
        losses, activations, outputs = self._forward()
        self.model.theta.grad.zero_()  # not optimizer.zero_grad(): that would unhook the views' .grad
        losses.backward(self.loss_gradient)
        self.optimizer.step()
        return _to_numpy(losses, activations, outputs)

    def weights(self) -> Weights:
        m = self.model
        W1, b1, W2, b2 = (p.detach().cpu().numpy().copy() for p in (m.W1, m.b1, m.W2, m.b2))
        return Weights(W1, b1[:, 0], W2, b2[:, 0])  # the biases without their unit pattern axis

    def weights_finite(self) -> np.ndarray:
        if self.theta_numpy is not None and np.isfinite(self.theta_numpy).all():  # nearly always, on the CPU
            return self.all_finite
        m = self.model
        with torch.no_grad():
            finite = [torch.isfinite(p).flatten(1).all(dim=1) for p in (m.W1, m.b1, m.W2, m.b2)]
            return torch.stack(finite).all(dim=0).cpu().numpy()


def _to_numpy(losses: torch.Tensor, activations: torch.Tensor, outputs: torch.Tensor) -> Forward:
    loss = losses.detach().mean(dim=(1, 2))  # (S,) each seed's mean loss
    return Forward(
        loss.numpy(force=True), activations.numpy(force=True), outputs.numpy(force=True)
    )  # force: detach, to CPU
