"""One validated configuration for a training run, and text in and out of it.

`Config` is a frozen dataclass that validates itself on construction (and on
`dataclasses.replace`) against `aelab.settings.SETTINGS`, so an invalid
configuration cannot exist. `Config.from_strings` reads command-line and link
text; `config_from_partial_strings` is its lenient form for share links.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aelab.combinations import OUTPUTS_BY_LOSS, check_combination, stop_needs_binary
from aelab.patterns import PATTERN_SETS
from aelab.settings import MAX_SEED, SETTINGS, ConfigError, Setting

__all__ = [
    "MAX_SEED",
    "OUTPUTS_BY_LOSS",
    "PAGE_DEFAULTS",
    "SETTINGS",
    "Config",
    "ConfigError",
    "Setting",
    "changed_settings",
    "check_combination",
    "config_from_partial_strings",
    "describe_changes",
    "fitting_hidden",
    "min_code_bits",
    "stop_needs_binary",
]


@dataclass(frozen=True)
class Config:
    """Everything that defines one run (or, with a list of seeds, one sweep).

    What each field allows is in SETTINGS; the defaults are here."""

    backend: str = "numpy"  # numpy (from scratch) | torch (torch kernels or autograd, torch.optim)
    data: str = "one_hot"  # the pattern set: aelab.patterns.PATTERN_SETS
    width: int = 8  # N: input and output size (one_hot: also the number of patterns)
    patterns: int = 0  # P: how many patterns; 0: the set's own count (one_hot: N)
    density: float = 0.5  # random_binary: the chance of each bit being 1
    data_seed: int = 0  # random_binary, bars: draws the patterns, the same for every weight seed
    hidden: int = 3  # k: bottleneck size
    # The default recipe (tanh, MSE, plain SGD at lr 50 from small weights) gives the
    # 8-3-8 encoder distinct binary codes in 100% of seeds 0..99, median epoch ~115:
    # see the recipe table in docs/evidence.md, made with `python -m aelab sweep`.
    activation: str = "tanh"  # hidden layer
    loss: str = "mse"  # mse | bce on sigmoid outputs | softmax_ce: softmax outputs, cross-entropy | sse
    output: str = "auto"  # auto: softmax for softmax_ce, else sigmoid | sigmoid | softmax | linear (mse, sse)
    optimizer: str = "sgd"  # torch.optim semantics: SGD, SGD(momentum), Adam, Rprop; or Quickprop
    lr: float = 50.0  # large, but the loss is a mean over all N*N outputs
    momentum: float = 0.9  # used by the momentum optimizer only
    max_growth: float = 1.75  # quickprop's mu
    rprop_max_step: float = 50.0  # Rprop's step sizes stay in [rprop_min_step, rprop_max_step] (torch.optim's
    rprop_min_step: float = 1e-6  # defaults; the limits keep min <= max whatever the two are set to)
    flat_spot: float = 0.0  # added to the activation derivatives (hidden; outputs for mse and sse)
    batch_size: int = 0  # patterns per update; 0: full batch
    weight_decay: float = 0.0  # L2: wd * theta added to the gradient before each update
    init_scale: float = 0.2  # weights ~ N(0, init_scale^2), biases 0
    init: str = "normal"  # normal | uniform: weights and biases in [-init_scale, init_scale]
    noise: float = 0.0  # std of N(0, 1) draws added to the hidden pre-activations while training
    noise_schedule: str = "constant"  # constant | linear: to 0 over an attempt
    restart_after: int = 0  # epochs an attempt gets to solve before new weights; 0: never
    epochs: int = 1000  # passes over all patterns (full batch: updates), every attempt counted
    stop: str = "never"  # never | outputs | codes: end once solved so (the page starts with codes: PAGE_DEFAULTS)
    hold: int = 0  # with stop: epochs more once the goal is reached
    seed: int = 0
    dtype: str = "float32"
    device: str = "auto"  # torch only: auto picks cuda when available

    def __post_init__(self) -> None:
        for name, setting in SETTINGS.items():
            high = getattr(self, setting.high_field) if setting.high_field else None
            setting.check(getattr(self, name), high)
        check_combination(self)

    @classmethod
    def from_strings(cls, values: Mapping[str, str], base: Config | None = None) -> Config:
        """Build a config from text values over `base` (the defaults when None).

        Unknown names and unparsable or out-of-range values raise ConfigError."""
        base = base or cls()
        parsed = {name: _setting(name, text).parse(text) for name, text in values.items()}
        return dataclasses.replace(base, **_with_set_defaults(parsed, base))

    @property
    def output_layer(self) -> str:
        """The output layer: `output`, where auto is softmax for softmax_ce, else sigmoid."""
        if self.output != "auto":
            return self.output
        return "softmax" if self.loss == "softmax_ce" else "sigmoid"

    @property
    def pattern_count(self) -> int:
        """P: `patterns`, or with 0 the pattern set's own count at this width."""
        return self.patterns or PATTERN_SETS[self.data].count(self.width)

    @property
    def minibatch(self) -> bool:
        """True when an epoch is several updates over a shuffled order (0 < batch_size < P)."""
        return 0 < self.batch_size < self.pattern_count

    @property
    def attempt_length(self) -> int:
        """Epochs one attempt may take: restart_after when restarts are on, else all of them."""
        return self.restart_after or self.epochs

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    def has_defaults(self, *names: str) -> bool:
        """Whether each of the settings `names` has its default value (the field's, above)."""
        defaults = {field.name: field.default for field in dataclasses.fields(self)}
        return all(getattr(self, name) == defaults[name] for name in names)

    def describe(self, with_seed: bool = True) -> str:
        """A short human label, e.g. 'numpy 8-3-8 sigmoid bce adam lr=0.1 seed=0'."""
        label = f"{self.backend} {self.width}-{self.hidden}-{self.width} {self.activation} {self.loss} {self.optimizer}"
        if self.data != "one_hot":
            label += f" data={self.data} P={self.pattern_count}"
        if self.output != "auto":
            label += f" output={self.output}"
        label += f" lr={self.lr:g}"
        if self.optimizer == "quickprop":
            label += f" mu={self.max_growth:g}"
        if self.optimizer == "rprop" and not self.has_defaults("rprop_min_step", "rprop_max_step"):
            label += f" steps={self.rprop_min_step:g}..{self.rprop_max_step:g}"
        if self.flat_spot:
            label += f" flat={self.flat_spot:g}"
        if self.batch_size:
            label += f" batch={self.batch_size}"
        if self.init == "uniform":
            label += f" uniform={self.init_scale:g}"
        if self.weight_decay:
            label += f" wd={self.weight_decay:g}"
        if self.noise:
            label += f" noise={self.noise:g}" + (" linear" if self.noise_schedule == "linear" else "")
        if self.restart_after:
            label += f" restart={self.restart_after}"
        if self.stop != "never":
            label += f" stop={self.stop}" + (f"+{self.hold}" if self.hold else "")
        return f"{label} seed={self.seed}" if with_seed else label


def changed_settings(old: Config, new: Config, names: Iterable[str] = SETTINGS) -> dict[str, tuple[object, object]]:
    """{setting: (old value, new value)} for each of `names` that differs, in the order of `names`."""
    return {
        name: (getattr(old, name), getattr(new, name)) for name in names if getattr(old, name) != getattr(new, name)
    }


def describe_changes(changes: Mapping[str, tuple[object, object]]) -> str:
    """changed_settings in words, e.g. "lr 50 → 10, optimizer sgd → adam"."""
    return ", ".join(f"{name} {old:g} → {new:g}" if isinstance(old, float) else f"{name} {old} → {new}"
                     for name, (old, new) in changes.items())  # fmt: skip


def _with_set_defaults(parsed: dict[str, object], base: Config) -> dict[str, object]:
    """Text that names a pattern set but no lr gets the set's own where it has one (--data digits: 1), and
    no width the set's default width where `base`'s does not fit it (64), with a bottleneck that fits it."""
    entry = PATTERN_SETS.get(parsed.get("data"))  # type: ignore[arg-type]
    if entry is None:
        return parsed
    if "lr" not in parsed:
        parsed = parsed | {"lr": entry.lr(base.lr)}
    if "width" in parsed or entry.default_width is None or not entry.width_problem(base.width):
        return parsed
    return parsed | {
        "width": entry.default_width,
        "hidden": parsed.get("hidden", min(base.hidden, entry.default_width)),
    }


def _setting(name: str, text: object) -> Setting:
    if name not in SETTINGS:
        raise ConfigError(name, text, f"unknown setting; known: {', '.join(SETTINGS)}")
    return SETTINGS[name]


def min_code_bits(width: int) -> int:
    """ceil(log2 N): the fewest hidden units that can give N patterns distinct binary codes."""
    return max(1, math.ceil(math.log2(width)))


def fitting_hidden(width: int, preferred: int) -> int:
    """`preferred` clamped to the bottlenecks that can give `width` patterns distinct binary codes,
    ceil(log2 N) <= k <= N: what a link's missing or refused bottleneck falls back to, never an impossible one."""
    return max(min_code_bits(width), min(preferred, width))


# What the page starts with, and so what a share link's missing settings mean: the CLI's defaults, but a
# run stops once its codes are solved (the CLI trains every epoch unless asked: its JSON history keeps
# epochs + 1 entries). The page writes every setting into its links, so they read back the same anywhere.
PAGE_DEFAULTS = Config(stop="codes")


def config_from_partial_strings(values: Mapping[str, str], base: Config = PAGE_DEFAULTS) -> tuple[Config, list[str]]:
    """Lenient parsing for share links: keep every valid value, fall back to `base`'s for each bad one,
    and say what was dropped and why.

    Each value is first checked on its own; `hidden`, whose limit is the width, is then checked against
    the width the link ends up with. A bottleneck the link leaves out or gets refused falls back to one
    that fits that width (fitting_hidden), so that a fallback never makes an impossible network."""
    problems: list[str] = []
    good: dict[str, object] = {}
    refused: dict[str, ConfigError] = {}
    for name, text in values.items():
        try:
            setting = _setting(name, text)
            value = setting.parse(text)
            if not setting.high_field:  # a limit set by another field (hidden by width) waits for that field
                setting.check(value)
            good[name] = value
        except ConfigError as error:
            refused[name] = error
    width = _with_set_defaults({key: value for key, value in good.items() if key != "hidden"}, base).get(
        "width", base.width
    )
    if "hidden" in good:
        try:
            SETTINGS["hidden"].check(good["hidden"], high=width)
        except ConfigError as error:
            refused["hidden"] = error
            del good["hidden"]
    if "hidden" not in good:
        good["hidden"] = fitting_hidden(width, base.hidden)
    data = good.get("data", base.data)
    if "stop" not in good and PATTERN_SETS[data].binary is False:  # (csv: one_hot, in fit_together)
        good["stop"] = "never"  # a real-valued set's only goal, taken silently as its width is; a given one is checked
    config, clashes = fit_together(base, _with_set_defaults(good, base))
    refused |= {error.field: error for error in clashes}
    for name, error in refused.items():
        fallback = f"using {getattr(config, name)!r} instead" if name in SETTINGS else "ignored"
        problems.append(f"{link_problem(error)}; {fallback}")
    return config, problems


def setting_name(name: str) -> str:
    """A setting as the sidebar labels it, with its key (what links, --vary and the CLI spell): "Learning rate
    (lr)"; any other name as it is."""
    return f"{SETTINGS[name].label} ({name})" if name in SETTINGS else name


def link_problem(error: ConfigError) -> str:
    """A refused link value named by setting_name: "Bottleneck k (hidden): 0 is not allowed (...)" where the
    CLI, whose options are keys, says "hidden: 0 ..."."""
    return setting_name(error.field) + str(error).removeprefix(error.field)


# What a setting that clashes with the others (check_combination) becomes, given the values so far.
_FIT = {
    "width": lambda values, base: PATTERN_SETS[values["data"]].default_width or base.width,
    "hidden": lambda values, base: fitting_hidden(values["width"], values["hidden"]),
    "patterns": lambda values, base: 0,
    "loss": lambda values, base: "mse",
    "output": lambda values, base: "auto",
    "stop": lambda values, base: "never",
}


def fit_together(base: Config, values: Mapping[str, object], csv_shape: tuple | None = None) -> tuple[Config, list]:
    """`base` with `values` (each valid on its own), where each setting that clashes with the others is
    changed until they go together: a pattern set's width, a count it cannot make, a goal it has no
    binary targets for, an output the loss does not take. Also the clashes, in the order they were met.
    A csv set needs its file: its (patterns, width) `csv_shape` fixes those; without one it is one_hot."""
    values = {**base.to_dict(), **values}
    clashes: list[ConfigError] = []
    if values["data"] == "csv" and csv_shape is not None:
        values["patterns"], values["width"] = csv_shape
    elif values["data"] == "csv":
        clashes.append(ConfigError("data", "csv", "csv patterns come from a file, which this cannot carry"))
        values["data"] = "one_hot"
    for _ in range(len(_FIT) + 1):
        try:
            return Config(**values), clashes
        except ConfigError as error:
            clashes.append(error)
            fit = _FIT.get(error.field)
            values[error.field] = fit(values, base) if fit else getattr(base, error.field)
    return base, clashes


def config_to_strings(config: Config) -> dict[str, str]:
    """Every field as text that `Config.from_strings` reads back to the same value."""
    return {name: str(value) for name, value in config.to_dict().items()}
