"""aelab: the page. Pick a bottleneck, click Train, watch the binary code emerge. `page()` draws it once.

Reads top to bottom: settings (from the share link, then the sidebar) -> the transport (Train,
Pause, Continue, Step, Reset) with live views -> the views of the last run -> a seed sweep -> a grid
of settings -> the literature bench.
The parts live beside this file in `aelab_page/`; every decision they show is made in the `aelab`
library, which the CLI and the tests share. Only `aelab_page/` and the top-level app.py import streamlit.

Streamlit re-executes the script it runs on every rerun, so both scripts call `page()`: the
top-level app.py (`streamlit run app.py`, Community Cloud) and this file itself when run as a script
(`aelab serve`, from the installed package). An `import` alone would draw the page only once.

Session state holds plain data: the widget values (keyed by Config field
names), the last run (`result`, saved as training goes, so a stopped or
interrupted run leaves a usable result), the run's Trainer (`trainer`: what Continue and Step train
on), pinned runs and the last sweep.
"""

from __future__ import annotations

import streamlit as st

from aelab.backends import torch_unavailable_reason
from aelab.patterns import PATTERN_SETS, binary_targets
from aelab.report import markdown_literal
from aelab_page.bench import bench_view
from aelab_page.grid import grid_view
from aelab_page.lesson import present_ui, sidebar_state
from aelab_page.replay import replay_ui
from aelab_page.results import results_ui
from aelab_page.settings import mirror_to_url, restore_settings_once, settings_ui
from aelab_page.source import source_ui
from aelab_page.sweep import sweep_view
from aelab_page.training import report_interrupted_run, train_with_progress
from aelab_page.transport import explain, transport_ui
from aelab_page.upload import run_inputs


def page() -> None:
    """Draw the whole page for this rerun."""
    st.set_page_config(
        page_title="aelab: what does a bottleneck learn?",
        page_icon=":material/hub:",
        layout="wide",
        initial_sidebar_state=sidebar_state(st.query_params.to_dict()),  # collapsed for ?present=1
    )

    restore_settings_once()
    config = settings_ui()
    mirror_to_url(config)

    if not present_ui(config):  # present mode: its header (which names aelab) takes the title's room too
        st.title("aelab")  # ?present=1: a short header of the run's settings in place of this, larger text
        code = (
            f" With a tight bottleneck (k = ceil(log2 P) for its P = {config.pattern_count} patterns) a good network "
            "gives every pattern its own **binary code**."
        )
        binary = binary_targets(config, run_inputs(config))  # a csv file's own values say
        st.markdown(PATTERN_SETS[config.data].intro + (code if binary else ""))
    link_problems = st.session_state.pop("link_problems", [])
    if link_problems:  # one warning, a line per problem; link text never becomes a link, image or markup
        st.warning(
            "  \n".join(["Share link: these values were not used."] + [markdown_literal(p) for p in link_problems])
        )

    torch_reason = torch_unavailable_reason()
    torch_blocked = config.backend == "torch" and torch_reason is not None
    if torch_blocked:
        st.error(f"The PyTorch backend is unavailable: {torch_reason}. Choose NumPy in the sidebar.")

    trainer_free = report_interrupted_run()  # False: an interrupted run's thread still holds the Trainer
    action, transport_note = transport_ui(config, blocked=torch_blocked or not trainer_free)
    if st.session_state.pop("train_request", False):
        action = "train"
    if action is not None and not torch_blocked:
        train_with_progress(config, action)
    explain(transport_note, config)
    replay_ui(config)  # the network: before any click, live in the status box while training, then the replay

    results_ui(config)
    source_ui()

    st.divider()
    st.subheader("Many seeds at once")
    sweep_view(config)

    st.divider()
    st.subheader("A grid of settings")
    grid_view(config)

    st.divider()
    st.subheader("Literature bench")
    bench_view()


if __name__ == "__main__":  # `streamlit run .../aelab_page/app.py`, as `aelab serve` does
    page()
