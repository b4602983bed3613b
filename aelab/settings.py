"""What every setting allows, in one table: `SETTINGS`.

Each `Setting` holds a Config field's type, inclusive limits or choices, label and help. `Config` validates
against it, the CLI builds its options and `--help` from it, share links are parsed by it and the page sizes
its widgets from it, so all of them accept exactly the same values. Every problem is a `ConfigError` naming
the field, the value and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module

from aelab.activations import ACTIVATIONS
from aelab.patterns import MAX_PATTERNS, PATTERN_SETS
from aelab.tables import by_name


class ConfigError(ValueError):
    """A configuration value that is not allowed.

    The message has the shape ``<field>: <value> is not allowed (<allowed>)``, or with `needs` (a value
    refused for what it needs rather than for its range) ``<field>: <value> <needs>``.
    """

    def __init__(self, field: str, value: object, allowed: str, needs: str | None = None):
        self.field = field
        self.value = value
        self.allowed = allowed
        self.reason = needs or allowed  # why, without the field and value: what it needs, or what is allowed
        super().__init__(f"{field}: {value!r} {needs}" if needs else f"{field}: {value!r} is not allowed ({allowed})")


@dataclass(frozen=True)
class Setting:
    """What one Config field allows, and the words that explain it.

    Numbers have inclusive limits `low`..`high` (for `hidden` the upper limit is
    the config's width: `high_field`). Text settings choose from `choices`,
    value -> label, given as a function so that a live table (ACTIVATIONS) is
    read when it is asked, not when this module is imported."""

    name: str
    kind: type  # int, float or str
    label: str
    help: str
    low: float | None = None
    high: float | None = None
    high_field: str | None = None
    choices: Callable[[], Mapping[str, str]] | None = None

    @property
    def options(self) -> dict[str, str]:
        """value -> label, for a text setting."""
        return dict(self.choices()) if self.choices else {}

    @property
    def flag(self) -> str:
        """The command-line option: --init-scale for init_scale."""
        return "--" + self.name.replace("_", "-")

    def allowed(self, high: float | None = None) -> str:
        if self.kind is str:
            return f"choose one of: {', '.join(self.options)}"
        high = self.high if high is None else high
        bound = f", the {self.high_field}" if self.high_field else ""  # a limit another field sets: say which
        high_text = self.high_field if high is None else _number(high) + bound
        if self.kind is int:
            return f"a whole number from {_number(self.low)} to {high_text}"
        return f"a finite number from {_number(self.low)} to {high_text}"

    def check(self, value: object, high: float | None = None) -> None:
        """Raise ConfigError unless `value` is allowed (`high` overrides the upper limit)."""
        if self.kind is str:
            ok = isinstance(value, str) and value in self.options
        else:
            limit = self.high if high is None else high
            number = isinstance(value, self.kind) or (self.kind is float and isinstance(value, int))
            number = number and not isinstance(value, bool) and math.isfinite(value)
            ok = number and self.low <= value <= limit
        if not ok:
            raise ConfigError(self.name, value, self.allowed(high))

    def parse(self, text: str) -> object:
        """Text (a command-line value, a link value) -> a value of this setting's type, unchecked."""
        text = str(text).strip()
        if not text.isascii():  # int() would read full-width digits such as '８' silently
            raise ConfigError(self.name, text, "use plain ASCII characters")
        if self.kind is str:
            return text.lower()
        if self.kind is int:
            if not re.fullmatch(r"[+-]?[0-9]+", text):
                raise ConfigError(self.name, text, "must be a whole number")
            return int(text)
        try:
            return float(text)
        except ValueError:
            raise ConfigError(self.name, text, "must be a number") from None


def _number(value: float) -> str:
    """4294967295 -> '4294967295', 100.0 -> '100', 1e-05 -> '1e-05'."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _labels(**labels: str) -> Callable[[], dict[str, str]]:
    return lambda: labels


def _activation_labels() -> dict[str, str]:
    return {name: activation.label for name, activation in ACTIVATIONS.items()}


def _pattern_labels() -> dict[str, str]:
    return {name: entry.label for name, entry in PATTERN_SETS.items()}


MAX_SEED = 2**32 - 1

SETTINGS: dict[str, Setting] = by_name(
    Setting(
        "backend",
        str,
        "Backend",
        "numpy: forward and backward written out by hand; torch: torch kernels and torch.optim, gradients by autograd "
        "or, on a full-batch step, by fused kernels tested against it",
        choices=_labels(numpy="NumPy (from scratch)", torch="PyTorch"),
    ),
    Setting(
        "data",
        str,
        "Patterns",
        "what the net reconstructs: one_hot (the encoder problem: N patterns of width N), random_binary (P "
        "patterns of N bits at a density), bars (Földiák 1990: horizontal and vertical bars on a side x side "
        "grid, N = side²), digits (the 8x8 handwritten digits, N = 64, 1797 labelled images), csv (your own)",
        choices=_pattern_labels,
    ),
    Setting("width", int, "Input width N", "N: the width of each pattern (one_hot: also their number)", 2, 1024),
    Setting(
        "patterns",
        int,
        "Pattern count P",
        "how many patterns (0: the set's own: one_hot N, random_binary N, bars its 2 x side single bars, digits "
        "all 1797; one_hot takes only N; bars with another count overlays random bars, each with chance 1/side)",
        0,
        MAX_PATTERNS,
    ),
    Setting("density", float, "Density", "random_binary only: the chance that each bit is 1", 0.01, 0.99),
    Setting("data_seed", int, "Data seed", "random_binary, bars: draws the patterns (every seed's)", 0, MAX_SEED),
    Setting("hidden", int, "Bottleneck k", "k: the number of hidden units", 1, high_field="width"),
    Setting("activation", str, "Hidden activation", "the hidden layer's function", choices=_activation_labels),
    Setting(
        "loss",
        str,
        "Loss",
        "mse (mean) or bce on sigmoid outputs; softmax_ce: a softmax output with cross-entropy; sse: half the "
        "sum of squared errors over an update's patterns and outputs (SNNS, PDP, Fahlman: their learning rates "
        "apply as published)",
        choices=_labels(mse="MSE", bce="BCE", softmax_ce="Softmax + CE", sse="SSE"),
    ),
    Setting(
        "output",
        str,
        "Output layer",
        "auto: softmax for softmax_ce, else sigmoid (the encoder's choices); sigmoid; softmax (with softmax_ce "
        "only); linear (with mse or sse: for real-valued data and the PCA floor)",
        choices=_labels(auto="auto (by loss)", sigmoid="sigmoid", softmax="softmax", linear="linear"),
    ),
    Setting(
        "optimizer",
        str,
        "Optimizer",
        "update rule, exactly as torch.optim does it; quickprop: Fahlman (1988) as SNNS's MODI_quickprop does it",
        # (OPTIMIZERS is read when asked: aelab.optimizers imports the backends, which import this module)
        choices=lambda: {name: entry.label for name, entry in import_module("aelab.optimizers").OPTIMIZERS.items()},
    ),
    Setting("lr", float, "Learning rate", "the optimizer's step size", 1e-5, 100.0),
    Setting("momentum", float, "Momentum", "for the momentum optimizer only", 0.0, 0.999),
    Setting(
        "max_growth",
        float,
        "Quickprop growth",
        "quickprop only: mu, the most a step may grow over the previous one (Fahlman: 1.75)",
        0.1,
        10.0,
    ),
    Setting(
        "rprop_max_step",
        float,
        "Rprop largest step",
        "rprop only: the step size's upper bound (torch.optim's default: 50; SNNS's when its hint names none: 2)",
        0.01,
        1000.0,
    ),
    Setting(
        "rprop_min_step",
        float,
        "Rprop smallest step",
        "rprop only: the step size's lower bound (torch.optim's default: 1e-06)",
        0.0,
        0.01,
    ),
    Setting(
        "flat_spot",
        float,
        "Flat-spot offset",
        "a constant added to the activation derivative of the hidden units and, for mse and sse, of the "
        "sigmoid outputs (Fahlman's sigmoid-prime offset, SNNS's c; 0: none)",
        0.0,
        1.0,
    ),
    Setting(
        "batch_size",
        int,
        "Batch size",
        "patterns per update (0, or N and more: all of them, full batch; 1: per pattern, online); an epoch "
        "is one pass over every pattern, in a fresh shuffled order drawn from the seed",
        0,
        1024,
    ),
    Setting(
        "weight_decay",
        float,
        "Weight decay",
        "L2 penalty: wd x weight is added to every parameter's gradient (biases too), as torch.optim's "
        "weight_decay does; the loss shown leaves it out",
        0.0,
        0.1,
    ),
    Setting(
        "init_scale",
        float,
        "Initial weight scale",
        "normal: weights start as N(0, scale²) from the seed, biases at 0; uniform: weights and biases in "
        "[-scale, scale]",
        0.001,
        100.0,
    ),
    Setting(
        "init",
        str,
        "Initial weights",
        "normal: N(0, scale²) weights, zero biases; uniform: weights and biases uniform in [-scale, scale] "
        "(SNNS, Fahlman)",
        choices=_labels(normal="normal", uniform="uniform"),
    ),
    Setting(
        "noise",
        float,
        "Hidden noise",
        "Gaussian noise added to the hidden pre-activations while training (0: none); "
        "every figure is measured without it",
        0.0,
        5.0,
    ),
    Setting(
        "noise_schedule",
        str,
        "Noise schedule",
        "constant, or linear: falling to 0 over each attempt (restart_after epochs, else all epochs)",
        choices=_labels(constant="constant", linear="linear decay"),
    ),
    Setting(
        "restart_after",
        int,
        "Restart after",
        "a seed not solved this many epochs after its (re)start begins again from new weights (0: never); "
        "epochs count every restart",
        0,
        100_000,
    ),
    Setting("epochs", int, "Epochs", "passes over all patterns (full batch: updates), restarts included", 1, 100_000),
    Setting(
        "stop",
        str,
        "Stop when",
        "end the run before its epochs once it reaches this: never (every epoch), outputs solved (40-20-40 on "
        "every output) or codes solved (and a distinct binary code per pattern); then `hold` epochs more",
        choices=_labels(never="never", outputs="outputs solved", codes="codes solved"),
    ),
    Setting(
        "hold",
        int,
        "Epochs more once solved",
        "with stop: epochs trained on after the goal is reached, to show that it holds (0: stop at once)",
        0,
        100_000,
    ),
    Setting("seed", int, "Seed", "draws the initial weights", 0, MAX_SEED),
    Setting("dtype", str, "Float type", "the precision of all arithmetic", choices=_labels(float32="", float64="")),
    Setting(
        "device", str, "Torch device", "torch only: auto takes CUDA if any", choices=_labels(auto="", cpu="", cuda="")
    ),
)
