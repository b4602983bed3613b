"""The last run: which settings it came from, its figures, downloads, and one view at a time."""

from __future__ import annotations

import streamlit as st

from aelab import formats, run_file
from aelab.config import Config, changed_settings, describe_changes
from aelab.headline import SolvedHistory, code_headline, solved_history
from aelab.report import epoch_or_never, percent
from aelab.results import RunResult
from aelab_page.memory import released_note, track_memory
from aelab_page.views import VIEWS


def results_header(result: RunResult, current: Config) -> None:
    config = result.config
    title, downloads = st.columns([5, 1], vertical_alignment="center")
    epochs = f"{result.epochs_done:,} epochs · " if result.epochs_done else ""
    title.markdown(f"**Showing:** `{config.describe()}` · {epochs}{result.status}")
    with downloads.popover("Download", icon=":material/download:", width="stretch"):
        downloads_ui(result)
    # Compared with the settings the run was last trained with (its config's epochs grow as it is continued).
    changed = describe_changes(changed_settings(st.session_state.get("result_settings", config), current))
    if changed:
        st.caption(f"The settings have changed since this run ({changed}). Click **Train** to run them.")
    if not result.data.binary:
        real_valued_figures(result)
        return
    solved = solved_history(result)
    st.markdown(_headline(result, solved))
    if not result.epochs_done:
        return  # the initial weights: no history to give figures of yet
    figures = st.columns(5)
    figures[0].metric("Loss now", f"{result.history['loss'][-1]:.3g}")
    figures[1].metric("Output bits right now", percent(result.history["bits_correct"][-1]))
    figures[2].metric("Distinct codes now", f"{result.code_report().distinct} of {config.pattern_count}")
    for column, (name, label, help_text) in zip(figures[3:], FIRST_SOLVED, strict=True):
        first, since = solved[name]
        column.metric(label, epoch_or_never(first), since or None, delta_color="off", delta_arrow="off", help=help_text)


def real_valued_figures(result: RunResult) -> None:
    """Real-valued targets: no 40-20-40 and no binary codes; the figures are the reconstruction's."""
    if not result.epochs_done:
        st.markdown("**Real-valued patterns:** the figures are the reconstruction error and the variance explained.")
        return
    figures = result.reconstruction()
    floor = figures["pca_floor"]
    explained = f"{figures['variance_explained']:.1%}"
    st.markdown(f"**{explained} of the variance explained now**" + (f" · PCA floor {floor:.4g}" if floor else ""))
    columns = st.columns(4)
    columns[0].metric("Loss now", f"{result.history['loss'][-1]:.3g}")
    columns[1].metric("Reconstruction error", f"{figures['mse']:.3g}", help="mean squared error per value")
    columns[2].metric("Variance explained", explained, help="1 - squared error / the patterns' total variance")
    floor_help = "the least loss any rank-k affine map reaches (Eckart-Young), on the loss's scale"
    columns[3].metric("PCA floor", f"{floor:.3g}" if floor is not None else "–", help=floor_help)


# The solved figures a run's headline shows: the first epoch each held, and what became of it since.
FIRST_SOLVED = (
    ("outputs", "Outputs first solved at", "the first epoch with every output right under the 40-20-40 rule"),
    ("codes", "Codes first solved at", "the first epoch with the outputs solved and every pattern's code distinct"),
)


def _headline(result: RunResult, solved: SolvedHistory) -> str:
    """'**7 of 8 distinct now** · all distinct first at epoch 83, lost at 84'."""
    now, _, history = code_headline(result, solved).partition(" · ")
    return f"**{now}**" + (f" · {history}" if history else "")


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
            "Run (JSON, to open again)", lambda: run_file.dumps(formats.run_json(result) | {"resume": saved}),
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
    for tab, (name, view) in zip(tabs, VIEWS.items(), strict=True):
        if tab.open:
            with tab:
                if result.epochs_done or name not in OVER_EPOCHS:
                    view(result)
                else:  # one point per curve would draw as empty charts
                    st.info(
                        "Initial weights, not trained yet: the curves begin once it trains (**Step** or **Train**)."
                    )


OVER_EPOCHS = ("Training curves",)  # views of a run's history, which an untrained run does not have
