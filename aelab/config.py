"""One validated configuration for a training run.

`Config` is a frozen dataclass: it validates itself on construction (and on
`dataclasses.replace`), so an invalid configuration cannot exist. Every
problem is reported as a `ConfigError` naming the field, the value and what
is allowed -- the CLI prints it as one line, the page shows it as a warning.

`Config.from_strings` parses text (command-line options, URL query
parameters) with the same rules, so both front ends share one parser.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

BACKENDS = ("numpy", "torch")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
LOSSES = ("mse", "bce")
OPTIMIZERS = ("sgd", "momentum", "adam", "rprop")
DTYPES = ("float32", "float64")
DEVICES = ("auto", "cpu", "cuda")

MAX_WIDTH = 1024
MAX_EPOCHS = 100_000
MAX_LR = 100.0


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
class Config:
    """Everything that defines one run (or, with a list of seeds, one sweep)."""

    backend: str = "numpy"  # numpy (from scratch) | torch (nn.Module + autograd + torch.optim)
    width: int = 8  # N: input and output size, the number of one-hot patterns
    hidden: int = 3  # k: bottleneck size
    # The default recipe (tanh, MSE, plain SGD at lr 50 from small weights) gives the
    # 8-3-8 encoder distinct binary codes in 100% of seeds 0..99, median epoch ~115:
    # see the README's recipe table, made with `python -m aelab sweep`.
    activation: str = "tanh"  # hidden layer; the output layer is always a sigmoid
    loss: str = "mse"  # mse on sigmoid outputs | bce from the logits
    optimizer: str = "sgd"  # torch.optim semantics: SGD, SGD(momentum), Adam, Rprop
    lr: float = 50.0  # large, but the loss is a mean over all N*N outputs
    momentum: float = 0.9  # used by the momentum optimizer only
    init_scale: float = 0.2  # weights ~ N(0, init_scale^2), biases 0
    epochs: int = 1000  # full-batch updates
    seed: int = 0
    dtype: str = "float32"
    device: str = "auto"  # torch only: auto picks cuda when available

    def __post_init__(self) -> None:
        _check_choice("backend", self.backend, BACKENDS)
        _check_int("width", self.width, 2, MAX_WIDTH)
        _check_int("hidden", self.hidden, 1, self.width)
        _check_choice("activation", self.activation, ACTIVATIONS)
        _check_choice("loss", self.loss, LOSSES)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_float("lr", self.lr, low=0.0, high=MAX_LR, low_open=True)
        _check_float("momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        _check_float("init_scale", self.init_scale, low=0.0, high=100.0, low_open=True)
        _check_int("epochs", self.epochs, 1, MAX_EPOCHS)
        _check_int("seed", self.seed, 0, 2**32 - 1)
        _check_choice("dtype", self.dtype, DTYPES)
        _check_choice("device", self.device, DEVICES)

    @classmethod
    def from_strings(cls, values: Mapping[str, str], base: Config | None = None) -> Config:
        """Build a config from text values over `base` (the defaults when None).

        Unknown names and unparsable or out-of-range values raise ConfigError.
        """
        base = base or cls()
        types = {field.name: field.type for field in dataclasses.fields(cls)}
        parsed: dict[str, object] = {}
        for name, text in values.items():
            if name not in types:
                raise ConfigError(name, text, f"unknown setting; known: {', '.join(types)}")
            parsed[name] = _parse(name, str(text).strip(), types[name])
        return dataclasses.replace(base, **parsed)

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    def describe(self, with_seed: bool = True) -> str:
        """A short human label, e.g. 'numpy 8-3-8 sigmoid bce adam lr=0.1 seed=0'."""
        label = f"{self.backend} {self.width}-{self.hidden}-{self.width} {self.activation} {self.loss} {self.optimizer}"
        label += f" lr={self.lr:g}"
        return f"{label} seed={self.seed}" if with_seed else label


def min_code_bits(width: int) -> int:
    """ceil(log2 N): the fewest hidden units that can give N patterns distinct binary codes."""
    return max(1, math.ceil(math.log2(width)))


def _parse(name: str, text: str, type_name: str) -> object:
    if type_name == "int":
        try:
            return int(text)
        except ValueError:
            raise ConfigError(name, text, "must be a whole number") from None
    if type_name == "float":
        try:
            return float(text)
        except ValueError:
            raise ConfigError(name, text, "must be a number") from None
    return text.lower()


def _check_choice(name: str, value: object, options: tuple[str, ...]) -> None:
    if value not in options:
        raise ConfigError(name, value, f"choose one of: {', '.join(options)}")


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, value, f"a whole number from {low} to {high}")


def _check_float(
    name: str,
    value: object,
    *,
    low: float,
    high: float,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        left = "greater than" if low_open else "at least"
        right = "less than" if high_open else "at most"
        raise ConfigError(name, value, f"a finite number {left} {low:g} and {right} {high:g}")


def config_from_partial_strings(values: Mapping[str, str]) -> tuple[Config, list[str]]:
    """Lenient parsing for share links: keep every valid value, fall back to the
    default for each bad one, and say what was dropped and why.

    Fields are applied in declaration order, so `hidden` is checked against the
    link's `width`. Unknown names are reported and ignored.
    """
    config, problems = Config(), []
    known = [field.name for field in dataclasses.fields(Config)]
    for name in values:
        if name not in known:
            problems.append(f"ignored unknown setting {name!r} in the link")
    for name in known:
        if name not in values:
            continue
        try:
            config = Config.from_strings({name: values[name]}, base=config)
        except ConfigError as error:
            problems.append(f"{error}; using {getattr(config, name)!r} instead")
    return config, problems


def config_to_strings(config: Config) -> dict[str, str]:
    """Every field as text that `Config.from_strings` reads back to the same value."""
    return {name: str(value) for name, value in config.to_dict().items()}
