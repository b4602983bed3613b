"""The Probe tab: set any hidden vector and see what the decoder makes of it, and the hidden space."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from aelab import probe
from aelab.charts.probe import PROBE_SELECTION, plane_chart, probe_outputs_chart, with_probe
from aelab.results import RunResult
from aelab.weights import Weights
from aelab_page.lesson import chart_scale, table_size

CORNER_TABLE_HEIGHT = 360  # px: 2^k corners, so a long table scrolls


def _keys(result: RunResult) -> list[str]:
    return [f"probe_{unit}" for unit in range(result.config.hidden)]


def _set_probe(result: RunResult, hidden: np.ndarray) -> None:
    low, high = probe.corner_values(result.config, result.activations)
    for key, value in zip(_keys(result), hidden, strict=True):
        st.session_state[key] = float(np.clip(round(float(value), 2), low, high))


def _to_pattern(result: RunResult) -> None:
    """on_change of "Set the probe to": the chosen pattern's own hidden vector."""
    _set_probe(result, result.activations[st.session_state.probe_pattern])


def _clicked(result: RunResult, units: tuple[int, int]) -> None:
    """on_select of the k = 2 plane: move the probe to the clicked cell."""
    chosen = st.session_state.probe_plane.selection.get(PROBE_SELECTION) or []
    if chosen:
        hidden = np.array([st.session_state[key] for key in _keys(result)])
        hidden[list(units)] = chosen[0]["x"], chosen[0]["y"]
        _set_probe(result, hidden)


@st.fragment
def probe_view(result: RunResult) -> None:
    """A fragment of its own (inside the views' fragment): moving a probe control redraws only this tab."""
    config = result.config
    low, high = probe.corner_values(config, result.activations)
    if st.session_state.get("probe_run") is not result:  # a new run: start at pattern 0's code
        st.session_state.probe_run = result
        st.session_state.probe_pattern = 0
        _set_probe(result, result.activations[0])
    st.caption(
        "Set any hidden vector and see what the decoder makes of it: the N training codes are only N points "
        "of the hidden space."
    )
    controls, shown = st.columns([1, 2])
    with controls:
        st.selectbox("Set the probe to pattern", range(config.pattern_count), key="probe_pattern",
                     on_change=_to_pattern, args=(result,))  # fmt: skip
        for unit, key in enumerate(_keys(result)[:16]):
            st.slider(f"h{unit}", float(low), float(high), step=0.01, key=key)
        if config.hidden > 16:
            st.caption(f"Units 16..{config.hidden - 1} stay at the chosen pattern's values.")
    hidden = np.array([st.session_state[key] for key in _keys(result)])
    seen = probe.reading(result.final, hidden, config.loss, result.activations, config.output_layer)
    with shown:
        why = probe.why_no_pattern(seen.outputs)
        verdict = f"pattern **{seen.counts_as}**" if seen.counts_as is not None else f"**no pattern** ({why})"
        st.markdown(
            f"40-20-40 reads this as {verdict} · largest output: {seen.argmax} · nearest training code: "
            f"pattern {seen.nearest} (distance {seen.distance:.2f})"
        )
        st.altair_chart(probe_outputs_chart(seen.outputs, seen.counts_as, chart_scale()), width="content")
    hidden_space(result, hidden, (low, high))
    if config.hidden <= probe.MAX_CORNER_BITS:
        corner_view(result)


def hidden_space(result: RunResult, hidden: np.ndarray, span: tuple[float, float]) -> None:
    config = result.config
    if config.hidden not in (2, 3):
        return
    lines_note = (
        "Lines: where each output crosses 0.5."
        if config.output_layer == "sigmoid"
        else "Softmax outputs: the colours show which output wins."
    )
    st.caption(
        f"Colour: the output that wins at each point (paler where it is weaker; hover for its number). {lines_note} "
        "White dots: the training codes"
        + (", projected onto each slice (each slice holds one unit at the probe's value)" if config.hidden == 3 else "")
        + "; red strokes: where training pushes them now; squares: the corners; cross: the probe."
    )
    pairs = [(0, 1)] if config.hidden == 2 else [(1, 2), (0, 2), (0, 1)]
    columns = st.columns(len(pairs))
    for column, units in zip(columns, pairs, strict=True):
        # the plane's own units do not matter to it: only the other unit's value (k = 3) keys the cache
        point = tuple(0.0 if unit in units else float(hidden[unit]) for unit in range(config.hidden))
        # k = 3: one legend, under the last slice (an output has the same colour in every slice)
        legend = "right" if config.hidden == 2 else "bottom" if units == pairs[-1] else None
        plane = _plane_spec(result.final, result.activations, result.targets, config.loss, config.output_layer, units,
                            point, span, legend, chart_scale())  # fmt: skip
        spec = with_probe(plane, hidden, units)
        with column:
            if config.hidden == 2:
                st.vega_lite_chart(spec, key="probe_plane", on_select=partial(_clicked, result, units),
                                   selection_mode=PROBE_SELECTION, width="content")  # fmt: skip
            else:
                st.vega_lite_chart(spec, width="content")
    if config.hidden == 2:
        st.caption("Click the plane to move the probe there.")


@st.cache_data(max_entries=64, show_spinner=False)
def _plane_spec(
    weights: Weights,
    activations: np.ndarray,
    targets: np.ndarray,
    loss: str,
    output: str,
    units: tuple[int, int],
    point: tuple[float, ...],
    span: tuple[float, float],
    legend: str | None,
    scale: float,
) -> dict:
    """The plane of `units` through `point` (k = 2: the plane; k = 3: the slice at the other unit's
    value), without the probe; `targets` (P, N): the patterns training pulls the codes towards. Kept
    between reruns: moving one unit redraws only the slice that holds it at that unit's value, and a
    k = 2 plane never changes while its probe moves."""
    hidden = len(point)
    grid = probe.plane(weights, loss, np.array(point), units, span, size=41 if hidden == 2 else 31, output=output)
    crossing = output in probe.CROSSING_LOGIT
    lines = probe.decision_lines(weights, np.array(point), units, span, output) if crossing else []
    pushes = probe.code_pushes(weights, activations, loss, targets, output)
    others = [unit for unit in range(hidden) if unit not in units]
    title = "The hidden plane" if not others else f"Slice at h{others[0]} = {point[others[0]]:.2f}"
    chart = plane_chart(grid, units, lines, activations, span, pushes, title=title, size=300 if hidden == 2 else 230,
                        clickable=hidden == 2, legend=legend, scale=scale)  # fmt: skip
    return chart.to_dict()


def corner_view(result: RunResult) -> None:
    table = probe.corner_table(result.final, result.config, result.activations)
    st.markdown(
        f"**The {len(table.bits)} corners of the hidden cube:** {table.unused} unused by any pattern's code, "
        f"{table.ambiguous} that 40-20-40 reads as no pattern."
    )
    rows = pd.DataFrame(
        {
            "corner": table.bits,
            "reads as": [str(p) if p >= 0 else "–" for p in table.counts_as],
            "largest output": table.argmax,
            "codes here": [", ".join(map(str, used)) or "unused" for used in table.used_by],
            "why no pattern": table.why_none,
        }
    )
    st.dataframe(rows, hide_index=True, **table_size(len(rows), CORNER_TABLE_HEIGHT))
