"""aelab: an interactive lab for autoencoders.

The library behind the page (app.py) and the CLI (python -m aelab). Nothing
here imports streamlit.
"""

from aelab.config import Config, ConfigError
from aelab.progress import Progress
from aelab.results import BatchResult, RunResult, SweepResult
from aelab.sweep import sweep
from aelab.train import train, train_seeds

__all__ = [
    "BatchResult",
    "Config",
    "ConfigError",
    "Progress",
    "RunResult",
    "SweepResult",
    "sweep",
    "train",
    "train_seeds",
]
