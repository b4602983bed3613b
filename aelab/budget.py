"""How much work one click on a served page may start: the estimate, the limits, and the message.

A share link is a public server (Community Cloud: about 2.7 GB and 2 CPUs for
every visitor together), so the page checks what a click would start against
a `Budget` before it trains. The CLI never does: on your own machine you
decide. The estimates are worst cases (every epoch run, no seed solving early)
from constants measured with benchmarks/calibrate_budget.py.

Limits come from, in order: environment variables (AELAB_MAX_SECONDS, ...),
the page's `[aelab]` secrets (.streamlit/secrets.toml), then DEFAULT_BUDGET.
A limit of 0, "none" or "off" lifts it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aelab.config import Config, ConfigError
from aelab.recorder import HISTORY_BUDGET, SNAPSHOT_BUDGET
from aelab.sweep import seeds_per_batch, values_per_seed

# Seconds per epoch (one core, default recipe; benchmarks/calibrate_budget.py prints the fit):
# a fixed cost per epoch (Python and dispatch), plus per seed a small fixed cost, the (P, N)
# elementwise work and the (P, k) x (k, N) products.
EPOCH_OVERHEAD = {"numpy": 3e-5, "torch": 7e-5}
AUTOGRAD_OVERHEAD = 1.2e-4  # torch's instead, where a step takes autograd (sse, a flat spot; see torch_fused)
# With restarts torch.optim holds Adam's state as four tensors per seed (torch_backend) and loops over
# them each update: seconds per seed per update.
ADAM_PER_SEED_TENSORS = 4.5e-5
TORCH_OPTIMIZER_OVERHEAD = {"rprop": 5e-5, "quickprop": 8e-5}  # their updates take more torch calls per step
PER_SEED = 1.5e-6
PER_OUTPUT = 4e-9  # per output value (P x N = N^2 of them)
PER_PRODUCT = 1e-10  # per multiply-add of the two matrix products (N^2 k)
# Mini-batch and per-pattern epochs (batch_size) make ceil(P / batch_size) updates, each with its own
# fixed cost (autograd's is larger), besides the full-batch pass that measures the epoch.
UPDATE_OVERHEAD = {"numpy": 2e-5, "torch": 8e-5}
PER_SEED_UPDATE = 3e-6
WORKING_ARRAYS = 10  # (S, P, N)-sized arrays alive at once in a training step (outputs, errors, gradients)
# The server itself after a first run: Python, Streamlit, NumPy, pandas, Altair (and torch, CPU build);
# with these, the estimates stay at or above the peaks benchmarks/bench_serving.py measures.
BASE_MEGABYTES = {"numpy": 350, "torch": 550}

ENVIRONMENT = {  # environment variable -> Budget field
    "AELAB_MAX_SECONDS": "max_seconds",
    "AELAB_MAX_MEGABYTES": "max_megabytes",
    "AELAB_MAX_RUNS": "max_runs",
    "AELAB_QUICK_SECONDS": "quick_seconds",
    "AELAB_SMALL_SECONDS": "small_seconds",
}
THRESHOLDS = {"quick_seconds", "small_seconds"}  # estimate thresholds, not limits: they cannot be lifted
# A click's allowance in the quick or the small lane is this many times the lane's threshold (never more
# than max_seconds): room for an estimate that is somewhat low, and for the page's redraws.
LANE_ALLOWANCE = 2.0
OFF = {"0", "none", "off", ""}


@dataclass(frozen=True)
class Budget:
    """What one click may start on the page; None lifts a limit."""

    max_seconds: float | None = 120.0  # estimated seconds of training (one core) per click
    max_megabytes: float | None = 1000.0  # estimated peak memory of one training
    max_runs: int | None = 2  # long trainings at once on one server (one per CPU); more wait in line
    quick_seconds: float = 2.0  # work estimated under this starts at once, never waiting behind long runs
    small_seconds: float = 10.0  # ... under this waits only for other small work, in a lane of its own

    def needs_slot(self, seconds: float) -> bool:
        """Long work (estimated `seconds`) takes a place in the server's line; quick work (most clicks)
        never waits."""
        return self.max_runs is not None and seconds >= self.quick_seconds

    def small(self, seconds: float) -> bool:
        """Work estimated at `seconds` waits in the small lane, for small work only (see run_queue)."""
        return self.needs_slot(seconds) and seconds < self.small_seconds

    def allowance_seconds(self, seconds: float) -> float | None:
        """The CPU seconds a click estimated at `seconds` may use, measured as it trains (aelab.allowance):
        max_seconds, or in the quick and small lanes LANE_ALLOWANCE times the lane's threshold, so
        that those lanes move on whatever a link really costs. None: no limit."""
        if self.max_seconds is None:
            return None
        if self.max_runs is None or seconds >= self.small_seconds:  # no line (so no lane), or long work
            return self.max_seconds
        lane = self.quick_seconds if seconds < self.quick_seconds else self.small_seconds
        return min(self.max_seconds, LANE_ALLOWANCE * lane)


DEFAULT_BUDGET = Budget()
UNLIMITED = Budget(max_seconds=None, max_megabytes=None, max_runs=None)


def load_budget(environ: Mapping[str, str], secrets: Mapping[str, object]) -> Budget:
    """The budget from environment variables over `[aelab]` secrets over the defaults.

    `secrets` holds the keys of Budget's fields (max_seconds = 600); `environ` the
    AELAB_* names. A bad value raises ConfigError naming the key."""
    values: dict[str, object] = {}
    for name, value in secrets.items():
        if name not in {field.name for field in dataclasses.fields(Budget)}:
            raise ConfigError(f"[aelab] {name}", value, f"known keys: {', '.join(ENVIRONMENT.values())}")
        values[name] = _limit(f"[aelab] {name}", name, value)
    for variable, name in ENVIRONMENT.items():
        if variable in environ:
            values[name] = _limit(variable, name, environ[variable])
    return dataclasses.replace(DEFAULT_BUDGET, **values)


def _limit(label: str, name: str, value: object) -> float | int | None:
    text = str(value).strip().lower()
    if (text in OFF or value is False) and name not in THRESHOLDS:
        return None
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number > 0 or number == float("inf") or (name == "max_runs" and not number.is_integer()):
        kind = "a whole number" if name == "max_runs" else "a number"
        lift = "" if name in THRESHOLDS else ", or 0 / none / off for no limit"
        raise ConfigError(label, value, f"{kind} above 0{lift}")
    return int(number) if name == "max_runs" else number


def estimate_seconds(config: Config, seeds: int = 1) -> float:
    """Worst-case training time on one core: every epoch of every seed."""
    patterns = config.width  # P = N one-hot patterns
    outputs = patterns * config.width  # P x N
    updates = -(-patterns // config.batch_size) if 0 < config.batch_size < patterns else 0  # beyond full batch
    passes = 2 if updates else 1  # the measuring pass, and the updates' passes over every pattern
    per_seed = (
        PER_SEED + updates * PER_SEED_UPDATE + passes * (PER_OUTPUT * outputs + PER_PRODUCT * outputs * config.hidden)
    )
    overhead = EPOCH_OVERHEAD[config.backend]
    if config.backend == "torch":
        if config.loss == "sse" or config.flat_spot:
            overhead = AUTOGRAD_OVERHEAD
        overhead += max(updates, 1) * TORCH_OPTIMIZER_OVERHEAD.get(config.optimizer, 0.0)
        if config.restart_after and config.optimizer == "adam":
            per_seed += max(updates, 1) * ADAM_PER_SEED_TENSORS
    per_epoch = overhead + updates * UPDATE_OVERHEAD[config.backend] + seeds * per_seed
    return config.epochs * per_epoch


def estimate_bench_seconds(configs: Sequence[Config], seeds: int) -> float:
    return sum(estimate_seconds(config, seeds) for config in configs)


def estimate_megabytes(config: Config, seeds: int = 1) -> float:
    """Peak memory of the server while it trains: its base, one batch's working arrays, the history
    (at most HISTORY_BUDGET entries of 4 metrics) and the snapshots: hidden activations and, for the
    replay, weights (at most SNAPSHOT_BUDGET float32 values each)."""
    itemsize = 4 if config.dtype == "float32" else 8
    per_seed = values_per_seed(config)
    batch = min(seeds, seeds_per_batch(config))  # seeds trained at once (aelab.sweep)
    working = WORKING_ARRAYS * batch * per_seed * max(itemsize, 8)  # figures are measured in float64
    history = min(seeds * (config.epochs + 1), HISTORY_BUDGET) * 4 * 8
    snapshots = 2 * SNAPSHOT_BUDGET * 4 if seeds == 1 else 0
    return BASE_MEGABYTES[config.backend] + (working + history + snapshots) / 1e6


def over_budget(budget: Budget, config: Config, seeds: int = 1) -> str | None:
    """None when a click may start this work, else one message: what it would cost, the limit,
    the most epochs that fit, and how to run it without the limit."""
    what = "This run" if seeds == 1 else f"This sweep of {seeds:,} seeds"
    fits = max_epochs_within(budget.max_seconds, config, seeds) if budget.max_seconds is not None else 0
    lower = f"lower the epochs to {fits:,} or fewer" if fits else "use a smaller width or fewer seeds"
    return _over(budget, what, estimate_seconds(config, seeds), estimate_megabytes(config, seeds), lower)


def bench_over_budget(budget: Budget, configs: Sequence[Config], seeds: int) -> str | None:
    """The same check for a bench run: its entries one after another, over `seeds` seeds each."""
    seconds = estimate_bench_seconds(configs, seeds)
    megabytes = max(estimate_megabytes(config, seeds) for config in configs)
    what = f"This bench run ({len(configs)} entries x {seeds:,} seeds)"
    return _over(budget, what, seconds, megabytes, "choose one entry or fewer seeds")


def _over(budget: Budget, what: str, seconds: float, megabytes: float, lower: str) -> str | None:
    if budget.max_megabytes is not None and megabytes > budget.max_megabytes:
        return (
            f"{what} would need about {megabytes:,.0f} MB of memory; this server allows "
            f"{budget.max_megabytes:,.0f} MB per run. Use a smaller width, bottleneck or fewer seeds, "
            "or run it on your own machine (no limit):"
        )
    if budget.max_seconds is not None and seconds > budget.max_seconds:
        return (
            f"{what} could take up to {_duration(seconds)} of computing; this server allows "
            f"{_duration(budget.max_seconds)} per click. To run it here, {lower}; "
            "or run it on your own machine (no limit):"
        )
    return None


def max_epochs_within(seconds: float, config: Config, seeds: int = 1) -> int:
    """The most epochs whose estimate fits in `seconds` (0 if not even one)."""
    per_epoch = estimate_seconds(dataclasses.replace(config, epochs=1), seeds)
    return min(int(seconds // per_epoch), config.epochs)


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.2g} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
