"""Training methods for tight encoders: hidden noise, the softmax output, restarts.

Each is checked the way the core is: gradients by finite differences, the two
backends against each other in float64, batched runs against single runs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, train, train_seeds
from aelab.backends.numpy_backend import NumpyBackend
from aelab.noise import HiddenNoise
from aelab.patterns import one_hot_patterns
from aelab.train import Trainer
from aelab.weights import Weights, init_weights

NAMES = ("W1", "b1", "W2", "b2")
# 8-3-8, spelled out: these tests do not follow the defaults
BASE = Config(
    width=8, hidden=3, activation="tanh", loss="softmax_ce", optimizer="sgd", lr=2.0, init_scale=0.5, dtype="float64"
)


def noisy_backend(config: Config, weights: Weights) -> NumpyBackend:
    return NumpyBackend(config, Weights.stack([weights]), one_hot_patterns(config.width))


@pytest.mark.parametrize("loss", ["mse", "bce", "softmax_ce"])
def test_the_noisy_gradient_matches_central_differences(loss):
    """With noise, the update's gradient is that of the loss of the noisy network (float64)."""
    config = replace(BASE, width=5, hidden=3, loss=loss, init_scale=1.0)
    weights = init_weights(5, 3, seed=1, scale=1.0)
    weights = weights._replace(b1=np.array([0.1, -0.2, 0.3]), b2=np.linspace(-0.3, 0.3, 5))
    noise = np.random.default_rng(7).normal(scale=0.5, size=(1, 5, 3))
    backend = noisy_backend(config, weights)
    backend.step(noise)
    eps = 1e-6
    for name in NAMES:
        analytic = getattr(backend.grads, name)[0]
        for index in np.ndindex(getattr(weights, name).shape):
            plus, minus = getattr(weights, name).copy(), getattr(weights, name).copy()
            plus[index] += eps
            minus[index] -= eps
            up = noisy_backend(config, weights._replace(**{name: plus}))._forward(noise).forward.loss[0]
            down = noisy_backend(config, weights._replace(**{name: minus}))._forward(noise).forward.loss[0]
            assert analytic[index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9), (name, index)


def test_noise_changes_the_update_but_not_the_figures():
    """The step returns the clean forward pass; the noisy one only moves the weights."""
    weights = init_weights(8, 3, seed=2, scale=0.5)
    clean, noisy = noisy_backend(BASE, weights), noisy_backend(BASE, weights)
    noise = np.full((1, 8, 3), 0.3)
    np.testing.assert_array_equal(clean.step().loss, noisy.step(noise).loss)
    assert not np.allclose(clean.weights().W1, noisy.weights().W1)


def test_noise_draws_are_per_seed_and_follow_the_schedule():
    """A seed's draws do not depend on its batch; the linear schedule falls to 0 over an attempt."""
    together = HiddenNoise([3, 4], 8, 3, std=0.5, schedule="constant", length=100, dtype="float64")
    alone = HiddenNoise([4], 8, 3, std=0.5, schedule="constant", length=100, dtype="float64")
    for epoch in range(70):  # past one block of draws
        np.testing.assert_array_equal(together.draw(np.array([epoch, epoch]))[1], alone.draw(np.array([epoch]))[0])
    linear = HiddenNoise([0], 8, 3, std=0.5, schedule="linear", length=100, dtype="float64")
    np.testing.assert_allclose(linear.scale(np.array([0, 50, 100, 150])), [0.5, 0.25, 0.0, 0.0])


def test_a_runs_noise_is_made_from_its_config_in_one_place():
    """HiddenNoise.for_run, which the trainer and a run file's reader both call: the config's std, schedule,
    dtype and attempt length (restart_after, not the run's epochs), with the trainer's draws."""
    config = replace(BASE, noise=0.4, noise_schedule="linear", epochs=300, restart_after=100, dtype="float32")
    trainer = Trainer(config, [5, 6])
    trainer.run(3)
    noise = HiddenNoise.for_run(config, [5, 6], 8)
    assert (noise.std, noise.schedule, noise.length, noise.dtype) == (0.4, "linear", 100, "float32")
    assert noise.block.shape[2:] == (8, config.hidden)
    noise.load_state(trainer.noise.state())
    np.testing.assert_array_equal(noise.draw(np.array([3, 3])), trainer.noise.draw(np.array([3, 3])))


def test_softmax_outputs_are_distributions_and_judged_by_40_20_40():
    result = train(replace(BASE, epochs=400))
    np.testing.assert_allclose(result.outputs.sum(axis=1), 1.0, rtol=1e-12)
    solved = result.output_solved_epoch
    assert solved is not None, "softmax + CE at lr 2 solves 8-3-8's outputs well within 400 epochs"
    assert result.history["bits_correct"][solved] == 1.0 and result.history["bits_correct"][solved - 1] < 1.0


METHODS = {
    "noise": dict(noise=0.4),
    "noise-linear": dict(noise=0.6, noise_schedule="linear"),
    "restarts": dict(restart_after=12),
    "restarts-noise-mse": dict(restart_after=10, noise=0.3, loss="mse"),
    "weight-decay": dict(weight_decay=3e-3, noise=0.2, restart_after=12),
}


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rprop"])
@pytest.mark.parametrize("method", list(METHODS))
def test_backends_agree_on_every_method(method, optimizer):
    """float64: NumPy and torch give the same history (1e-9 relative), restarts and final weights."""
    pytest.importorskip("torch")
    lr = {"sgd": 2.0, "momentum": 0.5, "adam": 0.05, "rprop": 0.01}[optimizer]
    # Rprop follows only the gradient's sign: once tanh units saturate, the gradients of their weights
    # underflow towards 0 and rounding picks their signs, so its run is kept short of that.
    epochs = 25 if optimizer == "rprop" else 120
    config = replace(BASE, optimizer=optimizer, lr=lr, epochs=epochs, seed=4, **METHODS[method])
    ours, theirs = train(config), train(replace(config, backend="torch", device="cpu"))
    if config.restart_after:
        assert ours.restarts, "the recipe must restart at least once for this test to mean anything"
    assert ours.restarts == theirs.restarts
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-9)
    for name in ("bits_correct", "distinct_codes"):
        np.testing.assert_array_equal(ours.history[name], theirs.history[name])
    for name in NAMES:
        np.testing.assert_allclose(getattr(ours.final, name), getattr(theirs.final, name), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_batched_runs_equal_single_runs_with_noise_and_restarts(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    config = replace(
        BASE, backend=backend, device="cpu", optimizer="adam", lr=0.05, noise=0.5, restart_after=15, epochs=80
    )
    assert_batch_equals_single_runs(config, rtol=1e-9)


def assert_batch_equals_single_runs(config: Config, rtol: float) -> None:
    """Seeds 0, 1 and 2 in one batch, some of them restarting, against each seed alone."""
    batch = train_seeds(config, [0, 1, 2])
    assert any(batch.restarts), "some seed must restart"
    for index, seed in enumerate([0, 1, 2]):
        single = train(replace(config, seed=seed))
        assert batch.run(index).restarts == single.restarts
        np.testing.assert_allclose(batch.run(index).history["loss"], single.history["loss"], rtol=rtol)


def test_restarts_count_in_epochs_and_start_from_new_weights(reference):
    """A seed unsolved after R epochs begins again at entry R from its next weights; epochs count them all."""
    config = replace(BASE, width=16, hidden=4, restart_after=10, epochs=35, seed=5)
    result = train(config)
    assert result.restarts == [10, 20]  # 10 epochs cannot solve 16-4-16; at 30 only 5 epochs remain
    assert len(result.history["loss"]) == 36 and result.solved_epoch is None
    fresh = init_weights(16, 4, seed=5, scale=config.init_scale, dtype="float64", attempt=1)
    assert result.history["loss"][10] == pytest.approx(reference(fresh, "tanh", "softmax_ce").loss, rel=1e-12)
    assert not np.allclose(fresh.W1, result.initial.W1)


@pytest.mark.parametrize(("epochs", "expected"), [(40, [10, 20, 30]), (39, [10, 20]), (30, [10, 20]), (10, [])])
def test_no_restart_begins_without_a_whole_attempt_left(epochs, expected):
    """A restart begins only where restart_after epochs still remain: never on the last epoch, and the last
    attempt runs to the end instead (16-4-16 in 10 epochs: every attempt fails, so every due restart is made)."""
    result = train(replace(BASE, width=16, hidden=4, restart_after=10, epochs=epochs, seed=5))
    assert result.restarts == expected
    last_attempt = epochs - max(expected, default=0)
    assert 10 <= last_attempt < 20 or not expected


def test_a_continued_run_restarts_where_its_longer_plan_leaves_room():
    """The rule reads the plan: 25 epochs skip the restart at 20 (5 left); continuing to 60 restarts from 30 on."""
    trainer = Trainer(replace(BASE, width=16, hidden=4, restart_after=10, epochs=25, seed=5), [5])
    assert trainer.run(25).restarts == [[10]]
    assert trainer.run(35).restarts == [[10, 30, 40, 50]]


def test_a_solved_seed_is_never_restarted():
    config = replace(BASE, epochs=600, restart_after=200)
    result = train(config)
    assert result.solved_epoch is not None
    assert all(epoch <= result.solved_epoch for epoch in result.restarts)
    assert result.solved_epoch >= 200 * len(result.restarts)


def test_weight_decay_is_the_gradient_of_an_l2_penalty():
    """With weight decay the update follows d/dtheta [loss + wd/2 |theta|^2]: one SGD step checks it."""
    weights = init_weights(5, 3, seed=3, scale=1.0)._replace(b1=np.array([0.1, -0.2, 0.3]))
    plain = noisy_backend(replace(BASE, width=5, lr=1.0), weights)
    decayed = noisy_backend(replace(BASE, width=5, lr=1.0, weight_decay=0.01), weights)
    plain.step(), decayed.step()
    for name in NAMES:
        np.testing.assert_allclose(
            getattr(decayed.weights(), name),
            getattr(plain.weights(), name) - 0.01 * getattr(weights, name)[None],
            rtol=1e-12,
            atol=1e-15,
        )


def test_noise_blocks_stay_small_and_draw_the_same_numbers():
    """A wide batch draws fewer epochs at a time (bounded memory), and each seed still gets its own stream."""
    from aelab.noise import BLOCK_BUDGET

    wide = HiddenNoise(list(range(20)), 64, 64, std=1.0, schedule="constant", length=10, dtype="float64")
    assert wide.block.size <= BLOCK_BUDGET and wide.block.shape[1] < 64
    widest = HiddenNoise(list(range(300)), 64, 64, std=1.0, schedule="constant", length=10, dtype="float64")
    assert widest.block.shape[1] == 1  # one epoch's draws at least, however wide
    alone = HiddenNoise([7], 64, 64, std=1.0, schedule="constant", length=10, dtype="float64")
    for epoch in range(70):
        expected = alone.draw(np.array([epoch]))[0]
        np.testing.assert_array_equal(wide.draw(np.full(20, epoch))[7], expected)
        np.testing.assert_array_equal(widest.draw(np.full(300, epoch))[7], expected)
