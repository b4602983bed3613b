"""The torch backend's full-batch step in a few torch kernels, with no autograd graph.

    z1 = X @ W1 + b1        (P, N) @ (S, N, k) + (S, 1, k) -> (S, P, k)   (plus the epoch's noise)
    h  = act(z1)
    z2 = h @ W2 + b2        (S, P, k) @ (S, k, N) + (S, 1, N) -> (S, P, N)
    y  = sigmoid(z2)        (softmax over each pattern's N outputs for softmax_ce; z2 itself for a linear output)
    loss_s = the mean over seed s's outputs of mse or bce (softmax_ce: the mean over its patterns of -log y[target])

Why: through autograd, a step records a dozen graph nodes and makes several
(S, P, N) temporaries (the loss of each output, its backward, sigmoid's
backward, the bias's sum). Up to 256-8-256 that bookkeeping costs more than
the arithmetic, and at 1024 wide every pass over the 1024 x 1024 outputs
costs about as much as the whole hidden layer. Here the forward pass makes y,
the losses and dLoss/dz2 (up to a constant) in a few passes, y - X and mse's
slope in one scratch tensor reused every step (bce's per-output losses and
softmax's log-outputs are still fresh tensors), and the backward pass is
three products (the constant as their alpha, or on oneDNN's path a multiply
of their small results, never a pass over the (S, P, N) slope), one small
sum and autograd's own kernel for the activation, written straight into
theta.grad. torch.optim makes the update, as on every other path.

A pass leaves dLoss/dz2 in network.error for network_gradient, so a step's
pass and its gradient must not have another pass between them (the backend
makes a step's figures pass first).

Which steps: full batch, loss mse, bce or softmax_ce, no flat spot, an activation
in ACTIVATION_BACKWARD. Mini-batch updates, a flat spot, sse and activations
known only to aelab.activations take the backend's autograd path, the reference:
tests/test_torch_fused.py checks this gradient against autograd of the plain
formulas for every activation and loss, and each product path against the other.

The products: torch.bmm calls MKL, whose float32 kernel for these shapes (an
operand with k <= 10 columns) runs at a quarter to a half of the speed of
the other CPU GEMM library torch ships, oneDNN, through the op torch.compile's
CPU backend uses for linear layers (torch.ops.mkldnn._linear_pointwise). Where
that op exists and passes a check against torch.mm (onednn_ready), float32
products of at least ONEDNN_FROM multiply-adds per seed go to it, one call per
seed, unless the user turned oneDNN off (torch.backends.mkldnn.flags); the
rest (float64, other devices, small products) use torch.bmm. Both are exact
to rounding.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import torch
import torch.nn.functional as F

from aelab.activations import LEAKY_SLOPE, Activation

LOSSES = ("mse", "bce", "softmax_ce")  # the losses computed here (sse takes autograd)
ONEDNN_FROM = 1 << 21  # multiply-adds per seed: below this, a oneDNN call's ~13 us set-up costs more than MKL

_aten = torch.ops.aten
# dz1 = dLoss/dz1 from dLoss/dh, z1 and h, written into `out`: per activation of aelab.activations, the
# kernel torch's autograd runs for it (tests/test_torch_fused.py checks each against autograd). An
# activation added to that table alone is not here, and its steps take the backend's autograd path.
ACTIVATION_BACKWARD = {
    "sigmoid": lambda grad, z, h, out: _aten.sigmoid_backward.grad_input(grad, h, grad_input=out),
    "tanh": lambda grad, z, h, out: _aten.tanh_backward.grad_input(grad, h, grad_input=out),
    "relu": lambda grad, z, h, out: _aten.threshold_backward.grad_input(grad, z, 0, grad_input=out),
    "leaky_relu": lambda grad, z, h, out: _aten.leaky_relu_backward.grad_input(
        grad, z, LEAKY_SLOPE, False, grad_input=out
    ),
    "linear": lambda grad, z, h, out: out.copy_(grad),
}


class Layout:
    """Where W1, b1, W2 and b2 of S seeds lie in one flat tensor (theta, or its gradient): each
    parameter's block for all seeds, one after the other. b1 and b2 keep a unit pattern axis,
    (S, 1, k) and (S, 1, N), ready to broadcast."""

    def __init__(self, seeds: int, width: int, hidden: int):
        self.shapes = [(seeds, width, hidden), (seeds, 1, hidden), (seeds, hidden, width), (seeds, 1, width)]
        self.size = sum(s * rows * columns for s, rows, columns in self.shapes)

    def views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """W1 (S, N, k), b1 (S, 1, k), W2 (S, k, N), b2 (S, 1, N): views into `flat` (no copies)."""
        views, start = [], 0
        for shape in self.shapes:
            end = start + shape[0] * shape[1] * shape[2]
            views.append(flat[start:end].view(shape))
            start = end
        return views


class Network:
    """One backend's network as the fused step sees it: views made once (each view costs a call),
    and the step's (S, P, N) scratch tensor, reused every step (a fresh one costs page faults, a
    second one would push the outputs out of the cache)."""

    def __init__(self, theta: torch.Tensor, layout: Layout, inputs: torch.Tensor, activation: Activation,
                 loss: str, one_hot: bool, linear: bool = False):  # fmt: skip
        self.layout = layout
        self.parameters = layout.views(theta.detach())  # W1, b1, W2, b2: theta's memory, no graph
        self.gradient = theta.grad  # flat, and its views dW1, db1, dW2, db2
        self.gradients = layout.views(self.gradient)
        self.inputs = inputs  # X (S, P, N), an expanded view of the (P, N) patterns; also the targets
        self.activation, self.backward = activation, ACTIVATION_BACKWARD[activation.name]
        self.loss, self.linear = loss, linear  # linear: y = z2 (mse only), else sigmoid (softmax for softmax_ce)
        # X is the identity (see patterns.is_one_hot): X @ W1 = W1, Xᵀ @ dz1 = dz1, y - X by its diagonal
        self.one_hot = one_hot
        self.error = torch.empty(inputs.shape, dtype=inputs.dtype, device=inputs.device)  # y - X; mse: then its slope
        self.error_rows = self.error.view(inputs.shape[0], -1)  # (S, P N)
        self.error_diagonal = self.error.diagonal(dim1=-2, dim2=-1)  # (S, P)
        self.error_transposed = self.error.transpose(1, 2)  # (S, N, P)
        seeds, patterns, hidden = inputs.shape[0], inputs.shape[1], self.parameters[0].shape[-1]
        # dz1 (S, P, k); for one-hot data it is dW1 itself
        self.pre_gradient = self.gradients[0] if one_hot else inputs.new_empty((seeds, patterns, hidden))
        self.hidden_gradient = inputs.new_empty((seeds, hidden, patterns))  # dhᵀ
        self.ones = inputs.new_ones((1, 1, patterns)).expand(seeds, 1, patterns)  # sums over the patterns


@cache
def onednn_ready() -> bool:
    """torch.ops.mkldnn._linear_pointwise exists (a private op: it may change) and multiplies correctly."""
    try:
        a, b = torch.rand(5, 3), torch.rand(3, 4)
        product = torch.ops.mkldnn._linear_pointwise(a.T.contiguous().T, b.T, None, "none", [], "")
        return bool(torch.allclose(product, a @ b, rtol=1e-5, atol=1e-6))
    except (AttributeError, RuntimeError, NotImplementedError):
        return False


def onednn_pays(a: torch.Tensor, b: torch.Tensor) -> bool:
    """The product a @ b per seed is big enough, and of the kind, that oneDNN makes faster."""
    if a.shape[1] * a.shape[2] * b.shape[2] < ONEDNN_FROM:  # first: the cheap test that settles most calls
        return False
    return a.dtype == torch.float32 and a.device.type == "cpu" and torch.backends.mkldnn.enabled and onednn_ready()


def seed_matmul(
    a: torch.Tensor,
    b: torch.Tensor,
    bias: torch.Tensor | None = None,
    out: torch.Tensor | None = None,
    scale: float = 1.0,
) -> torch.Tensor:
    """scale a @ b (+ bias) per seed: (S, M, K) @ (S, K, N) (+ (S, 1, N)) -> (S, M, N), into `out`
    when given, by oneDNN where it pays (see the module's text). The bias and the scale ride in the
    product's own call where the library takes them (bias and scale are not used together)."""
    if not onednn_pays(a, b):
        if bias is not None:
            return torch.baddbmm(bias, a, b, out=out)
        if scale == 1.0 or out is None:
            product = torch.bmm(a, b, out=out)
            return product if scale == 1.0 else product.mul_(scale)
        return torch.baddbmm(out, a, b, beta=0, alpha=scale, out=out)  # beta=0: out's old values unread
    linear = torch.ops.mkldnn._linear_pointwise  # x @ wᵀ + bias; oneDNN reads the strides of views
    swap = a[0].numel() > b[0].numel()  # it is faster with the larger operand as w: a @ b = (bᵀ @ aᵀ)ᵀ

    def product(seed: int) -> torch.Tensor:
        if swap:  # (the bias would run along the wrong axis of the swapped product: added after)
            result = linear(b[seed].T, a[seed], None, "none", [], "").T
            result = result if bias is None else result.add_(bias[seed])
        else:
            result = linear(a[seed], b[seed].T, None if bias is None else bias[seed, 0], "none", [], "")
        return result if scale == 1.0 else result.mul_(scale)

    if out is None and a.shape[0] == 1:
        return product(0)[None]
    if out is None:
        out = a.new_empty((a.shape[0], a.shape[1], b.shape[2]))
    for seed in range(a.shape[0]):  # one seed's product alive at a time, not S of them and their stack
        out[seed] = product(seed)
    return out


def fuses(loss: str, activation: str, flat_spot: float, output: str = "sigmoid") -> bool:
    """A full-batch step with these settings is made here (else by autograd: see the module's text);
    `output` is Config.output_layer: a linear one with mse only."""
    linear_ok = output != "linear" or loss == "mse"
    return loss in LOSSES and activation in ACTIVATION_BACKWARD and not flat_spot and linear_ok


def outputs_and_losses(
    network: Network, logits: torch.Tensor, gradient: bool
) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Outputs y (S, P, N), each seed's loss (S,) and, with `gradient`, the constant c such that
    dLoss_s/dz2 = c * network.error, which then holds the rest.

    `logits` is used up (overwritten). With one-hot data the targets are the identity (see
    patterns.is_one_hot): y - X is then y with 1 taken off its diagonal, bit for bit the same."""
    X, loss, error = network.inputs, network.loss, network.error
    patterns, width = logits.shape[-2:]
    count = patterns * width  # mse and bce: the mean runs over every output of every pattern
    if loss == "softmax_ce":
        log_outputs = F.log_softmax(logits, dim=-1)
        outputs = torch.exp(log_outputs)
        # each pattern's log y[target], made contiguous so that both paths sum the same layout alike
        target = log_outputs.diagonal(dim1=-2, dim2=-1) if network.one_hot else (X * log_outputs).sum(dim=-1)
        losses = target.contiguous().sum(dim=-1).div_(-patterns)
    else:
        if loss == "bce":  # from the logits, before sigmoid overwrites them
            per_output = F.binary_cross_entropy_with_logits(logits, X, reduction="none")
            losses = per_output.flatten(1).sum(dim=1).div_(count)
        outputs = logits if network.linear else torch.sigmoid(logits, out=logits)
    if loss != "mse" and not gradient:
        return outputs, losses, 0.0
    if network.one_hot:
        error.copy_(outputs)
        network.error_diagonal.sub_(1)
    else:
        torch.sub(outputs, X, out=error)  # y - X
    if loss != "mse":  # dLoss/dz2 = (y - X) / count (softmax_ce: / P, for one-of-N targets: rows summing to 1)
        return outputs, losses, 1 / (patterns if loss == "softmax_ce" else count)
    losses = torch.linalg.vecdot(network.error_rows, network.error_rows).div_(count)  # the mean of (y - X)^2
    if gradient and not network.linear:  # dLoss/dz2 = (2 / count) (y - X) y (1 - y), the last two in place by
        # autograd's sigmoid kernel (linear: dy/dz2 = 1)
        _aten.sigmoid_backward.grad_input(error, outputs, grad_input=error)
    return outputs, losses, 2 / count


class Pass(NamedTuple):
    """A forward pass of every seed, and what its gradient needs."""

    losses: torch.Tensor  # (S,) each seed's loss
    hidden: torch.Tensor  # (S, P, k) activations h
    outputs: torch.Tensor  # (S, P, N) y
    pre_activations: torch.Tensor  # (S, P, k) z1
    constant: float  # dLoss_s/dz2 = constant * network.error (with gradient=True)


def network_pass(network: Network, noise: torch.Tensor | None = None, gradient: bool = False) -> Pass:
    """The forward pass of every seed at the current theta; `noise` (S, P, k) is added to z1. With
    `gradient`, network.error is left holding dLoss/dz2 for network_gradient."""
    W1, b1, W2, b2 = network.parameters
    z1 = W1 + b1 if network.one_hot else torch.baddbmm(b1, network.inputs, W1)  # (S, P, k)
    if noise is not None:
        z1 += noise
    hidden = network.activation.torch(z1)
    logits = seed_matmul(hidden, W2, b2)  # (S, P, N), fresh: it becomes the outputs
    outputs, losses, constant = outputs_and_losses(network, logits, gradient)
    return Pass(losses, hidden, outputs, z1, constant)


def network_gradient(network: Network, step: Pass) -> None:
    """d(Σ_s loss_s) / d theta at `step` (the last pass, made with gradient=True), into theta.grad."""
    dW1, db1, dW2, db2 = network.gradients
    W2, slope, hidden, constant = network.parameters[2], network.error, step.hidden, step.constant
    # dLoss/dz2 = constant * slope: the constant rides in the products (GEMM's alpha), not in a pass
    # over the (S, P, N) slope. dW2 = hᵀ dz2: (S, k, P) @ (S, P, N) -> (S, k, N); db2 = 1ᵀ dz2
    seed_matmul(hidden.transpose(1, 2), slope, out=dW2, scale=constant)
    seed_matmul(network.ones, slope, out=db2, scale=constant)  # (S, 1, P) @ (S, P, N): Σ_p dz2
    # dh = dz2 W2ᵀ, made as (W2 dz2ᵀ)ᵀ: (S, k, N) @ (S, N, P) -> (S, k, P), which MKL does faster
    d_hidden = seed_matmul(W2, network.error_transposed, out=network.hidden_gradient, scale=constant)
    d_pre = network.backward(d_hidden.transpose(1, 2), step.pre_activations, hidden, network.pre_gradient)
    if not network.one_hot:  # (one-hot: Xᵀ dz1 = dz1, which is where it was written)
        torch.matmul(network.inputs[0].T, d_pre, out=dW1)  # (N, P) @ (S, P, k) -> (S, N, k)
    torch.sum(d_pre, dim=1, keepdim=True, out=db1)  # db1 = Σ_p dz1
