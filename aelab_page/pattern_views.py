"""The views of data that is not one-hot: reconstructions as images, and for k = 2 the codes by label
over what the decoder draws across the plane."""

from __future__ import annotations

import streamlit as st

from aelab.charts.images import code_plane, image_pairs, sample_indices
from aelab.decoded_plane import decoded_plane, plane_span
from aelab.results import RunResult
from aelab_page.lesson import chart_scale

IMAGE_SAMPLES = 10  # one of each digit
MAX_PLANE_POINTS = 2000  # every digit's code is drawn (1797)


def image_reconstructions(result: RunResult) -> None:
    """A handful of patterns as images, each input above its reconstruction."""
    data = result.data
    assert data.image_shape is not None
    indices = sample_indices(len(data.inputs), data.labels, IMAGE_SAMPLES)
    st.caption(
        f"{len(indices)} of the {len(data.inputs):,} patterns as {data.image_shape[0]}x{data.image_shape[1]} images"
        + (", one of each label" if data.labels is not None else "")
        + ": in each, the input above the network's reconstruction (white 0, black 1; values on hover)."
    )
    chart = image_pairs(data.inputs, result.outputs, data.image_shape, indices, data.labels, scale=chart_scale())
    st.vega_lite_chart(chart.to_dict(), width="content")


def code_plane_view(result: RunResult) -> None:
    """k = 2: the patterns' codes coloured by label, over the decoder's image at each grid point."""
    data = result.data
    st.markdown(
        "**The bottleneck as a map:** each point is one pattern's 2-unit code"
        + (", coloured by its label" if data.labels is not None else "")
        + ("; under the points, the image the decoder draws at each grid point." if data.image_shape else ".")
    )
    spec = _plane_spec(result)
    # three fifths of a wide screen's width, near square; a phone stacks the columns: the whole width
    column, _ = st.columns([3, 2])
    column.vega_lite_chart(spec | {"autosize": {"type": "fit-x", "contains": "padding"}}, width="stretch")


def _plane_spec(result: RunResult) -> dict:
    """code_plane's spec for this run, kept while it is shown: a rerun (any click) would otherwise decode the
    grid and build the chart again."""
    kept = st.session_state.get("code_plane_spec")
    if kept is not None and kept[0] is result and kept[1] == chart_scale():
        return kept[2]
    config, data = result.config, result.data
    codes = result.activations[:MAX_PLANE_POINTS]
    labels = None if data.labels is None else data.labels[:MAX_PLANE_POINTS]
    span = plane_span(result.activations, config.activation)
    plane = decoded_plane(result.final, config.loss, config.output_layer, span) if data.image_shape else None
    spec = code_plane(codes, labels, plane, data.image_shape, span, scale=chart_scale()).to_dict()
    st.session_state.code_plane_spec = (result, chart_scale(), spec)
    return spec
