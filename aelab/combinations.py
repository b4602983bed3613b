"""The limits between settings that no single setting's range says (Config checks them on construction):
the pattern set's widths and counts, the output layer each loss takes, the goals that need binary targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aelab.patterns import CSV_FILE, PATTERN_SETS
from aelab.settings import ConfigError

if TYPE_CHECKING:
    from aelab.config import Config

# Which output layers each loss takes: auto resolves to the first.
OUTPUTS_BY_LOSS = {
    "mse": ("sigmoid", "linear"),
    "sse": ("sigmoid", "linear"),
    "bce": ("sigmoid",),
    "softmax_ce": ("softmax",),
}


def check_combination(config: Config) -> None:
    """The limits between settings that no single setting's range says: the pattern set's widths and
    counts, the output layer each loss takes, the goals that need binary targets."""
    entry = PATTERN_SETS[config.data]
    problem = entry.width_problem(config.width)
    if problem:
        raise ConfigError("width", config.width, f"data {config.data}: {problem}")
    most = entry.most(config.width)
    if config.data == "one_hot" and config.patterns not in (0, config.width):
        raise ConfigError("patterns", config.patterns, f"one_hot makes exactly N patterns: 0 or {config.width}")
    if config.patterns > most:
        raise ConfigError("patterns", config.patterns, f"data {config.data} makes at most {most}; 0: its own count")
    if config.data == "csv" and not config.patterns:  # reading a file sets its row count
        raise ConfigError("data", "csv", CSV_FILE, needs=f"needs a file ({CSV_FILE})")
    if config.output_layer not in OUTPUTS_BY_LOSS[config.loss]:
        allowed = ", ".join(("auto", *OUTPUTS_BY_LOSS[config.loss]))
        raise ConfigError("output", config.output, f"loss {config.loss} takes: {allowed}")
    if config.loss == "softmax_ce" and config.data != "one_hot":
        raise ConfigError("loss", config.loss, "softmax_ce needs one-of-N targets: data one_hot")
    if config.stop != "never" and entry.binary is False:  # a csv file's values decide: config_patterns
        raise stop_needs_binary(config.stop, config.data)


def stop_needs_binary(stop: str, data: str) -> ConfigError:
    """A goal (stop codes or outputs) refused for a set whose targets are real-valued."""
    return ConfigError(
        "stop", stop, "never", needs=f"needs binary targets; data {data} is real-valued, so only 'never' is allowed"
    )
