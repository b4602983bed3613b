"""The torch backend's output layer and loss for wide networks: one autograd Function.

    z2 = h @ W2 + b2        (S, P, k) @ (S, k, N) + (S, 1, N) -> (S, P, N)
    y  = sigmoid(z2)        (softmax over each pattern's N outputs for softmax_ce)
    loss_s = the mean over seed s's outputs of mse or bce (softmax_ce: the mean over its patterns of -log y[target])

Why: written as separate autograd ops, this layer makes several (S, P, N)
temporaries (the loss of each output, its backward, sigmoid's backward, the
bias's sum), and at N = 1024 every pass over the 1024 x 1024 outputs costs
about as much as the whole hidden layer. Here the forward pass makes y, the
losses and dLoss/dz2 (up to a constant) in five passes, into two scratch
tensors that are reused every step, and the backward pass is two matrix
products; the constant and the seeds' upstream gradients scale their small
results, not the (S, P, N) one. b2 rides in the products as one more row of
W2 against a column of ones in h, so no pass adds it and none sums dz2 over
the patterns for db2. The hidden layer stays plain autograd.

The products: torch.bmm calls MKL, whose float32 kernel for these shapes (an
operand with k + 1 <= 11 columns) runs at a quarter to a half of the speed of
the other CPU GEMM library torch ships, oneDNN, through the op torch.compile's
CPU backend uses for linear layers (torch.ops.mkldnn._linear_pointwise). Where that op exists and passes
a check against torch.mm (onednn_ready), float32 products of at least
ONEDNN_FROM multiply-adds per seed go to it, one call per seed, unless the
user turned oneDNN off (torch.backends.mkldnn.flags); the rest (float64, other
devices, small products) use torch.bmm. Both are exact to rounding.
tests/test_torch_output.py checks the Function's gradient against autograd
of the unfused formulas, and each product path against the other.
"""

from __future__ import annotations

from functools import cache

import torch
import torch.nn.functional as F

LOSSES = ("mse", "bce", "softmax_ce")  # the losses this Function computes (sse keeps torch's own ops)
ONEDNN_FROM = 1 << 21  # multiply-adds per seed: below this, a oneDNN call's ~13 us set-up costs more than MKL


class Workspace:
    """The Function's two (S, P, N) scratch tensors, made once and reused every step."""

    def __init__(self, shape: torch.Size, dtype: torch.dtype, device: torch.device):
        self.error = torch.empty(shape, dtype=dtype, device=device)  # y - X, then (y - X)^2 for mse
        self.slope = torch.empty(shape, dtype=dtype, device=device)  # mse's (y - X) y (1 - y), kept for backward


@cache
def onednn_ready() -> bool:
    """torch.ops.mkldnn._linear_pointwise exists (a private op: it may change) and multiplies correctly."""
    try:
        a, b = torch.rand(5, 3), torch.rand(3, 4)
        product = torch.ops.mkldnn._linear_pointwise(a.T.contiguous().T, b.T, None, "none", [], "")
        return bool(torch.allclose(product, a @ b, rtol=1e-5, atol=1e-6))
    except (AttributeError, RuntimeError, NotImplementedError):
        return False


def seed_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a @ b per seed: (S, M, K) @ (S, K, N) -> (S, M, N), by oneDNN where it pays (see the module's text)."""
    seeds, rows, inner = a.shape
    big = rows * inner * b.shape[-1] >= ONEDNN_FROM
    if not (big and a.dtype == torch.float32 and a.device.type == "cpu" and torch.backends.mkldnn.enabled):
        return torch.bmm(a, b)
    if not onednn_ready():
        return torch.bmm(a, b)
    linear = torch.ops.mkldnn._linear_pointwise  # x @ wᵀ; oneDNN reads the strides of views
    swap = a[0].numel() > b[0].numel()  # it is faster with the larger operand as w: a @ b = (bᵀ @ aᵀ)ᵀ

    def product(seed: int) -> torch.Tensor:
        if swap:
            return linear(b[seed].T, a[seed], None, "none", [], "").T
        return linear(a[seed], b[seed].T, None, "none", [], "")

    if seeds == 1:
        return product(0)[None]
    result = a.new_empty((seeds, rows, b.shape[-1]))
    for seed in range(seeds):  # one seed's product alive at a time, not S of them and their stack
        result[seed] = product(seed)
    return result


def augmented(hidden: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """[h, 1] (S, P, k+1) and [W2; b2] (S, k+1, N): their product is h @ W2 + b2 (small copies)."""
    ones = hidden.new_ones((*hidden.shape[:-1], 1))
    return torch.cat((hidden, ones), dim=-1), torch.cat((W2, b2), dim=-2)


def outputs_and_losses(
    loss: str, logits: torch.Tensor, targets: torch.Tensor, one_hot: bool, workspace: Workspace, gradient: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, float]:
    """Outputs y (S, P, N), each seed's loss (S,), and with `gradient` dLoss_s/dz2 / c (S, P, N) and c.

    `logits` is used up (overwritten). With `one_hot` the targets are the identity (see
    data.is_one_hot): y - X is then y with 1 taken off its diagonal, bit for bit the same."""
    patterns, width = logits.shape[-2:]
    count = patterns * width  # mse and bce: the mean runs over every output of every pattern
    if loss == "softmax_ce":
        log_outputs = F.log_softmax(logits, dim=-1)
        outputs = torch.exp(log_outputs)
        # each pattern's log y[target], made contiguous so that both paths sum the same layout alike
        target = log_outputs.diagonal(dim1=-2, dim2=-1) if one_hot else (targets * log_outputs).sum(dim=-1)
        losses = target.contiguous().sum(dim=-1).div_(-patterns)
    else:
        if loss == "bce":  # from the logits, before sigmoid overwrites them
            per_output = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
            losses = per_output.flatten(1).sum(dim=1).div_(count)
        outputs = torch.sigmoid(logits, out=logits)
    if loss != "mse" and not gradient:
        return outputs, losses, None, 0.0
    error = workspace.error
    if one_hot:
        error.copy_(outputs).diagonal(dim1=-2, dim2=-1).sub_(1)
    else:
        torch.sub(outputs, targets, out=error)  # y - X
    if loss != "mse":  # dLoss/dz2 = (y - X) / count (softmax_ce: / P)
        return outputs, losses, error, 1 / (patterns if loss == "softmax_ce" else count)
    slope = None
    if gradient:  # dLoss/dz2 = (2 / count) (y - X) y (1 - y); the last two by autograd's own sigmoid kernel
        slope = torch.ops.aten.sigmoid_backward.grad_input(error, outputs, grad_input=workspace.slope)
    losses = error.mul_(error).flatten(1).sum(dim=1).div_(count)  # the mean of (y - X)^2
    return outputs, losses, slope, 2 / count


class OutputLayerLoss(torch.autograd.Function):
    """(hidden, W2, b2, targets, loss, one_hot, workspace) -> (each seed's loss (S,), outputs (S, P, N)).

    Differentiable in hidden, W2 and b2 through the losses; the outputs are figures only.
    The gradient lives in the workspace until backward: one forward, then its backward, as in a step."""

    @staticmethod
    def forward(ctx, hidden, W2, b2, targets, loss, one_hot, workspace):
        hidden_1, weights = augmented(hidden, W2, b2)
        logits = seed_matmul(hidden_1, weights)
        outputs, losses, slope, constant = outputs_and_losses(loss, logits, targets, one_hot, workspace, True)
        ctx.save_for_backward(hidden_1, weights, slope)  # a later in-place write to slope makes backward raise
        ctx.constant = constant
        ctx.mark_non_differentiable(outputs)
        ctx.set_materialize_grads(False)  # else backward is handed an (S, P, N) tensor of zeros for the outputs
        return losses, outputs

    @staticmethod
    def backward(ctx, loss_gradient, _outputs_gradient):
        if loss_gradient is None:  # undefined: nothing downstream of the losses asked for a gradient
            return None, None, None, None, None, None, None
        hidden_1, weights, slope = ctx.saved_tensors
        scale = (loss_gradient * ctx.constant)[:, None, None]  # (S, 1, 1): dLoss_s/dz2 = scale * slope
        d_hidden = d_W2 = d_b2 = None
        if ctx.needs_input_grad[0]:  # dh = dz2 W2ᵀ: (S, P, N) @ (S, N, k) -> (S, P, k)
            d_hidden = seed_matmul(slope, weights[:, :-1].transpose(1, 2)).mul_(scale)
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            # [dW2; db2] = [h, 1]ᵀ dz2: (S, k+1, P) @ (S, P, N) -> (S, k+1, N); the last row is Σ_p dz2
            d_weights = seed_matmul(hidden_1.transpose(1, 2), slope).mul_(scale)
            d_W2, d_b2 = d_weights[:, :-1], d_weights[:, -1:]
        return d_hidden, d_W2, d_b2, None, None, None, None


def output_layer_loss(
    hidden: torch.Tensor,
    W2: torch.Tensor,
    b2: torch.Tensor,
    targets: torch.Tensor,
    loss: str,
    one_hot: bool,
    workspace: Workspace,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each seed's loss (S,) and the outputs (S, P, N); differentiable (OutputLayerLoss) when autograd records."""
    if torch.is_grad_enabled():
        return OutputLayerLoss.apply(hidden, W2, b2, targets, loss, one_hot, workspace)
    logits = seed_matmul(*augmented(hidden, W2, b2))  # as the Function makes them, to the last bit
    outputs, losses, _, _ = outputs_and_losses(loss, logits, targets, one_hot, workspace, gradient=False)
    return losses, outputs
