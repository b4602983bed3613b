"""The torch backend's optimisers: torch.optim's, Quickprop, and their state out as NumPy arrays
and back in (what a paused or saved torch run continues from).

TorchBackend makes its optimiser with make_torch_optimizer (from aelab.optimizers' table), updates
with optimizer_step and takes optimizer_state() and load_optimizer_state() from OptimizerState here.
torch is imported at the top, like torch_backend, which alone imports this module.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch.optim.sgd import sgd as functional_sgd  # what SGD.step() calls (torch.optim hides the module's name)

from aelab.backends.numpy_optim import quickprop_step
from aelab.config import Config, ConfigError
from aelab.optimizers import optimizer as optimizer_entry


def make_torch_optimizer(config: Config, parameters: list[torch.Tensor]) -> torch.optim.Optimizer:
    """config.optimizer's torch optimizer (aelab.optimizers.OPTIMIZERS) over `parameters`."""
    # foreach=False is what torch picks for one CPU tensor anyway; saying so spares it the check on
    # every step. Many tensors (a state per seed, for restarts) are faster with foreach. Elsewhere
    # (cuda) torch keeps its own choice. Quickprop has no foreach variant.
    options = {"foreach": len(parameters) > 1} if parameters[0].device.type == "cpu" else {}
    return optimizer_entry(config.optimizer).torch(config, parameters, options)


def optimizer_step(optimizer: torch.optim.Optimizer) -> None:
    """optimizer.step(), where plain SGD on one tensor calls torch.optim's functional sgd() directly:
    the very function SGD.step() runs, with the same arguments, without the wrapper around it
    (step hooks, the profiler's record, the parameter-group loop). At 256-8-256 that wrapper costs
    about 20 us a step, more than the update itself (tests/test_torch_fused.py checks the two agree
    to the bit). Every other optimiser, and SGD with a state, goes through optimizer.step()."""
    group = optimizer.param_groups[0]
    plain = type(optimizer) is torch.optim.SGD and not group["momentum"] and not group["weight_decay"]
    if not (plain and len(optimizer.param_groups) == 1 and len(group["params"]) == 1 and not group["fused"]):
        optimizer.step()
        return
    parameter = group["params"][0]
    with torch.no_grad():  # as SGD.step() runs it (differentiable=False)
        functional_sgd(
            [parameter],
            [parameter.grad],
            [None],  # no momentum: no buffer
            weight_decay=0.0,
            momentum=0.0,
            lr=group["lr"],
            dampening=group["dampening"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
            foreach=group["foreach"],
        )


def reset_optimizer_state(
    optimizer: torch.optim.Optimizer, views: Callable[[torch.Tensor], list[torch.Tensor]], rows: np.ndarray
) -> None:
    """Seeds `rows` start their optimiser state afresh, in the one flat tensor every seed shares:
    `views` cuts a tensor laid out as theta into its (S, ...) parameter blocks. A zeroed momentum
    buffer, Rprop's zeroed previous gradient with its step sizes back at lr, and Quickprop's zeroed
    previous step and slope give exactly the update fresh state gives. (Adam counts its steps per
    tensor, and "step" is not reset here: the backend gives Adam a tensor per seed instead.)"""
    group = optimizer.param_groups[0]
    for state in optimizer.state.values():
        for name, value in state.items():
            if name == "step" or value is None:  # Rprop's count of steps: not used in its update
                continue
            fresh = group["lr"] if name == "step_size" else 0.0  # as torch.optim makes it: Rprop's sizes start at lr
            for block in views(value):
                block[rows] = fresh


class Quickprop(torch.optim.Optimizer):
    """Fahlman's (1988) Quickprop as SNNS's MODI_quickprop does it (torch.optim has none): see
    numpy_optim.Quickprop for the formula and its sources. It runs the very operations of the NumPy
    backend's (numpy_optim.quickprop_step), on tensors. lr is epsilon, max_growth is mu; the decay is
    the backend's weight_decay, already in p.grad when step() is called (as for the other optimisers).
    State per tensor: the previous step and the previous slope (zero at the start and after a restart)."""

    def __init__(self, params, lr: float, max_growth: float = 1.75):
        super().__init__(params, {"lr": lr, "max_growth": max_growth})

    @torch.no_grad()
    def step(self, closure=None):  # type: ignore[override]
        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter.grad is None:
                    continue
                state = self.state[parameter]
                if not state:
                    state["previous_step"] = torch.zeros_like(parameter)
                    state["previous_slope"] = torch.zeros_like(parameter)
                slope = parameter.grad
                step = quickprop_step(
                    slope, state["previous_step"], state["previous_slope"], group["lr"], group["max_growth"], torch
                )
                parameter.add_(step)
                state["previous_slope"].copy_(slope)
        return None


class OptimizerState:
    """The Backend protocol's optimizer_state() and load_optimizer_state(), for a backend whose
    `optimizer` is a torch.optim.Optimizer."""

    optimizer: torch.optim.Optimizer
    optimizer_name: str  # the Config.optimizer that made it

    def optimizer_state(self) -> dict[str, np.ndarray]:
        return optimizer_state(self.optimizer)

    def load_optimizer_state(self, state: dict[str, np.ndarray]) -> None:
        load_optimizer_state(self.optimizer, self.optimizer_name, state)


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
    if len(parameters) == 1 and any(not key.startswith("0.") for key in state):
        state = gathered_seed_state(state)
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
        keeps = optimizer_entry(kind).torch_state
        if set(values) != keeps:
            raise ConfigError("optimizer state", sorted(values), f"{kind} keeps {sorted(keeps)}")
    # torch casts each array to its tensor's dtype and device ("step" stays as it is)
    optimizer.load_state_dict({"state": per_tensor, "param_groups": optimizer.state_dict()["param_groups"]})


def selected_state(state: dict[str, np.ndarray], rows: np.ndarray, views, per_seed: bool) -> dict[str, np.ndarray]:
    """optimizer_state() of seeds `rows` alone: from the one flat tensor, laid out as theta (`views`
    cuts it into its (S, ...) parameter blocks), or with `per_seed` tensors (index 4 s + j: seed s's
    W1, b1, W2 or b2), renumbered. A count of steps ("step") of the flat tensor is kept as it is."""
    if per_seed:
        return {
            f"{4 * new + j}.{name}": state[f"{4 * int(old) + j}.{name}"]
            for new, old in enumerate(rows)
            for j in range(4)
            for name in {key.partition(".")[2] for key in state}
            if f"{4 * int(old) + j}.{name}" in state
        }
    index = torch.as_tensor(rows)
    return {
        key: array
        if key.endswith(".step")
        else np.concatenate([block[index].reshape(-1).numpy() for block in views(torch.as_tensor(array))])
        for key, array in state.items()
    }


def gathered_seed_state(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A state saved with a tensor per seed and parameter (index 4 s + j: seed s's W1, b1, W2 or b2, as
    runs with restarts kept it for every optimiser before only Adam did) as the one flat tensor's,
    laid out as theta: each parameter's block for every seed in turn. "step" is seed 0's (Rprop's
    count, which its update does not use). A state of another shape is returned as it is, to be refused."""
    names = {key.partition(".")[2] for key in state}
    indices = {key.partition(".")[0] for key in state}
    if not all(index.isdigit() for index in indices) or len(indices) % 4:
        return state
    seeds = len(indices) // 4
    try:
        return {
            f"0.{name}": state[f"0.{name}"]
            if name == "step"
            else np.concatenate([state[f"{4 * seed + j}.{name}"].ravel() for j in range(4) for seed in range(seeds)])
            for name in names
        }
    except KeyError:
        return state
