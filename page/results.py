"""The last run: which settings it came from, its figures, downloads, and one view at a time."""

from __future__ import annotations

import json

import streamlit as st

from aelab import formats
from aelab.config import SETTINGS, Config
from aelab.report import epoch_or_never, percent
from aelab.results import RunResult
from page.memory import released_note, track_memory
from page.views import VIEWS


def describe_differences(shown: Config, current: Config) -> str:
    changes = [
        f"{name} {getattr(shown, name)} → {getattr(current, name)}"
        for name in SETTINGS
        if getattr(shown, name) != getattr(current, name)
    ]
    return ", ".join(changes)


def results_header(result: RunResult, current: Config) -> None:
    config = result.config
    title, downloads = st.columns([5, 1], vertical_alignment="center")
    title.markdown(f"**Showing:** `{config.describe()}` · {result.epochs_done:,} epochs · {result.status}")
    with downloads.popover("Download", icon=":material/download:", width="stretch"):
        downloads_ui(result)
    changed = describe_differences(config, current)
    if changed:
        st.caption(f"The settings have changed since this run ({changed}). Click **Train** to run them.")
    report = result.code_report()
    figures = st.columns(5)
    figures[0].metric("Final loss", f"{result.history['loss'][-1]:.3g}")
    figures[1].metric("Output bits right", percent(result.history["bits_correct"][-1]))
    figures[2].metric("Distinct codes", f"{report.distinct} of {config.width}")
    figures[3].metric("Outputs solved (epoch)", epoch_or_never(result.output_solved_epoch), help="40-20-40 rule")
    figures[4].metric(
        "Codes solved (epoch)", epoch_or_never(result.solved_epoch), help="outputs solved and all codes distinct"
    )


def file_stem(config: Config) -> str:
    return f"aelab_{config.width}-{config.hidden}-{config.width}_seed{config.seed}"


def run_file_name(config: Config) -> str:
    """The name the run's download (Run (JSON)) gets."""
    return f"{file_stem(config)}_run.json"


def downloads_ui(result: RunResult) -> None:
    name = file_stem(result.config)
    saved = st.session_state.get("saved_run")
    if saved is not None and saved["epoch"] == result.epochs_done:
        # Made on click (on another thread), from data kept when the run paused or ended.
        st.download_button(
            "Run (JSON, to open again)", lambda: json.dumps(formats.run_json(result) | {"resume": saved}),
            run_file_name(result.config), "application/json", on_click="ignore", key="download_run",
            help="The whole run: settings, history, weights and optimizer state. **Open run** continues it.",
        )  # fmt: skip
    files = [
        ("Config (JSON)", formats.config_json(result), f"{name}_config.json", "application/json"),
        ("History (CSV)", formats.history_csv(result), f"{name}_history.csv", "text/csv"),
        ("Weights (.npz)", formats.weights_npz(result), f"{name}_weights.npz", "application/octet-stream"),
    ]
    for label, data, file_name, mime in files:
        st.download_button(label, data, file_name, mime, on_click="ignore")


@st.fragment
def results_ui(current: Config) -> None:
    """The last run: its figures, then one view at a time.

    A fragment with stateful tabs: switching views, pinning or scrubbing the
    snapshots reruns only this part and draws only the open tab, and such a
    click never interrupts a training run (fragment reruns wait for it)."""
    track_memory()  # this session's kept arrays, in the server's registry (idle ones may be released)
    result: RunResult | None = st.session_state.get("result")
    released_note()
    if result is None:
        st.info("Choose settings in the sidebar and click **Train**: the views of the run appear here.")
        return
    results_header(result, current)
    tabs = st.tabs(list(VIEWS), key="view", on_change="rerun")
    for tab, view in zip(tabs, VIEWS.values(), strict=True):
        if tab.open:
            with tab:
                view(result)
