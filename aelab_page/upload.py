"""The page's CSV upload for `data=csv`: the file is read by the library's strict loader (pattern_csv.load_csv)
once, when it changes, and its patterns (P, N) are kept in the session for the runs that train on them."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aelab.pattern_csv import MAX_BYTES, load_csv
from aelab.report import markdown_literal
from aelab.settings import ConfigError

UPLOAD_MB = 2  # the uploader's own limit; load_csv's MAX_BYTES (2,000,000) is the stricter


def csv_inputs() -> np.ndarray | None:
    """The uploaded patterns (P, N), or None while no good file is in."""
    return st.session_state.get("csv_inputs")


def csv_shape() -> tuple[int, int] | None:
    inputs = csv_inputs()
    return None if inputs is None else inputs.shape


def read_upload() -> None:
    """on_change of the uploader: load the new file (or forget the old one), keeping what was wrong."""
    st.session_state.csv_inputs = st.session_state.csv_problem = None
    file = st.session_state.get("csv_file")
    if file is None:
        return
    try:
        if file.size > MAX_BYTES:
            raise ConfigError("csv", f"{file.size:,} bytes", f"at most {MAX_BYTES:,} bytes")
        inputs = load_csv(file.getvalue()).inputs
    except ConfigError as error:
        st.session_state.csv_problem = f"{file.name}: {error}"
        return
    st.session_state.csv_inputs = inputs
    st.session_state.patterns, st.session_state.width = inputs.shape  # the widgets show what the file fixes
    st.session_state.hidden = min(st.session_state.hidden, inputs.shape[1])


def csv_uploader(container) -> None:
    """The uploader, shown while the pattern set is csv, and what the file holds or what is wrong with it."""
    container.file_uploader(
        "Your patterns (CSV)",
        type=["csv", "txt"],
        key="csv_file",
        on_change=read_upload,
        max_upload_size=UPLOAD_MB,
        help=f"One pattern a row, values from 0 to 1, comma-separated; at most {MAX_BYTES:,} bytes.",
    )
    problem = st.session_state.get("csv_problem")
    inputs = csv_inputs()
    if problem:
        container.error(f"Could not read the file: {markdown_literal(problem)}")
    elif inputs is None:
        container.info("Upload a CSV file to train on your own patterns; until then the runs use one_hot.")
    else:
        container.caption(f"{inputs.shape[0]:,} patterns of {inputs.shape[1]} inputs from the file.")


def run_inputs(config) -> np.ndarray | None:
    """What a run of `config` is handed to train on: the uploaded patterns for a csv run, else None (every
    other set makes its own)."""
    return csv_inputs() if config.data == "csv" else None


def keep_run_patterns(config, inputs: np.ndarray) -> None:
    """A csv run opened from its file: its patterns stand in for an upload, so that it continues on them."""
    if config.data == "csv":
        st.session_state.csv_inputs, st.session_state.csv_problem = inputs, None
