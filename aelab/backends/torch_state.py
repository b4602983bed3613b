"""torch.optim's state out as NumPy arrays and back in: what a paused or saved torch run continues from.

TorchBackend takes optimizer_state() and load_optimizer_state() from OptimizerState here. torch is
imported at the top, like torch_backend, which alone imports this module.
"""

from __future__ import annotations

import numpy as np
import torch

from aelab.config import ConfigError

# What torch.optim keeps per tensor, by Config.optimizer: what load_optimizer_state accepts.
TORCH_STATE = {
    "sgd": set(),
    "momentum": {"momentum_buffer"},
    "adam": {"step", "exp_avg", "exp_avg_sq"},
    "rprop": {"step", "prev", "step_size"},
    "quickprop": {"previous_step", "previous_slope"},
}


class OptimizerState:
    """The Backend protocol's optimizer_state() and load_optimizer_state(), for a backend whose
    `optimizer` is a torch.optim.Optimizer."""

    optimizer: torch.optim.Optimizer

    def optimizer_state(self) -> dict[str, np.ndarray]:
        return optimizer_state(self.optimizer)

    def load_optimizer_state(self, state: dict[str, np.ndarray]) -> None:
        load_optimizer_state(self.optimizer, optimizer_kind(self.optimizer), state)


def optimizer_kind(optimizer: torch.optim.Optimizer) -> str:
    """The Config.optimizer that made `optimizer` (see torch_backend.make_torch_optimizer)."""
    if isinstance(optimizer, torch.optim.SGD):
        return "momentum" if optimizer.param_groups[0]["momentum"] else "sgd"
    kinds = {torch.optim.Adam: "adam", torch.optim.Rprop: "rprop"}
    return kinds.get(type(optimizer), "quickprop")


def optimizer_state(optimizer: torch.optim.Optimizer) -> dict[str, np.ndarray]:
    """The state as "<tensor index>.<name>" arrays (e.g. "0.exp_avg"; "step" is a scalar)."""
    return {
        f"{index}.{name}": value.numpy(force=True).copy()
        for index, values in optimizer.state_dict()["state"].items()
        for name, value in values.items()
        if value is not None  # SGD without momentum may keep a None buffer
    }


def load_optimizer_state(optimizer: torch.optim.Optimizer, kind: str, state: dict[str, np.ndarray]) -> None:
    """Load optimizer_state()'s arrays into `optimizer` (a Config.optimizer `kind`), keeping its own
    settings (lr, momentum): a paused run may go on with new ones. ConfigError when they do not fit."""
    parameters = optimizer.param_groups[0]["params"]
    per_tensor: dict[int, dict[str, torch.Tensor]] = {}
    for key, array in state.items():
        index, _, name = key.partition(".")
        if not index.isdigit() or int(index) >= len(parameters) or not name:
            raise ConfigError("optimizer state", key, f"names are <index>.<name> with index < {len(parameters)}")
        expected = () if name == "step" else tuple(parameters[int(index)].shape)
        if array.shape != expected:
            raise ConfigError(f"optimizer state {key}", f"shape {array.shape}", f"must have shape {expected}")
        per_tensor.setdefault(int(index), {})[name] = torch.as_tensor(np.array(array))
    for values in per_tensor.values():
        if set(values) != TORCH_STATE[kind]:
            raise ConfigError("optimizer state", sorted(values), f"{kind} keeps {sorted(TORCH_STATE[kind])}")
    # torch casts each array to its tensor's dtype and device ("step" stays as it is)
    optimizer.load_state_dict({"state": per_tensor, "param_groups": optimizer.state_dict()["param_groups"]})
