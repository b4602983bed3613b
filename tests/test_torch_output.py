"""The torch backend's fused output layer (aelab/backends/torch_output.py) does the unfused maths.

Its gradient is checked against torch autograd of the plain formulas and by
torch.autograd.gradcheck (float64), saturated logits included; its oneDNN
products against torch.bmm; and whole runs on the fused path against the NumPy
backend and against the torch backend's plain path, which the parity tests cover.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, train, train_seeds

torch = pytest.importorskip("torch")
functional = torch.nn.functional
torch_backend = pytest.importorskip("aelab.backends.torch_backend")
torch_output = pytest.importorskip("aelab.backends.torch_output")

LOSSES = ["mse", "bce", "softmax_ce"]
NAMES = ("W1", "b1", "W2", "b2")


def layer_inputs(seeds: int, width: int, hidden: int, dtype: torch.dtype, scale: float, one_hot: bool):
    """Random h (S, P, k), W2 (S, k, N), b2 (S, 1, N), leaves that record gradients, and targets (S, P, N)."""
    generator = torch.Generator().manual_seed(width * 100 + hidden)
    h = torch.rand(seeds, width, hidden, generator=generator, dtype=dtype) * 2 - 1
    W2 = torch.randn(seeds, hidden, width, generator=generator, dtype=dtype) * scale
    b2 = torch.randn(seeds, 1, width, generator=generator, dtype=dtype) * scale
    if one_hot:
        targets = torch.eye(width, dtype=dtype).expand(seeds, width, width)
    else:  # another one-of-N code: each pattern's target unit is a random permutation of the identity's
        targets = torch.eye(width, dtype=dtype)[torch.randperm(width, generator=generator)].expand(seeds, -1, -1)
    return [tensor.requires_grad_() for tensor in (h, W2, b2)], targets


def plain_losses(loss: str, h, W2, b2, targets):
    """The unfused formulas, through torch's own autograd ops: each seed's loss (S,) and the outputs."""
    logits = torch.baddbmm(b2, h, W2)
    if loss == "softmax_ce":
        per_pattern = -(targets * functional.log_softmax(logits, dim=-1)).sum(dim=-1)
        return per_pattern.mean(dim=-1), logits.softmax(dim=-1)
    outputs = torch.sigmoid(logits)
    if loss == "mse":
        per_output = functional.mse_loss(outputs, targets, reduction="none")
    else:
        per_output = functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return per_output.flatten(1).mean(dim=1), outputs


def fused_losses(loss: str, h, W2, b2, targets, one_hot: bool):
    workspace = torch_output.Workspace(targets.shape, targets.dtype, targets.device)
    return torch_output.output_layer_loss(h, W2, b2, targets, loss, one_hot, workspace)


@pytest.mark.parametrize("one_hot", [True, False])
@pytest.mark.parametrize("scale", [0.5, 40.0])  # 40: most logits saturate the sigmoid and the softmax
@pytest.mark.parametrize("loss", LOSSES)
def test_fused_layer_equals_autograd_of_the_plain_formulas(loss, scale, one_hot):
    """float64, 3 seeds: losses, outputs and the gradients of h, W2 and b2 agree with plain autograd."""
    (h, W2, b2), targets = layer_inputs(3, 7, 3, torch.float64, scale, one_hot)
    upstream = torch.tensor([1.0, 0.5, -2.0], dtype=torch.float64)  # each seed's own d(objective)/d(loss)
    expected_losses, expected_outputs = plain_losses(loss, h, W2, b2, targets)
    expected = torch.autograd.grad(expected_losses, (h, W2, b2), upstream)
    losses, outputs = fused_losses(loss, h, W2, b2, targets, one_hot)
    got = torch.autograd.grad(losses, (h, W2, b2), upstream)
    torch.testing.assert_close(losses, expected_losses, rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(outputs, expected_outputs, rtol=1e-12, atol=1e-15)
    for name, ours, theirs in zip(("h", "W2", "b2"), got, expected, strict=True):
        assert theirs.abs().max() > 0, name  # the comparison means something
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-14, msg=name)
    assert not outputs.requires_grad  # the outputs are figures, not part of the objective


@pytest.mark.parametrize("loss", LOSSES)
def test_fused_layer_passes_gradcheck(loss):
    """torch.autograd.gradcheck: the Function's backward against central differences of its forward (float64)."""
    (h, W2, b2), targets = layer_inputs(2, 5, 2, torch.float64, 1.0, one_hot=True)

    def layer(h, W2, b2):  # a fresh workspace for every call: gradcheck keeps earlier graphs for later backwards
        return fused_losses(loss, h, W2, b2, targets, one_hot=True)[0]

    assert torch.autograd.gradcheck(layer, (h, W2, b2), eps=1e-6, atol=1e-8, rtol=1e-6)


def test_no_grad_figures_equal_the_recording_ones():
    """Under no_grad the layer takes no Function, yet its losses and outputs are the same bits."""
    (h, W2, b2), targets = layer_inputs(2, 9, 3, torch.float64, 2.0, one_hot=True)
    for loss in LOSSES:
        recorded = fused_losses(loss, h, W2, b2, targets, one_hot=True)
        with torch.no_grad():
            plain = fused_losses(loss, h, W2, b2, targets, one_hot=True)
        for ours, theirs in zip(recorded, plain, strict=True):
            assert torch.equal(ours.detach(), theirs), loss


@pytest.fixture
def onednn(monkeypatch):
    """Sends every float32 product to oneDNN, however small (skips where torch has no usable oneDNN op)."""
    if not torch_output.onednn_ready():
        pytest.skip("this torch has no working torch.ops.mkldnn._linear_pointwise; products use torch.bmm")
    monkeypatch.setattr(torch_output, "ONEDNN_FROM", 0)


@pytest.mark.parametrize("seeds", [1, 3])
def test_onednn_products_equal_bmm_to_rounding(onednn, seeds):
    """Each product the layer makes (plain, and with a transposed operand), oneDNN vs float64 and vs torch.bmm."""
    generator = torch.Generator().manual_seed(seeds)
    h = torch.randn(seeds, 300, 11, generator=generator)
    W = torch.randn(seeds, 11, 200, generator=generator)
    slope = torch.randn(seeds, 300, 200, generator=generator)
    for a, b in [(h, W), (slope, W[:, :-1].transpose(1, 2)), (h.transpose(1, 2), slope)]:
        product = torch_output.seed_matmul(a, b)
        exact = torch.bmm(a.double(), b.double())
        scale = torch.bmm(a.double().abs(), b.double().abs())  # float32 rounding is relative to this
        assert product.dtype == torch.float32 and product.shape == exact.shape
        assert ((product.double() - exact).abs() <= 1e-5 * scale + 1e-30).all()
        torch.testing.assert_close(product, torch.bmm(a, b), rtol=1e-5, atol=1e-5 * float(scale.max()))


def test_onednn_is_not_used_for_float64_or_when_turned_off(onednn):
    """float64 (the parity tests' dtype) always goes to torch.bmm: oneDNN has no float64 product. So does
    float32 when the user turns oneDNN off (torch.backends.mkldnn.flags(enabled=False))."""
    a, b = torch.rand(1, 4, 3, dtype=torch.float64), torch.rand(1, 3, 5, dtype=torch.float64)
    assert torch.equal(torch_output.seed_matmul(a, b), torch.bmm(a, b))
    generator = torch.Generator().manual_seed(0)
    a, b = torch.rand(2, 11, 300, generator=generator), torch.rand(2, 300, 200, generator=generator)  # K = 300:
    # here the two libraries round differently, so this shows oneDNN is on to begin with
    assert not torch.equal(torch_output.seed_matmul(a, b), torch.bmm(a, b))
    with warnings.catch_warnings():  # flags() warns about GPU TF32 support this torch lacks
        warnings.simplefilter("ignore")
        with torch.backends.mkldnn.flags(enabled=False):
            assert torch.equal(torch_output.seed_matmul(a, b), torch.bmm(a, b))


@pytest.fixture
def fused(monkeypatch) -> list[str]:
    """The torch backend takes the fused output layer at every size; the list names each loss it computed."""
    monkeypatch.setattr(torch_backend, "FUSED_FROM", 0)
    calls, layer = [], torch_backend.output_layer_loss

    def counted(*args):
        calls.append(args[4])
        return layer(*args)

    monkeypatch.setattr(torch_backend, "output_layer_loss", counted)
    return calls


# The settings of tests/test_parity.py's recipes, with a method each, so every path of the step is met
RECIPES = {
    "sgd-bce": dict(optimizer="sgd", lr=2.0, loss="bce", activation="sigmoid"),
    "momentum-mse-noise": dict(optimizer="momentum", lr=2.0, loss="mse", noise=0.3),
    "adam-softmax-restarts": dict(optimizer="adam", lr=0.05, loss="softmax_ce", restart_after=15),
    "rprop-mse-decay": dict(optimizer="rprop", lr=0.01, loss="mse", weight_decay=1e-3, epochs=25),
}


@pytest.mark.parametrize("recipe", list(RECIPES))
def test_fused_backend_agrees_with_numpy_in_float64(fused, recipe):
    """float64, 8-3-8 on the fused path: the same history (1e-9 relative) and final weights as NumPy."""
    config = replace(Config(width=8, hidden=3, init_scale=1.0, epochs=120, seed=3, dtype="float64"), **RECIPES[recipe])
    ours, theirs = train(config), train(replace(config, backend="torch", device="cpu"))
    assert set(fused) == {config.loss} and len(fused) > config.epochs  # every step went through the layer
    if config.restart_after:
        assert ours.restarts and ours.restarts == theirs.restarts
    np.testing.assert_allclose(theirs.history["loss"], ours.history["loss"], rtol=1e-9)
    for name in ("accuracy", "bits_correct", "distinct_codes"):
        np.testing.assert_array_equal(theirs.history[name], ours.history[name], err_msg=name)
    for name in NAMES:
        np.testing.assert_allclose(getattr(theirs.final, name), getattr(ours.final, name), rtol=1e-9, atol=1e-12)


def test_the_fused_path_is_taken_from_fused_from_outputs_on():
    """512 x 512 outputs per seed and more: fused; fewer: torch's own autograd ops."""
    from aelab.backends import make_backend
    from aelab.data import one_hot_patterns
    from aelab.recorder import first_weights
    from aelab.weights import Weights

    def backend(width: int):
        config = Config(backend="torch", device="cpu", width=width, hidden=2, epochs=1)
        return make_backend(config, Weights.stack([first_weights(config, 0)]), one_hot_patterns(width))

    assert 511 * 511 < torch_backend.FUSED_FROM <= 512 * 512
    assert not backend(64).fused and backend(512).fused


def test_float32_fused_onednn_run_agrees_with_numpy(fused, onednn):
    """float32, 16-4-16, the default recipe with every product on oneDNN: losses agree to float32 rounding."""
    config = Config(width=16, hidden=4, epochs=60, seed=1)
    ours, theirs = train(config), train(replace(config, backend="torch", device="cpu"))
    assert len(fused) > config.epochs
    assert theirs.history["loss"].dtype == ours.history["loss"].dtype
    np.testing.assert_allclose(theirs.history["loss"], ours.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(theirs.final.W2, ours.final.W2, rtol=1e-3, atol=1e-4)


def test_batched_fused_onednn_runs_equal_single_runs(fused, onednn):
    """float32, 3 seeds in one batch (one oneDNN call per seed, stacked) against each seed alone."""
    config = Config(backend="torch", device="cpu", width=12, hidden=3, epochs=40, noise=0.2, restart_after=15)
    batch = train_seeds(config, [0, 1, 2])
    assert any(batch.restarts), "some seed must restart"
    for index, seed in enumerate([0, 1, 2]):
        single = train(replace(config, seed=seed))
        assert batch.run(index).restarts == single.restarts
        np.testing.assert_allclose(batch.run(index).history["loss"], single.history["loss"], rtol=1e-6)


def test_a_second_forward_before_backward_makes_backward_raise():
    """The workspace holds one step's gradient: reusing it before backward is refused, not silently wrong."""
    (h, W2, b2), targets = layer_inputs(1, 6, 2, torch.float64, 1.0, one_hot=True)
    workspace = torch_output.Workspace(targets.shape, targets.dtype, targets.device)
    first, _ = torch_output.output_layer_loss(h, W2, b2, targets, "mse", True, workspace)
    torch_output.output_layer_loss(h, W2 * 2, b2, targets, "mse", True, workspace)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        first.sum().backward()


# The classic methods (tests/test_classic.py) meet the fused layer too: per call (mini-batch updates
# use torch's own ops, the epoch's figures the fused layer) or not at all (a flat spot, sse).
CLASSIC = {
    "quickprop-mse": (dict(optimizer="quickprop", lr=0.5, loss="mse", epochs=25), True),
    "minibatch-momentum": (dict(optimizer="momentum", lr=2.0, batch_size=3), True),
    "flat-spot-sgd": (dict(optimizer="sgd", lr=2.0, flat_spot=0.1), False),
    "sse-uniform": (dict(optimizer="sgd", lr=0.3, loss="sse", init="uniform"), False),
}


@pytest.mark.parametrize("recipe", list(CLASSIC))
def test_classic_methods_on_wide_nets_agree_with_numpy_in_float64(fused, recipe):
    settings, takes_fused = CLASSIC[recipe]
    config = replace(Config(width=8, hidden=3, init_scale=1.0, epochs=60, seed=5, dtype="float64"), **settings)
    ours, theirs = train(config), train(replace(config, backend="torch", device="cpu"))
    assert bool(fused) == takes_fused
    np.testing.assert_allclose(theirs.history["loss"], ours.history["loss"], rtol=1e-9)
    for name in NAMES:
        np.testing.assert_allclose(getattr(theirs.final, name), getattr(ours.final, name), rtol=1e-9, atol=1e-12)
