"""One validated configuration for a training run, and the rules of every setting.

`Config` is a frozen dataclass that validates itself on construction (and on
`dataclasses.replace`), so an invalid configuration cannot exist. What each
field allows lives in one place, `SETTINGS`: its type, limits or choices,
label and help. `Config` validates against it, the CLI builds its options
from it, share links are parsed by it and the page sizes its widgets from
it, so all of them accept exactly the same values. Every problem is a
`ConfigError` naming the field, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aelab.activations import ACTIVATIONS


class ConfigError(ValueError):
    """A configuration value that is not allowed.

    The message always has the shape ``<field>: <value> is not allowed (<allowed>)``.
    """

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: {value!r} is not allowed ({allowed})")


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
        high_text = self.high_field if high is None else _number(high)
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


MAX_SEED = 2**32 - 1

SETTINGS: dict[str, Setting] = {
    setting.name: setting
    for setting in (
        Setting(
            "backend",
            str,
            "Backend",
            "numpy: forward and backward written out by hand; torch: nn.Module, autograd, torch.optim",
            choices=_labels(numpy="NumPy (from scratch)", torch="PyTorch"),
        ),
        Setting("width", int, "Input width N", "N: the number of one-hot patterns, and their width", 2, 1024),
        Setting("hidden", int, "Bottleneck k", "k: the number of hidden units", 1, high_field="width"),
        Setting("activation", str, "Hidden activation", "the hidden layer's function", choices=_activation_labels),
        Setting(
            "loss",
            str,
            "Loss",
            "mse or bce on sigmoid outputs; softmax_ce: a softmax output with cross-entropy",
            choices=_labels(mse="MSE", bce="BCE", softmax_ce="Softmax + CE"),
        ),
        Setting(
            "optimizer",
            str,
            "Optimizer",
            "update rule, exactly as torch.optim does it",
            choices=_labels(sgd="SGD", momentum="SGD + momentum", adam="Adam", rprop="Rprop"),
        ),
        Setting("lr", float, "Learning rate", "the optimizer's step size", 1e-5, 100.0),
        Setting("momentum", float, "Momentum", "for the momentum optimizer only", 0.0, 0.999),
        Setting(
            "init_scale",
            float,
            "Initial weight scale",
            "weights start as N(0, scale²) from the seed; biases start at 0",
            0.001,
            100.0,
        ),
        Setting(
            "noise",
            float,
            "Hidden noise (std)",
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
        Setting("epochs", int, "Epochs", "full-batch updates, restarts included", 1, 100_000),
        Setting("seed", int, "Seed", "draws the initial weights", 0, MAX_SEED),
        Setting("dtype", str, "Float type", "the precision of all arithmetic", choices=_labels(float32="", float64="")),
        Setting(
            "device",
            str,
            "Torch device",
            "torch only: auto picks CUDA when there is one",
            choices=_labels(auto="", cpu="", cuda=""),
        ),
    )
}


@dataclass(frozen=True)
class Config:
    """Everything that defines one run (or, with a list of seeds, one sweep).

    What each field allows is in SETTINGS; the defaults are here."""

    backend: str = "numpy"  # numpy (from scratch) | torch (nn.Module + autograd + torch.optim)
    width: int = 8  # N: input and output size, the number of one-hot patterns
    hidden: int = 3  # k: bottleneck size
    # The default recipe (tanh, MSE, plain SGD at lr 50 from small weights) gives the
    # 8-3-8 encoder distinct binary codes in 100% of seeds 0..99, median epoch ~115:
    # see the README's recipe table, made with `python -m aelab sweep`.
    activation: str = "tanh"  # hidden layer
    loss: str = "mse"  # mse | bce on sigmoid outputs | softmax_ce: softmax outputs, cross-entropy
    optimizer: str = "sgd"  # torch.optim semantics: SGD, SGD(momentum), Adam, Rprop
    lr: float = 50.0  # large, but the loss is a mean over all N*N outputs
    momentum: float = 0.9  # used by the momentum optimizer only
    init_scale: float = 0.2  # weights ~ N(0, init_scale^2), biases 0
    noise: float = 0.0  # std of N(0, 1) draws added to the hidden pre-activations while training
    noise_schedule: str = "constant"  # constant | linear: to 0 over an attempt
    restart_after: int = 0  # epochs an attempt gets to solve before new weights; 0: never
    epochs: int = 1000  # full-batch updates, every attempt counted
    seed: int = 0
    dtype: str = "float32"
    device: str = "auto"  # torch only: auto picks cuda when available

    def __post_init__(self) -> None:
        for name, setting in SETTINGS.items():
            high = getattr(self, setting.high_field) if setting.high_field else None
            setting.check(getattr(self, name), high)

    @classmethod
    def from_strings(cls, values: Mapping[str, str], base: Config | None = None) -> Config:
        """Build a config from text values over `base` (the defaults when None).

        Unknown names and unparsable or out-of-range values raise ConfigError."""
        return dataclasses.replace(
            base or cls(), **{name: _setting(name, text).parse(text) for name, text in values.items()}
        )

    @property
    def output(self) -> str:
        """The output layer: softmax for softmax_ce, else sigmoid."""
        return "softmax" if self.loss == "softmax_ce" else "sigmoid"

    @property
    def attempt_length(self) -> int:
        """Epochs one attempt may take: restart_after when restarts are on, else all of them."""
        return self.restart_after or self.epochs

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    def describe(self, with_seed: bool = True) -> str:
        """A short human label, e.g. 'numpy 8-3-8 sigmoid bce adam lr=0.1 seed=0'."""
        label = f"{self.backend} {self.width}-{self.hidden}-{self.width} {self.activation} {self.loss} {self.optimizer}"
        label += f" lr={self.lr:g}"
        if self.noise:
            label += f" noise={self.noise:g}" + (" linear" if self.noise_schedule == "linear" else "")
        if self.restart_after:
            label += f" restart={self.restart_after}"
        return f"{label} seed={self.seed}" if with_seed else label


def _setting(name: str, text: object) -> Setting:
    if name not in SETTINGS:
        raise ConfigError(name, text, f"unknown setting; known: {', '.join(SETTINGS)}")
    return SETTINGS[name]


def min_code_bits(width: int) -> int:
    """ceil(log2 N): the fewest hidden units that can give N patterns distinct binary codes."""
    return max(1, math.ceil(math.log2(width)))


def config_from_partial_strings(values: Mapping[str, str]) -> tuple[Config, list[str]]:
    """Lenient parsing for share links: keep every valid value, fall back to the
    default for each bad one, and say what was dropped and why.

    Each value is first checked on its own; `hidden`, whose limit is the width,
    is then checked against the width the link ends up with."""
    defaults, problems = Config(), []
    good: dict[str, object] = {}
    for name, text in values.items():
        try:
            setting = _setting(name, text)
            value = setting.parse(text)
            setting.check(value, high=SETTINGS["width"].high if setting.high_field else None)
            good[name] = value
        except ConfigError as error:
            fallback = "ignored" if name not in SETTINGS else f"using {getattr(defaults, name)!r} instead"
            problems.append(f"{error}; {fallback}")
    width, hidden = good.get("width", defaults.width), good.get("hidden", defaults.hidden)
    if hidden > width:
        fallback = min(defaults.hidden, width)
        if "hidden" in good:
            error = ConfigError("hidden", hidden, SETTINGS["hidden"].allowed(width))
            problems.append(f"{error}; using {fallback!r} instead")
        good["hidden"] = fallback
    return dataclasses.replace(defaults, **good), problems


def config_to_strings(config: Config) -> dict[str, str]:
    """Every field as text that `Config.from_strings` reads back to the same value."""
    return {name: str(value) for name, value in config.to_dict().items()}
