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
from aelab.kept_epochs import HISTORY_BUDGET, SNAPSHOT_BUDGET
from aelab.optimizers import optimizer
from aelab.sweep import seeds_per_batch, values_per_seed
from aelab.weights import parameter_count

# CPU seconds of training on one core, in work units: what one epoch of a (batched) run does, counted
# by epoch_work(), times the seconds each unit costs on each backend (benchmarks/calibrate_budget.py
# measures them and prints the estimate beside the measured cost, knob by knob). An epoch is one
# full-batch update, or ceil(P / batch_size) mini-batch updates; each update runs the optimiser over
# every parameter of every seed (2Nk + N + k each), which at 1024-1024 costs milliseconds.
UNIT_SECONDS: dict[str, dict[str, float]] = {
    "numpy": {
        "epoch": 3.2e-05,  # a fixed cost per epoch and batch of seeds: Python, the loop, the recorder
        "seed": 1.9e-06,  # per seed and epoch
        # per output value (S x P x N) per pass over them (x2 in float64: bytes moved); softmax_ce's exponentials
        # and logarithm are priced as any output's work (calibrate_budget's softmax rows hold it to that)
        "output": 6.7e-09,
        "product": 4e-11,  # per multiply-add of the matrix products (S x P x N x k each), x2 in float64
        "code": 7.3e-09,  # per hidden value read as a bit and counted into codes (S x P x k)
        "update": 3e-05,  # a fixed cost per mini-batch update
        "seed_update": 3.2e-07,  # ... and per seed
        "gradient": 1e-09,  # per parameter per mini-batch update: the products' passes over the weights, x2 in float64
        "weight_decay": 1.3e-09,  # per parameter per update, x2 in float64
        "noise": 2.2e-08,  # per hidden noise value drawn
        "autograd": 0.0,  # (torch's)
        "seed_tensors": 0.0,  # (torch's)
        "restart": 3.6e-05,  # per seed and restart: new weights
        # per parameter per update, by optimiser and dtype, on gradients as training makes them: Rprop's
        # sign tests meet float32's subnormal products of tiny gradients, far slower than float64's
        "sgd float32": 3.6e-09,
        "sgd float64": 1.4e-08,
        "momentum float32": 2.5e-09,
        "momentum float64": 1.4e-08,
        "adam float32": 1e-08,
        "adam float64": 2e-08,
        "rprop float32": 1.3e-07,
        "rprop float64": 5.9e-08,
        "quickprop float32": 5.7e-08,
        "quickprop float64": 5.7e-08,
    },
    "torch": {
        "epoch": 0.00013,
        "seed": 3e-06,
        "output": 7.5e-09,
        "product": 3.3e-11,
        "code": 1.6e-09,
        "update": 2e-05,
        "seed_update": 8.7e-07,
        "gradient": 1e-09,
        "weight_decay": 6e-10,
        "noise": 9e-09,
        "autograd": 0.0002,  # a step through autograd (sse, a flat spot, every mini-batch update; see torch_fused)
        "seed_tensors": 8.4e-05,  # per seed per update: Adam with restarts keeps four tensors per seed (torch_backend)
        "restart": 6.8e-05,
        "sgd float32": 1.6e-09,
        "sgd float64": 2.3e-08,
        "momentum float32": 4.9e-08,
        "momentum float64": 6.8e-08,
        "adam float32": 1.1e-08,
        "adam float64": 5.3e-09,
        "rprop float32": 4.6e-07,
        "rprop float64": 7.7e-08,
        "quickprop float32": 4.8e-08,
        "quickprop float64": 8.4e-08,
    },
}
WORKING_ARRAYS = 10  # (S, P, N)-sized arrays alive at once in a training step (outputs, errors, gradients)
# Copies of every parameter a run keeps: weights and gradient, the result's initial and final weights, the
# resumable copy's weights (aelab_page.training.keep_run), and the backend's own (torch's autograd views)
PARAMETER_COPIES = 6
# Bytes the page's views take per (P, N) output value of a single run while it draws them: the code report's
# (P, P) Hamming matrix and its float intermediates, the heatmaps' tables and images
VIEW_BYTES_PER_OUTPUT = 200
# The server itself after a first run: Python, Streamlit, NumPy, pandas, Altair (and torch, CPU build);
# with these, the estimates stay at or above the peaks benchmarks/bench_serving.py measures.
BASE_MEGABYTES = {"numpy": 350, "torch": 550}

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
    # What all sessions together may keep (trained networks, snapshots, resumable copies: aelab.memory);
    # over it, idle sessions let go of theirs. An idle session lets go of them after idle_seconds anyway.
    max_server_megabytes: float | None = 300.0
    idle_seconds: float | None = 1800.0

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
# environment variable -> Budget field: AELAB_ and the field's name in capitals, for every field
ENVIRONMENT = {f"AELAB_{field.name.upper()}": field.name for field in dataclasses.fields(Budget)}
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


def epoch_work(config: Config, seeds: int = 1) -> dict[str, float]:
    """What one epoch of `seeds` seeds does, in the units of UNIT_SECONDS. Many seeds train in batches
    of at most seeds_per_batch (a sweep's), each batch with its own fixed costs."""
    width, hidden, patterns = config.width, config.hidden, config.pattern_count
    wide = 2.0 if config.dtype == "float64" else 1.0  # float64 moves twice the bytes
    batches = -(-seeds // seeds_per_batch(config))
    minibatch = config.minibatch
    updates = -(-patterns // config.batch_size) if minibatch else 1
    parameter_updates = updates * seeds * parameter_count(config)
    products = 6 if minibatch else 3  # forward, and backward's two (dW2, dh); a mini-batch's five plus the clean pass
    passes = 1 + (minibatch or config.noise > 0)  # over the outputs: the measured pass, and the updates' own
    if config.noise and not minibatch:
        products += 1  # the noisy pass besides the clean one
    torch = config.backend == "torch"
    autograd = updates if minibatch else float(config.loss == "sse" or config.flat_spot > 0)
    work = {
        "epoch": batches,
        "seed": seeds,
        "output": seeds * patterns * width * passes * wide,
        "product": seeds * patterns * width * hidden * products * wide,
        "code": seeds * patterns * hidden,
        "update": updates if minibatch else 0,
        "seed_update": updates * seeds if minibatch else 0,
        "gradient": parameter_updates * wide if minibatch else 0,
        "weight_decay": parameter_updates * wide if config.weight_decay else 0,
        "noise": seeds * patterns * hidden if config.noise else 0,
        "autograd": autograd if torch else 0,
        "seed_tensors": updates * seeds if torch and config.restart_after and config.optimizer == "adam" else 0,
        "restart": seeds / config.restart_after if config.restart_after else 0,
    }
    return work | {f"{config.optimizer} {config.dtype}": parameter_updates}


def estimate_seconds(config: Config, seeds: int = 1) -> float:
    """Worst-case training time on one core: every epoch of every seed."""
    costs = UNIT_SECONDS[config.backend]
    work = epoch_work(config, seeds)
    per_epoch = sum(count * costs[unit] for unit, count in work.items())
    return config.epochs * per_epoch


def estimate_bench_seconds(configs: Sequence[Config], seeds: int) -> float:
    return sum(estimate_seconds(config, seeds) for config in configs)


def estimate_megabytes(config: Config, seeds: int = 1) -> float:
    """Peak memory of the server while it trains: its base, one batch's working arrays, the history
    (at most HISTORY_BUDGET entries of 4 metrics), the snapshots (hidden activations and, for the
    replay, weights: at most SNAPSHOT_BUDGET float32 values each), the parameters' copies (weights,
    gradient, optimiser state, the result's and the resumable copy's) and, for a single run, what the
    page's views make of its (P, N) outputs."""
    itemsize = 4 if config.dtype == "float32" else 8
    per_seed = values_per_seed(config)
    batch = min(seeds, seeds_per_batch(config))  # seeds trained at once (aelab.sweep)
    working = WORKING_ARRAYS * batch * per_seed * max(itemsize, 8)  # figures are measured in float64
    history = min(seeds * (config.epochs + 1), HISTORY_BUDGET) * 4 * 8
    single = seeds == 1
    snapshots = 2 * SNAPSHOT_BUDGET * 4 if single else 0
    parameters = parameter_count(config)
    copies = PARAMETER_COPIES + 2 * optimizer(config.optimizer).state_arrays  # the state, and its resumable copy
    state = batch * parameters * itemsize * copies
    views = VIEW_BYTES_PER_OUTPUT * config.pattern_count * config.width if single else 0
    return BASE_MEGABYTES[config.backend] + (working + history + snapshots + state + views) / 1e6


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


def grid_over_budget(budget: Budget, configs: Sequence[Config], seeds: int) -> str | None:
    """The same for a grid: its cells' sweeps, one after another at worst, in one shared batch at most."""
    megabytes = max(estimate_megabytes(config, seeds * len(configs)) for config in configs)
    what, lower = f"This grid ({len(configs)} cells x {seeds:,} seeds)", "vary fewer values, or use fewer seeds"
    return _over(budget, what, estimate_bench_seconds(configs, seeds), megabytes, lower)


def _over(budget: Budget, what: str, seconds: float, megabytes: float, lower: str) -> str | None:
    if budget.max_megabytes is not None and megabytes > budget.max_megabytes:
        return (
            f"{what} would need about {megabytes:,.0f} MB of memory; this server allows "
            f"{budget.max_megabytes:,.0f} MB per run. Use a smaller width, bottleneck or fewer seeds, "
            "or run it on your own machine (no limit):"
        )
    if budget.max_seconds is not None and seconds > budget.max_seconds:
        return (
            f"{what} could take up to {duration(seconds)} of computing; this server allows "
            f"{duration(budget.max_seconds)} per click. To run it here, {lower}; "
            "or run it on your own machine (no limit):"
        )
    return None


def max_epochs_within(seconds: float, config: Config, seeds: int = 1) -> int:
    """The most epochs whose estimate fits in `seconds` (0 if not even one)."""
    per_epoch = estimate_seconds(dataclasses.replace(config, epochs=1), seeds)
    return min(int(seconds // per_epoch), config.epochs)


def duration(seconds: float) -> str:
    """A duration as people read it: seconds, minutes or hours."""
    if seconds < 10:
        return f"{seconds:.2g} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
