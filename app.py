"""aelab: the page. Pick a bottleneck, click Train, watch the binary code emerge.

Reads top to bottom: settings (from the share link, then the sidebar) ->
Train with live progress -> the views of the last run -> a seed sweep.
Everything that is not page layout lives in the `aelab` package, which the
CLI and the tests share; this file is the only one that imports streamlit.

Session state holds plain data: the widget values (keyed by Config field
names), the last run (`result`, saved as training goes, so a stopped or
interrupted run leaves a usable result), pinned runs and the last sweep.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from aelab import analysis, charts, export
from aelab.backends import torch_unavailable_reason
from aelab.config import (
    ACTIVATIONS,
    DEVICES,
    DTYPES,
    LOSSES,
    MAX_EPOCHS,
    MAX_WIDTH,
    OPTIMIZERS,
    Config,
    config_from_partial_strings,
    config_to_strings,
    min_code_bits,
)
from aelab.results import RunResult
from aelab.sweep import SweepResult, sweep
from aelab.train import Progress, train

st.set_page_config(page_title="aelab: what does a bottleneck learn?", page_icon=":material/hub:", layout="wide")

FIELDS = [field.name for field in dataclasses.fields(Config)]
MAX_PINNED = 5
PROGRESS_INTERVAL = 0.3  # seconds between live redraws: drawing must not dominate training
LR_CHOICES = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
BACKEND_LABELS = {"numpy": "NumPy (from scratch)", "torch": "PyTorch"}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam", "rprop": "Rprop"}
ACTIVATION_LABELS = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU (0.01)",
    "linear": "linear",
}
# A preset is a size plus a recipe; the default recipe unless it says otherwise.
PRESETS: dict[str, dict[str, object]] = {
    "Classic 8-3-8": {"width": 8, "hidden": 3},
    "The seed notebook's 8-3-8 (sigmoid, MSE, Adam, lr 0.01)": {
        "width": 8,
        "hidden": 3,
        "activation": "sigmoid",
        "loss": "mse",
        "optimizer": "adam",
        "lr": 0.01,
        "init_scale": 1.0,
    },
    "Tiny 4-2-4": {"width": 4, "hidden": 2},
    "Tight 16-4-16": {"width": 16, "hidden": 4},
    "Tight 32-5-32": {"width": 32, "hidden": 5},
    "Overcomplete 8-8-8": {"width": 8, "hidden": 8},
}
KEPT_BY_PRESETS = ("backend", "seed", "dtype", "device")  # what a preset leaves as the user set it


# ----------------------------------------------------------------------------- settings


def restore_settings_once() -> None:
    """On a session's first run, fill the widgets from the share link (or the defaults)."""
    if "restored" in st.session_state:
        return
    st.session_state.restored = True
    config, problems = config_from_partial_strings(st.query_params.to_dict())
    if config.backend == "torch" and torch_unavailable_reason():
        problems.append(f"backend 'torch' is not available here ({torch_unavailable_reason()}); using numpy")
        config = dataclasses.replace(config, backend="numpy")
    st.session_state.link_problems = problems
    _load_into_widgets(config)


def _load_into_widgets(config: Config) -> None:
    for name in FIELDS:
        st.session_state[name] = getattr(config, name)


def apply_preset() -> None:
    """on_change of the preset menu: set its widgets, then reset the menu."""
    preset = PRESETS.get(st.session_state.preset)
    if preset:
        kept = {name: st.session_state[name] for name in KEPT_BY_PRESETS}
        _load_into_widgets(Config(**kept, **preset))
    st.session_state.preset = None


def current_values() -> dict[str, object]:
    return {name: st.session_state[name] for name in FIELDS}


def settings_ui() -> Config:
    """The sidebar. Returns the config the widgets describe; changing one never retrains."""
    sidebar = st.sidebar
    sidebar.header("Settings")
    sidebar.selectbox(
        "Preset",
        list(PRESETS),
        index=None,
        placeholder="Choose a preset...",
        key="preset",
        on_change=apply_preset,
        help="Sets the sizes and the recipe (backend and seed stay as they are). Everything stays editable.",
    )
    torch_reason = torch_unavailable_reason()
    sidebar.radio(
        "Backend",
        list(BACKEND_LABELS),
        format_func=BACKEND_LABELS.get,
        captions=[
            "forward and backward written out by hand",
            "nn.Module, autograd, torch.optim" if torch_reason is None else f"unavailable: {torch_reason}",
        ],
        key="backend",
    )
    sizes = sidebar.columns(2)
    width = sizes[0].number_input("Input width N", min_value=2, max_value=MAX_WIDTH, step=1, key="width")
    st.session_state.hidden = min(st.session_state.hidden, width)  # keep k valid when N shrinks
    hidden = sizes[1].number_input("Bottleneck k", min_value=1, max_value=width, step=1, key="hidden")
    bits = min_code_bits(width)
    if hidden < bits:
        sidebar.warning(
            f"k = {hidden} is too small for a distinct binary code per pattern: {hidden} binary units "
            f"make at most {2**hidden} codes for {width} patterns (needs k >= ceil(log2 N) = {bits})."
        )
    else:
        kind = "tight" if hidden == bits else "overcomplete" if hidden >= width else "loose"
        sidebar.caption(f"ceil(log2 {width}) = {bits}: a {kind} bottleneck.")
    sidebar.selectbox("Hidden activation", ACTIVATIONS, format_func=ACTIVATION_LABELS.get, key="activation")
    sidebar.radio("Loss", LOSSES, format_func=str.upper, horizontal=True, key="loss")
    sidebar.selectbox("Optimizer", OPTIMIZERS, format_func=OPTIMIZER_LABELS.get, key="optimizer")
    lr_options = sorted(set(LR_CHOICES) | {st.session_state.lr})  # a shared link may carry any lr
    sidebar.select_slider("Learning rate (log scale)", options=lr_options, format_func=lambda v: f"{v:g}", key="lr")
    runs = sidebar.columns(2)
    runs[0].number_input("Epochs", min_value=1, max_value=MAX_EPOCHS, step=100, key="epochs")
    runs[1].number_input("Seed", min_value=0, max_value=2**32 - 1, step=1, key="seed")
    with sidebar.expander("More settings"):
        st.number_input("Momentum", min_value=0.0, max_value=0.99, step=0.05, key="momentum")
        st.number_input(
            "Initial weight scale",
            min_value=0.01,
            max_value=100.0,
            step=0.1,
            key="init_scale",
            help="Weights start as N(0, scale²) from the seed; biases start at 0.",
        )
        st.radio("Float type", DTYPES, horizontal=True, key="dtype")
        st.radio("Torch device", DEVICES, horizontal=True, key="device", help="auto picks CUDA when there is one.")
    return Config(**current_values())


def mirror_to_url(config: Config) -> None:
    """Keep the address bar a share link for the current settings."""
    wanted = config_to_strings(config)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


# ----------------------------------------------------------------------------- training


def train_with_progress(config: Config) -> None:
    """Train inline, streaming a progress bar and the loss; any click (Stop) interrupts it."""
    st.session_state.training = config  # cleared on completion; still set after an interruption
    with st.status(f"Training {config.describe()}", expanded=True) as status:
        bar = st.progress(0.0, text="starting")
        st.button("Stop", key="stop", icon=":material/stop_circle:", help="Stop now and keep the run so far.")
        live_chart = st.empty()

        def on_progress(progress: Progress) -> None:
            partial = progress.result().run(0)
            st.session_state.result = partial  # saved before drawing: an interruption keeps it
            bar.progress(progress.fraction, text=_progress_text(progress, partial))
            live_chart.altair_chart(charts.live_loss_chart(partial), width="stretch")

        try:
            result = train(config, on_progress=on_progress, progress_interval=PROGRESS_INTERVAL)
        except Exception as error:  # e.g. torch missing or no CUDA: say so, never a traceback
            st.session_state.training = None
            status.update(label=f"Could not train: {error}", state="error")
            return
        st.session_state.result = result
        st.session_state.training = None
        state = "error" if result.diverged else "complete"
        status.update(label=_finished_text(result), state=state, expanded=False)


def _progress_text(progress: Progress, partial: RunResult) -> str:
    return (
        f"epoch {progress.epoch:,} of {progress.epochs:,} · loss {partial.history['loss'][-1]:.4g} · "
        f"distinct codes {partial.history['distinct_codes'][-1]} of {partial.config.width}"
    )


def _finished_text(result: RunResult) -> str:
    if result.diverged:
        return f"Diverged after {result.epochs_done:,} epochs (NaN or infinite values): try a smaller learning rate."
    solved = "never solved" if result.solved_epoch is None else f"solved at epoch {result.solved_epoch:,}"
    return f"Trained {result.epochs_done:,} epochs in {result.train_seconds:.2f} s: {solved}."


def report_interrupted_run() -> None:
    """A run that a click interrupted left `training` set: say what was kept."""
    config = st.session_state.get("training")
    if config is None:
        return
    st.session_state.training = None
    result = st.session_state.get("result")
    if result is not None and result.config == config and result.stopped:
        st.info(
            f"Training stopped at epoch {result.epochs_done:,} of {config.epochs:,}. "
            "The views below show the run up to that point."
        )
    else:
        st.info("Training stopped before its first update was kept; nothing new to show.")


# ----------------------------------------------------------------------------- views


def describe_differences(shown: Config, current: Config) -> str:
    changes = [
        f"{name} {getattr(shown, name)} → {getattr(current, name)}"
        for name in FIELDS
        if getattr(shown, name) != getattr(current, name)
    ]
    return ", ".join(changes)


def results_header(result: RunResult, current: Config) -> None:
    config = result.config
    status = "diverged" if result.diverged else "stopped early" if result.stopped else "finished"
    title, downloads = st.columns([5, 1], vertical_alignment="center")
    title.markdown(f"**Showing:** `{config.describe()}` · {result.epochs_done:,} epochs · {status}")
    with downloads.popover("Download", icon=":material/download:", width="stretch"):
        downloads_ui(result)
    changed = describe_differences(config, current)
    if changed:
        st.caption(f"The settings have changed since this run ({changed}). Click **Train** to run them.")
    report = result.code_report()
    figures = st.columns(5)
    figures[0].metric("Final loss", f"{result.history['loss'][-1]:.3g}")
    figures[1].metric("Output bits right", f"{result.history['bits_correct'][-1]:.0%}")
    figures[2].metric("Distinct codes", f"{report.distinct} of {config.width}")
    figures[3].metric("Outputs solved (epoch)", _number_or_never(result.output_solved_epoch), help="40-20-40 rule")
    figures[4].metric(
        "Codes solved (epoch)", _number_or_never(result.solved_epoch), help="outputs solved and all codes distinct"
    )


def _number_or_never(epoch: int | None) -> str:
    return "never" if epoch is None else f"{epoch:,}"


def _epoch_text(epoch: int | None) -> str:
    return "never" if epoch is None else f"epoch {epoch:,}"


def show_matrix(matrix: np.ndarray, *, row: str, column: str, title: str, domain, scheme=charts.SEQUENTIAL) -> None:
    """A heatmap chart when small enough, else an image: the browser never gets a huge chart."""
    if matrix.size <= charts.MAX_HEATMAP_CELLS:
        chart = charts.heatmap(
            matrix, row=row, column=column, title=title, domain=domain, scheme=scheme, text=matrix.size <= 128
        )
        st.altair_chart(chart, width="content")
    else:
        st.image(
            charts.heatmap_image(matrix, domain, scheme),
            caption=f"{title}: {matrix.shape[0]} × {matrix.shape[1]} ({row} down, {column} across), "
            f"colour {domain[0]:.2g} to {domain[1]:.2g}",
            width="stretch",
        )


def curves_view(result: RunResult) -> None:
    pinned: list[tuple[str, RunResult]] = st.session_state.setdefault("pinned", [])
    actions = st.columns([1, 1, 2])
    if actions[0].button("Pin this run", key="pin", icon=":material/push_pin:", disabled=len(pinned) >= MAX_PINNED):
        pinned.append((f"#{len(pinned) + 1} {result.config.describe()}", result))
    if actions[1].button("Clear pins", disabled=not pinned):
        pinned.clear()
    log_loss = actions[2].toggle("Log-scale loss", value=True)
    runs = [*pinned]
    if not any(run is result for _, run in pinned):
        runs.append((f"current: {result.config.describe()}", result))
    st.altair_chart(charts.history_chart(runs, log_loss=log_loss), width="content")
    st.caption(
        "Dashed rules: every output passes the 40-20-40 rule. Solid rules: outputs solved and every pattern "
        f"has its own binary code. Pin up to {MAX_PINNED} runs to compare them (e.g. NumPy against PyTorch)."
    )


def reconstructions_view(result: RunResult) -> None:
    targets = np.eye(result.config.width)
    st.caption("Each row is one pattern: its one-hot input beside the network's output (0 to 1, values on hover).")
    left, right = st.columns(2)
    with left:
        show_matrix(targets, row="pattern", column="unit", title="Input", domain=(0.0, 1.0))
    with right:
        show_matrix(result.outputs, row="pattern", column="unit", title="Reconstruction", domain=(0.0, 1.0))


def codes_view(result: RunResult) -> None:
    config, report = result.config, result.code_report()
    bits = min_code_bits(config.width)
    summary = f"**{report.distinct} distinct codes** for {config.width} patterns"
    if report.collisions:
        groups = "; ".join(" & ".join(str(i) for i in group) for group in report.collisions)
        summary += f" · patterns sharing a code: {groups}"
    summary += f" · binariness {report.binariness:.2f} (1 = every unit saturated)"
    st.markdown(summary)
    if config.hidden < bits:
        st.warning(f"k = {config.hidden} < ceil(log2 {config.width}) = {bits}: distinct binary codes are impossible.")
    left, right = st.columns(2)
    with left:
        domain = (0.0, 1.0) if config.activation == "sigmoid" else (-1.0, 1.0) if config.activation == "tanh" else None
        show_matrix(
            result.hidden,
            row="pattern",
            column="hidden unit",
            title="Hidden activations",
            domain=domain or _value_range(result.hidden),
        )
        table = charts.code_table(result)
        shared_rows = table["shares code with"] != ""
        st.dataframe(
            table.style.apply(lambda column: np.where(shared_rows, "background-color: #fde2e1", ""), axis=0).format(
                precision=3
            ),
            hide_index=True,
            height=min(38 + 35 * len(table), 420),
        )
    with right:
        show_matrix(
            report.hamming.astype(float),
            row="pattern",
            column="pattern ",
            title="Hamming distance between codes",
            domain=(0.0, float(max(config.hidden, 1))),
        )
    if config.hidden in (2, 3):
        st.altair_chart(
            charts.code_scatter(
                result.hidden, config.activation, report.codes, "Codes as points: corners are binary codes"
            ),
            width="content",
        )
    snapshots_view(result)


def _value_range(matrix: np.ndarray) -> tuple[float, float]:
    finite = matrix[np.isfinite(matrix)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return (low, high) if high > low else (low, low + 1.0)


def snapshots_view(result: RunResult) -> None:
    if len(result.snapshot_epochs) < 2:
        return
    st.subheader("Watch the code emerge")
    epoch = st.select_slider("Epoch", options=result.snapshot_epochs, value=result.snapshot_epochs[-1], key="snapshot")
    hidden = result.snapshots[result.snapshot_epochs.index(epoch)].astype(float)
    report = analysis.code_report(hidden, result.config.activation)
    st.caption(f"Epoch {epoch:,}: {report.distinct} distinct codes, binariness {report.binariness:.2f}.")
    columns = st.columns([1, 3])  # the scatter has three panels
    with columns[0]:
        domain = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(result.config.activation) or _value_range(hidden)
        show_matrix(hidden, row="pattern", column="hidden unit", title=f"At epoch {epoch:,}", domain=domain)
    with columns[1]:
        if result.config.hidden in (2, 3):
            st.altair_chart(
                charts.code_scatter(hidden, result.config.activation, report.codes, size=150), width="content"
            )


def weights_view(result: RunResult) -> None:
    final = result.final
    st.caption("Red is negative, blue positive; each layer's colour scale is symmetric around 0.")
    encoder = charts.diverging_domain(final.W1, final.b1)
    decoder = charts.diverging_domain(final.W2, final.b2)
    left, right = st.columns(2)
    with left:
        show_matrix(
            final.W1, row="input", column="hidden unit", title="Encoder W1", domain=encoder, scheme=charts.DIVERGING
        )
        show_matrix(
            final.b1[None, :],
            row="bias",
            column="hidden unit",
            title="Encoder b1",
            domain=encoder,
            scheme=charts.DIVERGING,
        )
    with right:
        show_matrix(
            final.W2, row="hidden unit", column="output", title="Decoder W2", domain=decoder, scheme=charts.DIVERGING
        )
        show_matrix(
            final.b2[None, :], row="bias", column="output", title="Decoder b2", domain=decoder, scheme=charts.DIVERGING
        )


def downloads_ui(result: RunResult) -> None:
    name = f"aelab_{result.config.width}-{result.config.hidden}-{result.config.width}_seed{result.config.seed}"
    st.download_button(
        "Config (JSON)", export.config_json(result), f"{name}_config.json", "application/json", on_click="ignore"
    )
    st.download_button(
        "History (CSV)", export.history_csv(result), f"{name}_history.csv", "text/csv", on_click="ignore"
    )
    st.download_button(
        "Weights (.npz)",
        export.weights_npz(result),
        f"{name}_weights.npz",
        "application/octet-stream",
        on_click="ignore",
    )


def open_seed(seed: int) -> None:
    """on_click of a sweep's "open": that seed becomes the current run, trained at once."""
    st.session_state.seed = seed
    st.session_state.train_request = True


def sweep_view(config: Config) -> None:
    st.markdown(
        "One setting, many seeds, trained together as one batched computation. "
        "How often does it find a distinct binary code, and how fast?"
    )
    columns = st.columns([1, 1, 1], vertical_alignment="bottom")
    count = columns[0].number_input("Seeds", min_value=2, max_value=1000, value=100, step=10, key="sweep_seeds")
    first = columns[1].number_input("First seed", min_value=0, max_value=2**32 - 1001, value=0, key="sweep_first")
    if columns[2].button("Run sweep", key="sweep", type="primary", width="stretch"):
        run_sweep(config, list(range(first, first + count)))
    result = st.session_state.get("sweep_result")
    if result is None:
        st.info("Set the seeds and click **Run sweep**. The sweep uses the settings in the sidebar.")
        return
    seeds = f"seeds {result.seeds[0]}..{result.seeds[-1]}"
    label = f"**Sweep of** `{result.config.describe(with_seed=False)}` over {seeds} in {result.seconds:.2f} s"
    if result.stopped:
        label += " · **stopped early**: seeds not yet solved count as unsolved"
    st.markdown(label)
    figures = st.columns(4)
    figures[0].metric("Solved with distinct codes", f"{result.solved_rate:.0%}")
    figures[1].metric("Outputs solved", f"{result.output_solved_rate:.0%}")
    figures[2].metric("Median epoch", _number_or_dash(result.median_solved_epoch))
    figures[3].metric("90th percentile", _number_or_dash(result.p90_solved_epoch))
    if any(epoch is not None for epoch in result.solved_epoch):
        st.altair_chart(charts.solved_histogram(result.solved_epoch), width="stretch")
    failing = result.failing_seeds()
    if failing:
        st.markdown(f"**{len(failing)} seeds never solved** (outputs and distinct codes):")
        rows = [
            {"seed": seed, "outputs solved at": _epoch_text(out), "distinct codes at the end": distinct}
            for seed, out, solved, distinct in zip(
                result.seeds, result.output_solved_epoch, result.solved_epoch, result.final_distinct_codes, strict=True
            )
            if solved is None
        ]
        st.dataframe(rows, hide_index=True, height=min(38 + 35 * len(rows), 300))
    chosen = st.selectbox(
        "Open a seed as a single run",
        result.seeds,
        index=result.seeds.index(failing[0]) if failing else 0,
        key="sweep_pick",
    )
    if st.button(
        "Open as the current run", key="open_seed", on_click=open_seed, args=(chosen,), icon=":material/open_in_new:"
    ):
        st.success(f"Seed {chosen} is now the current run: see its views above.")


def run_sweep(config: Config, seeds: list[int]) -> None:
    """Train the seeds as one batch with a progress bar; Stop (any click) keeps the sweep so far."""
    with st.status(f"Sweeping {len(seeds)} seeds of {config.describe(with_seed=False)}", expanded=True) as status:
        bar = st.progress(0.0, text="starting")
        st.button("Stop", key="stop_sweep", icon=":material/stop_circle:", help="Stop now and keep the sweep so far.")

        def on_progress(progress: Progress) -> None:
            st.session_state.sweep_result = SweepResult.from_batch(progress.result())  # kept if interrupted
            solved = sum(epoch is not None for epoch in st.session_state.sweep_result.solved_epoch)
            text = f"epoch {progress.epoch:,} of {progress.epochs:,} · {solved} of {len(seeds)} seeds solved"
            bar.progress(progress.fraction, text=text)

        try:
            result = sweep(config, seeds, on_progress, PROGRESS_INTERVAL)
        except Exception as error:  # e.g. torch missing or no CUDA: say so, never a traceback
            status.update(label=f"Could not run the sweep: {error}", state="error")
            return
        st.session_state.sweep_result = result
        status.update(label=f"Swept {len(seeds)} seeds in {result.seconds:.2f} s", state="complete", expanded=False)


def _number_or_dash(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


VIEWS = {
    "Training curves": curves_view,
    "Reconstructions": reconstructions_view,
    "Hidden code": codes_view,
    "Weights": weights_view,
}


@st.fragment
def results_ui(current: Config) -> None:
    """The last run: its figures, then one view at a time.

    A fragment with stateful tabs: switching views, pinning or scrubbing the
    snapshots reruns only this part and draws only the open tab, and such a
    click never interrupts a training run (fragment reruns wait for it)."""
    result: RunResult | None = st.session_state.get("result")
    if result is None:
        st.info("Choose settings in the sidebar and click **Train**: the views of the run appear here.")
        return
    results_header(result, current)
    tabs = st.tabs(list(VIEWS), key="view", on_change="rerun")
    for tab, view in zip(tabs, VIEWS.values(), strict=True):
        if tab.open:
            with tab:
                view(result)


# ----------------------------------------------------------------------------- the page

restore_settings_once()
config = settings_ui()
mirror_to_url(config)

st.title("aelab")
st.markdown(
    "Squeeze N one-hot patterns through k hidden units and reconstruct them: the classic **encoder problem**. "
    "With a tight bottleneck (k = ceil(log2 N)) a good network gives every pattern its own **binary code**."
)
for problem in st.session_state.pop("link_problems", []):
    st.warning(f"Share link: {problem}")

torch_reason = torch_unavailable_reason()
torch_blocked = config.backend == "torch" and torch_reason is not None
if torch_blocked:
    st.error(f"The PyTorch backend is unavailable: {torch_reason}. Choose NumPy in the sidebar.")

report_interrupted_run()
train_clicked = st.button("Train", key="train", type="primary", icon=":material/play_arrow:", disabled=torch_blocked)
if (train_clicked or st.session_state.pop("train_request", False)) and not torch_blocked:
    train_with_progress(config)

results_ui(config)

st.divider()
st.subheader("Many seeds at once")
sweep_view(config)
