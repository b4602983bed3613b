"""The two interchangeable backends and how to pick one.

torch is imported only when the torch backend is used (as einops does with
its backends): with torch missing, everything else works and asking for it
gives a clear message.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from aelab.backends.base import Backend, Forward
from aelab.config import Config, ConfigError
from aelab.per_seed import NO_SEED_SETTINGS, SeedSettings
from aelab.weights import Weights

__all__ = ["Backend", "Forward", "check_available", "make_backend", "torch_unavailable_reason"]


@cache
def torch_unavailable_reason() -> str | None:
    """None when torch can be imported, else why not (one line). Imports torch once."""
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError:
        return "PyTorch is not installed (pip install torch==2.13.0)"
    except Exception as error:  # a broken install raises more than ImportError
        return f"PyTorch failed to import ({error})"
    return None


def check_available(config: Config) -> None:
    """Raise ConfigError now if `config` asks for a backend or device this machine lacks."""
    if config.backend == "numpy":
        return
    reason = torch_unavailable_reason()
    if reason is not None:
        raise ConfigError("backend", "torch", f"{reason}; use backend numpy")
    from aelab.backends.torch_backend import resolve_device

    resolve_device(config.device)


def make_backend(
    config: Config, weights: Weights, data: np.ndarray, seed_settings: SeedSettings | None = None
) -> Backend:
    """The backend named by `config.backend`, holding `weights` (seed axis first). `seed_settings`:
    settings that differ between the seeds (aelab.per_seed), which the NumPy backend alone takes."""
    check_available(config)
    if config.backend == "numpy":
        from aelab.backends.numpy_backend import NumpyBackend

        return NumpyBackend(config, weights, data, seed_settings or NO_SEED_SETTINGS)
    if seed_settings is not None and seed_settings.values:
        raise ConfigError("backend", "torch", "settings that differ from seed to seed in one batch need backend numpy")
    from aelab.backends.torch_backend import TorchBackend

    return TorchBackend(config, weights, data)
