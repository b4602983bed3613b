"""The optimizers: one table, one entry each.

Everything aelab knows about an optimizer lives in its `Optimizer` entry: its label, the
from-scratch NumPy optimizer (aelab.backends.numpy_optim), the torch.optim one the torch backend
builds, the state each keeps, and how many parameter-sized arrays that state holds (the memory
estimate). Backends, the budget, the settings and the page all read `OPTIMIZERS`; adding an
optimizer is one entry here (plus its tests). A name not in the table is an error, never a fallback.

The torch builders import torch when called, so this module never imports it (as ACTIVATIONS'
torch functions never do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aelab.backends import numpy_optim
from aelab.config import ConfigError
from aelab.tables import by_name


class Hyper(Protocol):
    """What an optimizer reads from the settings: a Config, or the same names with per-seed
    (S, 1) arrays where seeds of one batch differ (aelab.per_seed)."""

    lr: Any
    momentum: Any
    max_growth: float
    rprop_min_step: float
    rprop_max_step: float


@dataclass(frozen=True)
class Optimizer:
    name: str
    label: str
    numpy: Callable[[Hyper], numpy_optim.NumpyOptimizer]  # the from-scratch optimizer
    # torch's: (settings, parameters, options such as foreach) -> a torch.optim.Optimizer
    torch: Callable[[Hyper, list, dict], Any]
    torch_state: frozenset[str]  # what torch.optim keeps per tensor (what a saved torch state must hold)
    state_arrays: int  # parameter-sized arrays of state (the NumPy optimizer's STATE, as memory)
    reads: frozenset[str] = frozenset()  # the settings this optimizer reads beyond lr (no other one does)


def _torch_sgd(settings: Hyper, parameters: list, options: dict) -> Any:
    import torch

    return torch.optim.SGD(parameters, lr=settings.lr, **options)


def _torch_momentum(settings: Hyper, parameters: list, options: dict) -> Any:
    import torch

    return torch.optim.SGD(parameters, lr=settings.lr, momentum=settings.momentum, **options)


def _torch_adam(settings: Hyper, parameters: list, options: dict) -> Any:
    import torch

    return torch.optim.Adam(parameters, lr=settings.lr, **options)


def _torch_rprop(settings: Hyper, parameters: list, options: dict) -> Any:
    import torch

    step_sizes = (settings.rprop_min_step, settings.rprop_max_step)
    return torch.optim.Rprop(parameters, lr=settings.lr, step_sizes=step_sizes, **options)


def _torch_quickprop(settings: Hyper, parameters: list, options: dict) -> Any:
    from aelab.backends.torch_optim import Quickprop  # torch.optim has none; no foreach variant either

    return Quickprop(parameters, lr=settings.lr, max_growth=settings.max_growth)


OPTIMIZERS: dict[str, Optimizer] = by_name(
    Optimizer(
        "sgd",
        "SGD",
        numpy=lambda s: numpy_optim.SGD(s.lr),
        torch=_torch_sgd,
        torch_state=frozenset(),
        state_arrays=0,
    ),
    Optimizer(
        "momentum",
        "SGD + momentum",
        numpy=lambda s: numpy_optim.Momentum(s.lr, s.momentum),
        torch=_torch_momentum,
        torch_state=frozenset({"momentum_buffer"}),
        state_arrays=1,
        reads=frozenset({"momentum"}),
    ),
    Optimizer(
        "adam",
        "Adam",
        numpy=lambda s: numpy_optim.Adam(s.lr),
        torch=_torch_adam,
        torch_state=frozenset({"step", "exp_avg", "exp_avg_sq"}),
        state_arrays=2,
    ),
    Optimizer(
        "rprop",
        "Rprop",
        numpy=lambda s: numpy_optim.Rprop(s.lr, step_sizes=(s.rprop_min_step, s.rprop_max_step)),
        torch=_torch_rprop,
        torch_state=frozenset({"step", "prev", "step_size"}),
        state_arrays=2,
        reads=frozenset({"rprop_min_step", "rprop_max_step"}),
    ),
    Optimizer(
        "quickprop",
        "Quickprop",
        numpy=lambda s: numpy_optim.Quickprop(s.lr, s.max_growth),
        torch=_torch_quickprop,
        torch_state=frozenset({"previous_step", "previous_slope"}),
        state_arrays=2,
        reads=frozenset({"max_growth"}),
    ),
)


def optimizer(name: str) -> Optimizer:
    """The entry named `name`, or a ConfigError naming the optimizers there are."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise ConfigError("optimizer", name, f"one of {', '.join(OPTIMIZERS)}") from None
