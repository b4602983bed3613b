"""The torch backend's fused full-batch step (aelab/backends/torch_fused.py) does autograd's maths.

Its gradient is checked against torch autograd of the plain formulas for every loss and
activation it covers, one-hot data or not, saturated outputs included; its oneDNN products
against torch.bmm; its plain-SGD update against optimizer.step(); and whole runs on the fused
path against the NumPy backend and against single runs.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, train
from aelab.activations import ACTIVATIONS
from tests.test_methods import assert_batch_equals_single_runs

torch = pytest.importorskip("torch")
functional = torch.nn.functional
torch_backend = pytest.importorskip("aelab.backends.torch_backend")
torch_fused = pytest.importorskip("aelab.backends.torch_fused")
torch_optim = pytest.importorskip("aelab.backends.torch_optim")

NAMES = ("W1", "b1", "W2", "b2")


def random_network(seeds: int, width: int, hidden: int, scale: float, one_hot: bool, activation: str, loss: str):
    """float64 theta (with its .grad) for S seeds, and the fused step's Network over it."""
    generator = torch.Generator().manual_seed(width * 100 + hidden)
    layout = torch_fused.Layout(seeds, width, hidden)
    theta = (torch.randn(layout.size, generator=generator, dtype=torch.float64) * scale).requires_grad_()
    theta.grad = torch.zeros_like(theta)
    if one_hot:
        patterns = torch.eye(width, dtype=torch.float64)
    else:  # another one-of-N code: each pattern's target unit is a random permutation of the identity's
        patterns = torch.eye(width, dtype=torch.float64)[torch.randperm(width, generator=generator)]
    inputs = patterns.expand(seeds, width, width)
    return theta, torch_fused.Network(theta, layout, inputs, ACTIVATIONS[activation], loss, one_hot)


def plain_losses(theta, network):
    """Each seed's loss (S,) and the outputs, from theta through torch's own autograd ops."""
    W1, b1, W2, b2 = network.layout.views(theta)
    X = network.inputs
    hidden = network.activation.torch(torch.baddbmm(b1, X, W1))
    logits = torch.baddbmm(b2, hidden, W2)
    if network.loss == "softmax_ce":
        per_pattern = -(X * functional.log_softmax(logits, dim=-1)).sum(dim=-1)
        return per_pattern.mean(dim=-1), logits.softmax(dim=-1)
    outputs = torch.sigmoid(logits)
    if network.loss == "mse":
        per_output = functional.mse_loss(outputs, X, reduction="none")
    else:
        per_output = functional.binary_cross_entropy_with_logits(logits, X, reduction="none")
    return per_output.flatten(1).mean(dim=1), outputs


@pytest.mark.parametrize("one_hot", [True, False])
@pytest.mark.parametrize("scale", [0.5, 8.0])  # 8: most outputs saturate the sigmoid and the softmax
@pytest.mark.parametrize("activation", sorted(torch_fused.ACTIVATION_BACKWARD))
@pytest.mark.parametrize("loss", torch_fused.LOSSES)
def test_fused_gradient_equals_autograd_of_the_plain_formulas(loss, activation, scale, one_hot):
    """float64, 3 seeds: losses, outputs and d(Σ_s loss_s)/d(W1, b1, W2, b2) agree with plain autograd."""
    theta, network = random_network(3, 7, 3, scale, one_hot, activation, loss)
    expected_losses, expected_outputs = plain_losses(theta, network)
    (expected,) = torch.autograd.grad(expected_losses.sum(), theta)
    step = torch_fused.network_pass(network, gradient=True)
    torch_fused.network_gradient(network, step)
    torch.testing.assert_close(step.losses, expected_losses, rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(step.outputs, expected_outputs, rtol=1e-12, atol=1e-15)
    ours, theirs = network.layout.views(theta.grad), network.layout.views(expected)
    for name, got, want in zip(NAMES, ours, theirs, strict=True):
        assert want.abs().max() > 0, name  # the comparison means something
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-14, msg=name)


def test_every_activation_with_a_kernel_is_in_the_table_and_the_rest_take_autograd():
    """ACTIVATION_BACKWARD names only aelab's activations; an activation without a kernel there is
    not fused (tests/test_settings.py trains one through autograd)."""
    assert set(torch_fused.ACTIVATION_BACKWARD) == set(ACTIVATIONS)
    assert torch_fused.fuses("mse", "tanh", 0.0)
    assert not torch_fused.fuses("mse", "softsign", 0.0)
    assert not torch_fused.fuses("sse", "tanh", 0.0) and not torch_fused.fuses("mse", "tanh", 0.1)


def test_the_figures_pass_equals_the_training_pass():
    """Without the gradient the pass makes the same losses and outputs, to the bit."""
    for loss in torch_fused.LOSSES:
        _, network = random_network(2, 9, 3, 2.0, True, "tanh", loss)
        trained = torch_fused.network_pass(network, gradient=True)
        figures = torch_fused.network_pass(network)
        for ours, theirs in zip(trained[:3], figures[:3], strict=True):
            assert torch.equal(ours, theirs), loss


@pytest.fixture
def onednn(monkeypatch):
    """Sends every float32 product to oneDNN, however small (skips where torch has no usable oneDNN op)."""
    if not torch_fused.onednn_ready():
        pytest.skip("this torch has no working torch.ops.mkldnn._linear_pointwise; products use torch.bmm")
    monkeypatch.setattr(torch_fused, "ONEDNN_FROM", 0)


@pytest.mark.parametrize("seeds", [1, 3])
def test_onednn_products_equal_bmm_to_rounding(onednn, seeds):
    """Each product the step makes (with a bias, a transposed operand, a scale), oneDNN vs float64 and bmm."""
    generator = torch.Generator().manual_seed(seeds)
    h = torch.randn(seeds, 300, 11, generator=generator)
    W = torch.randn(seeds, 11, 200, generator=generator)
    bias = torch.randn(seeds, 1, 200, generator=generator)
    slope = torch.randn(seeds, 300, 200, generator=generator)
    cases = [(h, W, bias, 1.0), (W, slope.transpose(1, 2), None, 0.25), (h.transpose(1, 2), slope, None, 3.0)]
    for a, b, add, scale in cases:
        product = torch_fused.seed_matmul(a, b, bias=add, scale=scale)
        exact = scale * torch.bmm(a.double(), b.double()) + (0 if add is None else add.double())
        size = scale * torch.bmm(a.double().abs(), b.double().abs()) + (0 if add is None else add.double().abs())
        assert product.dtype == torch.float32 and product.shape == exact.shape
        assert ((product.double() - exact).abs() <= 1e-5 * size + 1e-30).all()
        out = torch.empty_like(product)
        assert torch_fused.seed_matmul(a, b, bias=add, out=out, scale=scale) is out
        assert torch.equal(out, product)


def test_bmm_products_take_the_bias_and_the_scale():
    """float64 (torch.bmm's path): scale a @ b and a @ b + bias, into a fresh tensor or into `out`."""
    generator = torch.Generator().manual_seed(2)
    a, b = (
        torch.randn(2, 5, 3, generator=generator, dtype=torch.float64),
        torch.randn(2, 3, 4, generator=generator, dtype=torch.float64),
    )
    bias = torch.randn(2, 1, 4, generator=generator, dtype=torch.float64)
    torch.testing.assert_close(torch_fused.seed_matmul(a, b, bias=bias), a @ b + bias, rtol=1e-14, atol=0)
    torch.testing.assert_close(torch_fused.seed_matmul(a, b, scale=0.3), 0.3 * (a @ b), rtol=1e-14, atol=0)
    out = torch.full((2, 5, 4), float("nan"), dtype=torch.float64)  # beta = 0: the old values are never read
    assert torch_fused.seed_matmul(a, b, out=out, scale=0.3) is out
    torch.testing.assert_close(out, 0.3 * (a @ b), rtol=1e-14, atol=0)


def test_onednn_is_not_used_for_float64_or_when_turned_off(onednn):
    """float64 (the parity tests' dtype) always goes to torch.bmm: oneDNN has no float64 product. So does
    float32 when the user turns oneDNN off (torch.backends.mkldnn.flags(enabled=False))."""
    a, b = torch.rand(1, 4, 3, dtype=torch.float64), torch.rand(1, 3, 5, dtype=torch.float64)
    assert not torch_fused.onednn_pays(a, b)
    assert torch.equal(torch_fused.seed_matmul(a, b), torch.bmm(a, b))
    generator = torch.Generator().manual_seed(0)
    a, b = torch.rand(2, 11, 300, generator=generator), torch.rand(2, 300, 200, generator=generator)
    # Whether the two libraries round differently depends on the CPU's kernels, so ask the routing itself.
    assert torch_fused.onednn_pays(a, b)  # float32 with oneDNN on: the product goes there
    with warnings.catch_warnings():  # flags() warns about GPU TF32 support this torch lacks
        warnings.simplefilter("ignore")
        with torch.backends.mkldnn.flags(enabled=False):
            assert not torch_fused.onednn_pays(a, b)
            assert torch.equal(torch_fused.seed_matmul(a, b), torch.bmm(a, b))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_plain_sgd_update_equals_optimizer_step_to_the_bit(optimizer):
    """optimizer_step's direct call of torch.optim's sgd() moves theta exactly as SGD.step() does;
    momentum (a state) goes through step() itself and keeps its buffer."""
    config = Config(optimizer=optimizer, lr=3.7, momentum=0.9)
    generator = torch.Generator().manual_seed(1)
    ours, theirs = (torch.nn.Parameter(torch.randn(50, generator=generator)) for _ in range(2))
    theirs.data.copy_(ours.data)
    direct = torch_optim.make_torch_optimizer(config, [ours])
    reference = torch_optim.make_torch_optimizer(config, [theirs])
    for _ in range(3):
        gradient = torch.randn(50, generator=generator)
        ours.grad, theirs.grad = gradient.clone(), gradient.clone()
        torch_optim.optimizer_step(direct)
        reference.step()
        assert torch.equal(ours, theirs)
    assert ("momentum_buffer" in direct.state[ours]) == (optimizer == "momentum")


@pytest.fixture
def fused(monkeypatch) -> list[str]:
    """Counts the torch backend's fused updates: the list names the loss of each."""
    calls, gradient = [], torch_backend.network_gradient

    def counted(network, step):
        calls.append(network.loss)
        return gradient(network, step)

    monkeypatch.setattr(torch_backend, "network_gradient", counted)
    return calls


# The settings of tests/test_parity.py's recipes, with a method each, so every path of the step is met
RECIPES = {
    "sgd-bce-sigmoid": dict(optimizer="sgd", lr=2.0, loss="bce", activation="sigmoid"),
    "momentum-mse-noise": dict(optimizer="momentum", lr=2.0, loss="mse", noise=0.3),
    "adam-softmax-restarts": dict(optimizer="adam", lr=0.05, loss="softmax_ce", restart_after=15),
    "rprop-mse-decay-relu": dict(optimizer="rprop", lr=0.01, loss="mse", weight_decay=1e-3, activation="relu"),
    "sgd-mse-leaky": dict(optimizer="sgd", lr=2.0, loss="mse", activation="leaky_relu"),
    "sgd-bce-linear": dict(optimizer="sgd", lr=0.5, loss="bce", activation="linear"),
}


@pytest.mark.parametrize("recipe", list(RECIPES))
def test_fused_backend_agrees_with_numpy_in_float64(fused, recipe):
    """float64, 8-3-8 on the fused path: the same history (1e-9 relative) and final weights as NumPy."""
    config = replace(Config(width=8, hidden=3, init_scale=1.0, epochs=120, seed=3, dtype="float64"), **RECIPES[recipe])
    ours, theirs = train(config), train(replace(config, backend="torch", device="cpu"))
    assert set(fused) == {config.loss} and len(fused) == config.epochs  # every update was fused
    if config.restart_after:
        assert ours.restarts and ours.restarts == theirs.restarts
    np.testing.assert_allclose(theirs.history["loss"], ours.history["loss"], rtol=1e-9)
    for name in ("accuracy", "bits_correct", "distinct_codes"):
        np.testing.assert_array_equal(theirs.history[name], ours.history[name], err_msg=name)
    for name in NAMES:
        np.testing.assert_allclose(getattr(theirs.final, name), getattr(ours.final, name), rtol=1e-9, atol=1e-12)


def test_float32_fused_onednn_run_agrees_with_numpy(fused, onednn):
    """float32, 16-4-16, the default recipe with every product on oneDNN: losses agree to float32 rounding."""
    config = Config(width=16, hidden=4, epochs=60, seed=1)
    ours, theirs = train(config), train(replace(config, backend="torch", device="cpu"))
    assert len(fused) == config.epochs
    assert theirs.history["loss"].dtype == ours.history["loss"].dtype
    np.testing.assert_allclose(theirs.history["loss"], ours.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(theirs.final.W2, ours.final.W2, rtol=1e-3, atol=1e-4)


def test_batched_fused_onednn_runs_equal_single_runs(fused, onednn):
    """float32, 3 seeds in one batch (one oneDNN call per seed, stacked) against each seed alone."""
    config = Config(backend="torch", device="cpu", width=12, hidden=3, epochs=40, noise=0.2, restart_after=15)
    assert_batch_equals_single_runs(config, rtol=1e-6)
    assert fused


# The classic methods (tests/test_classic.py) meet the fused step too: for the epoch's updates, or not
# at all (mini-batch updates take autograd, as do a flat spot and sse).
CLASSIC = {
    "quickprop-mse": (dict(optimizer="quickprop", lr=0.5, loss="mse", epochs=25), True),
    "minibatch-momentum": (dict(optimizer="momentum", lr=2.0, batch_size=3), False),
    "flat-spot-sgd": (dict(optimizer="sgd", lr=2.0, flat_spot=0.1), False),
    "sse-uniform": (dict(optimizer="sgd", lr=0.3, loss="sse", init="uniform"), False),
}


@pytest.mark.parametrize("recipe", list(CLASSIC))
def test_classic_methods_agree_with_numpy_in_float64(fused, recipe):
    settings, takes_fused = CLASSIC[recipe]
    config = replace(Config(width=8, hidden=3, init_scale=1.0, epochs=60, seed=5, dtype="float64"), **settings)
    ours, theirs = train(config), train(replace(config, backend="torch", device="cpu"))
    assert bool(fused) == takes_fused
    np.testing.assert_allclose(theirs.history["loss"], ours.history["loss"], rtol=1e-9)
    for name in NAMES:
        np.testing.assert_allclose(getattr(theirs.final, name), getattr(ours.final, name), rtol=1e-9, atol=1e-12)
