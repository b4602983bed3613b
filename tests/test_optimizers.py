"""The optimizer table: every entry complete and true to what its optimizers keep, no fallbacks."""

from __future__ import annotations

import numpy as np
import pytest

from aelab.backends.numpy_backend import NumpyBackend
from aelab.config import Config, ConfigError
from aelab.optimizers import OPTIMIZERS, optimizer
from aelab.patterns import one_hot_patterns
from aelab.settings import SETTINGS
from aelab.weights import Weights, first_weights


def test_an_unknown_name_is_an_error_naming_the_choices():
    with pytest.raises(ConfigError) as error:
        optimizer("rpropp")
    assert "optimizer" in str(error.value) and "rpropp" in str(error.value) and "quickprop" in str(error.value)


def test_a_backend_refuses_an_unknown_optimizer_instead_of_falling_back():
    config = Config(width=4, hidden=2)
    object.__setattr__(config, "optimizer", "nesterov")  # past the settings' check: the backend must refuse too
    weights = Weights.stack([first_weights(config, 0)])
    with pytest.raises(ConfigError, match="nesterov"):
        NumpyBackend(config, weights, one_hot_patterns(4))


def test_the_settings_offer_exactly_the_table():
    assert list(SETTINGS["optimizer"].choices()) == list(OPTIMIZERS)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_numpy_state_is_what_the_entry_says(name):
    config = Config(width=4, hidden=2, optimizer=name, lr=0.1)
    backend = NumpyBackend(config, Weights.stack([first_weights(config, 0)]), one_hot_patterns(4))
    backend.step()
    state = backend.optimizer_state()
    parameter_sized = [array for array in state.values() if array.shape == backend.theta.shape]
    assert type(backend.optimizer) is type(OPTIMIZERS[name].numpy(config))
    assert len(parameter_sized) == OPTIMIZERS[name].state_arrays


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_torch_state_is_what_the_entry_says(name):
    pytest.importorskip("torch")
    from aelab.backends.torch_backend import TorchBackend

    config = Config(width=4, hidden=2, optimizer=name, lr=0.1, backend="torch")
    backend = TorchBackend(config, Weights.stack([first_weights(config, 0)]), one_hot_patterns(4))
    backend.step()
    state = backend.optimizer_state()
    assert {key.partition(".")[2] for key in state} == OPTIMIZERS[name].torch_state
    backend.load_optimizer_state(state)  # what it keeps, it takes back
    assert np.isfinite(backend.weights().W1).all()
