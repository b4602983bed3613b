"""The PyTorch backend: the same network as an nn.Module, updated by torch.optim. A full-batch
step's gradient comes from torch_fused's few kernels where they cover the settings, every other
step's from autograd, which the tests hold the kernels to.

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
from aelab.backends.base import Forward, StopCheck, surely_finite
from aelab.backends.torch_fused import Layout, Network, Pass, fuses, network_gradient, network_pass
from aelab.backends.torch_optim import (
    OptimizerState,
    make_torch_optimizer,
    optimizer_step,
    reset_optimizer_state,
    selected_state,
)
from aelab.config import Config, ConfigError
from aelab.noise import chunks
from aelab.patterns import is_one_hot
from aelab.weights import Weights


class Autoencoder(nn.Module):
    """S independent N-k-N autoencoders stacked on a leading seed axis.

    All weights of all seeds live in one flat nn.Parameter `theta` (W1, b1, W2, b2
    of every seed, one after the other, see torch_fused.Layout), the only tensor
    torch.optim sees (but for Adam with restarts: seed_parameters): at these sizes an
    optimiser step costs per tensor, not per number, and every update rule is
    elementwise, so the flat tensor is updated exactly as the four would be.
    W1, b1, W2, b2 are leaf tensors sharing theta's memory, and their .grad are
    views into theta.grad, into which backward accumulates in place. The biases
    have a unit pattern axis, b1 (S, 1, k) and b2 (S, 1, N), ready to broadcast.
    """

    def __init__(
        self, weights: Weights, activation: str, dtype: torch.dtype, device: torch.device, one_hot: bool = False
    ):
        super().__init__()
        self.one_hot = one_hot  # X is the identity: X @ W1 = W1 (see patterns.is_one_hot)
        seeds, width, hidden = weights.W1.shape
        self.layout = Layout(seeds, width, hidden)
        arrays = [weights.W1, weights.b1[:, None, :], weights.W2, weights.b2[:, None, :]]
        flat = np.concatenate([array.ravel() for array in arrays])  # in the layout's order
        self.theta = nn.Parameter(torch.as_tensor(flat, dtype=dtype, device=device).clone())
        self.theta.grad = torch.zeros_like(self.theta)
        views = self.layout.views(self.theta.detach())
        for view, grad in zip(views, self.layout.views(self.theta.grad), strict=True):
            view.requires_grad_().grad = grad
        self.W1, self.b1, self.W2, self.b2 = views  # (S, N, k), (S, 1, k), (S, k, N), (S, 1, N)
        self.act = ACTIVATIONS[activation].torch

    def forward(
        self, X: torch.Tensor, noise: torch.Tensor | None = None, flat_spot: float = 0.0, all_patterns: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """X (S, P, N) (an expanded view will do) -> activations (S, P, k), logits (S, P, N)."""
        activations = self.hidden(X, noise, flat_spot, all_patterns)
        return activations, torch.baddbmm(self.b2, activations, self.W2)

    def hidden(
        self, X: torch.Tensor, noise: torch.Tensor | None = None, flat_spot: float = 0.0, all_patterns: bool = True
    ) -> torch.Tensor:
        """X (S, P, N) -> activations (S, P, k).

        `noise` (S, P, k), when given, is added to the hidden pre-activations. `flat_spot` is
        added to the activation's derivative (see `with_flat_spot`). With `all_patterns` False,
        X is a mini-batch (S, B, N) and the one-hot shortcut does not apply."""
        one_hot = self.one_hot and all_patterns
        z1 = self.W1 + self.b1 if one_hot else torch.baddbmm(self.b1, X, self.W1)  # b + x @ W, in one op
        if noise is not None:
            z1 = z1 + noise
        return with_flat_spot(self.act(z1), z1, flat_spot)

    def seed_parameters(self) -> list[list[torch.Tensor]]:
        """Per seed, its W1, b1, W2 and b2 as leaf tensors in theta's memory (.grad in theta.grad's),
        so that Adam, which counts its steps per tensor, keeps state per seed and a restarted seed can
        start with none."""
        seeds = []
        for index in range(self.W1.shape[0]):
            tensors = []
            for whole in (self.W1, self.b1, self.W2, self.b2):
                part = whole.detach()[index].requires_grad_()
                part.grad = whole.grad[index]
                tensors.append(part)
            seeds.append(tensors)
        return seeds


def with_flat_spot(values: torch.Tensor, inputs: torch.Tensor, flat_spot: float) -> torch.Tensor:
    """`values` = f(inputs) unchanged, but with d/d inputs = f' + flat_spot (Fahlman's sigmoid-prime
    offset, SNNS's flat-spot elimination): the added term is flat_spot x 0 in value."""
    return values + flat_spot * (inputs - inputs.detach()) if flat_spot else values


def output_losses(
    name: str, logits: torch.Tensor, X: torch.Tensor, flat_spot: float = 0.0, output: str = "auto"
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(S, P, N) loss of each output, and the outputs when the loss computed them.

    For mse and bce a seed's loss is the mean of its (P, N) block; for softmax_ce
    the sum over a pattern's N outputs is that pattern's cross-entropy, and the
    loss is their mean over the P patterns; sse is half the sum (see `loss_weight`).
    `flat_spot` offsets the sigmoid's derivative for mse and sse."""
    if name in ("mse", "sse") and output == "linear":  # y = z2 (Config.output_layer)
        return F.mse_loss(logits, X, reduction="none"), logits
    if name in ("mse", "sse"):
        outputs = torch.sigmoid(logits)
        return F.mse_loss(with_flat_spot(outputs, logits, flat_spot), X, reduction="none"), outputs
    if name == "softmax_ce":
        return -X * F.log_softmax(logits, dim=-1), None
    return F.binary_cross_entropy_with_logits(logits, X, reduction="none"), None


def loss_weight(name: str, patterns: int, width: int) -> float:
    """d(seed loss) / d(each output's loss): 1 / (P N) for a mean over outputs, 1 / P for softmax_ce,
    1 / 2 for sse (half the sum)."""
    if name == "sse":
        return 0.5
    return 1 / patterns if name == "softmax_ce" else 1 / (patterns * width)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device", name, "no CUDA device is available here; use auto or cpu")
    return torch.device(name)


class TorchBackend(OptimizerState):  # optimizer_state() and load_optimizer_state() come from there
    def __init__(self, config: Config, weights: Weights, data: np.ndarray):
        self.config, self.data_array = config, data  # (for select)
        self.dtype = getattr(torch, config.dtype)
        self.device = resolve_device(config.device)
        seeds = weights.W1.shape[0]
        X = torch.as_tensor(data, dtype=self.dtype, device=self.device)  # (P, N)
        self.X = X.expand(seeds, *X.shape)  # (S, P, N): a view, no copy per seed
        self.model = Autoencoder(weights, config.activation, self.dtype, self.device, is_one_hot(data))
        self.loss_name, self.output = config.loss, config.output_layer
        self.weight_decay = config.weight_decay
        self.flat_spot, self.batch_size = config.flat_spot, config.batch_size
        self.data = torch.as_tensor(data, dtype=self.dtype, device=self.device)  # (P, N): mini-batches gather rows
        # Restarts give seeds different histories. Adam counts its steps per tensor, so with restarts each
        # seed has its own tensors in torch.optim; the other optimisers' fresh state is their state with a
        # seed's part reset (reset_optimizer_state), so they keep the one flat tensor, and their loop.
        per_seed = config.restart_after and config.optimizer == "adam"
        self.seed_tensors = self.model.seed_parameters() if per_seed else []
        parameters = [t for tensors in self.seed_tensors for t in tensors] or [self.model.theta]
        self.optimizer, self.optimizer_name = make_torch_optimizer(config, parameters), config.optimizer
        # The objective is the sum over seeds of each seed's loss, so each seed's gradient is its own.
        # Its derivative with respect to every output's loss is a constant, made here as mean()'s
        # backward makes it; backward starts from there, which keeps the mean and the sum out of
        # the autograd graph (at these sizes each node costs more than its maths).
        self.weight = loss_weight(config.loss, *data.shape)
        self.loss_gradient = (torch.ones((), dtype=self.dtype, device=self.device) * self.weight).expand(self.X.shape)
        # Full-batch steps take torch_fused's few kernels and no autograd graph where it covers the
        # settings (see there what and why); the rest, and mini-batch updates, take autograd.
        self.network = None
        if fuses(config.loss, config.activation, config.flat_spot, config.output_layer):
            activation, linear = ACTIVATIONS[config.activation], config.output_layer == "linear"
            self.network = Network(
                self.model.theta, self.model.layout, self.X, activation, config.loss, is_one_hot(data), linear
            )
        # On the CPU a NumPy view of theta makes the every-epoch finiteness check one cheap NumPy call.
        self.theta_numpy = self.model.theta.detach().numpy() if self.device.type == "cpu" else None

    def _forward(
        self, noise: np.ndarray | None = None, rows: torch.Tensor | None = None, flat_spot: float = 0.0
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Through torch's autograd ops: per-output losses (S, P, N), activations (S, P, k) and outputs
        (S, P, N); with `rows` (S, B), over each seed's mini-batch of patterns: (S, B, ...)."""
        if noise is not None:
            noise = torch.as_tensor(noise, dtype=self.dtype, device=self.device)
        X = self.X if rows is None else self.data[rows]  # (S, P, N) or (S, B, N)
        activations, logits = self.model(X, noise, flat_spot, all_patterns=rows is None)
        losses, outputs = output_losses(self.loss_name, logits, X, flat_spot, self.output)
        if outputs is None:
            detached = logits.detach()
            outputs = detached.softmax(dim=-1) if self.output == "softmax" else detached.sigmoid()
        return losses, activations, outputs

    def _to_numpy(self, losses: torch.Tensor, activations: torch.Tensor, outputs: torch.Tensor) -> Forward:
        loss = losses.detach().sum(dim=(1, 2)) * self.weight  # (S,)
        # numpy(force=True): detached and on the CPU
        return Forward(loss.numpy(force=True), activations.numpy(force=True), outputs.numpy(force=True))

    def forward(self) -> Forward:
        if self.network is not None:
            return self._fused_figures(network_pass(self.network))
        with torch.no_grad():
            return self._to_numpy(*self._forward())

    def step(
        self, noise: np.ndarray | None = None, order: np.ndarray | None = None, stop: StopCheck | None = None
    ) -> Forward | None:
        if order is not None:
            return self._epoch_in_batches(order, noise, stop)
        if noise is not None:  # the figures come from the clean network, the update from the noisy one
            clean = self.forward()
            noise = torch.as_tensor(noise, dtype=self.dtype, device=self.device)
        if self.network is not None:  # (its tensors record no graph: they are detached views of theta)
            step = network_pass(self.network, noise, gradient=True)
            network_gradient(self.network, step)
            self._apply_update()
            return clean if noise is not None else self._fused_figures(step)
        # (a flat spot changes the gradient only: the values, and so the figures, are the clean ones)
        losses, activations, outputs = self._forward(noise, flat_spot=self.flat_spot)
        self.model.theta.grad.zero_()  # not optimizer.zero_grad(): that would unhook the views' .grad
        losses.backward(self.loss_gradient)
        self._apply_update()
        return clean if noise is not None else self._to_numpy(losses, activations, outputs)

    def _fused_figures(self, step: Pass) -> Forward:
        if self.theta_numpy is not None:  # on the CPU: plain numpy(), as force=True costs a few calls each
            return Forward(step.losses.numpy(), step.hidden.numpy(), step.outputs.numpy())
        return Forward(step.losses.numpy(force=True), step.hidden.numpy(force=True), step.outputs.numpy(force=True))

    def _epoch_in_batches(self, order: np.ndarray, noise: np.ndarray | None, stop: StopCheck | None) -> Forward | None:
        """One pass over each seed's patterns in `order` (S, P), an update per `batch_size` of them,
        as the NumPy backend does it; returns the clean figures from before the epoch, or None
        when `stop()` said so before an update."""
        clean = self.forward()
        seeds = np.arange(order.shape[0])[:, None]
        for part in chunks(order.shape[1], self.batch_size):
            if stop is not None and stop():
                return None
            rows = order[:, part]  # (S, B)
            batch_noise = None if noise is None else noise[seeds, rows]
            losses, _, _ = self._forward(batch_noise, torch.as_tensor(rows, device=self.device), self.flat_spot)
            weight = loss_weight(self.loss_name, rows.shape[1], self.data.shape[1])
            self.model.theta.grad.zero_()
            losses.backward(torch.full((), weight, dtype=self.dtype, device=self.device).expand(losses.shape))
            self._apply_update()
        return clean

    def _apply_update(self) -> None:
        """One optimiser update from the gradient in theta.grad."""
        if self.weight_decay:  # as torch.optim's weight_decay adds it (Rprop has none, so it is done here)
            self.model.theta.grad.add_(self.model.theta.detach(), alpha=self.weight_decay)
        optimizer_step(self.optimizer)

    def restart(self, rows: np.ndarray, weights: Weights) -> None:
        """Seeds `rows` begin again from `weights` (leading axis len(rows)), with no optimiser state."""
        m = self.model
        index = torch.as_tensor(rows, device=self.device)
        new = (weights.W1, weights.b1[:, None, :], weights.W2, weights.b2[:, None, :])
        for whole, values in zip((m.W1, m.b1, m.W2, m.b2), new, strict=True):
            whole.detach()[index] = torch.as_tensor(values, dtype=self.dtype, device=self.device)
        if not self.seed_tensors:
            reset_optimizer_state(self.optimizer, self.model.layout.views, rows)
            return
        for row in rows:
            for tensor in self.seed_tensors[row]:
                self.optimizer.state.pop(tensor, None)  # torch.optim starts it afresh

    def weights(self) -> Weights:
        m = self.model
        W1, b1, W2, b2 = (p.detach().cpu().numpy().copy() for p in (m.W1, m.b1, m.W2, m.b2))
        return Weights(W1, b1[:, 0], W2, b2[:, 0])  # the biases without their unit pattern axis

    def select(self, rows: np.ndarray) -> TorchBackend:
        """A backend of seeds `rows` alone, where these are: their weights and optimizer state."""
        part = TorchBackend(self.config, Weights(*(array[rows] for array in self.weights())), self.data_array)
        views = self.model.layout.views
        part.load_optimizer_state(selected_state(self.optimizer_state(), rows, views, bool(self.seed_tensors)))
        return part

    def nonfinite_weights(self) -> np.ndarray | None:
        if self.theta_numpy is not None and surely_finite(self.theta_numpy):  # nearly always, on the CPU
            return None
        m = self.model
        with torch.no_grad():
            finite = [torch.isfinite(p).flatten(1).all(dim=1) for p in (m.W1, m.b1, m.W2, m.b2)]
            finite = torch.stack(finite).all(dim=0).cpu().numpy()
        return None if finite.all() else ~finite
