"""Patterns drawn as images: inputs beside their reconstructions, and the k = 2 code plane with the
decoder's image at each grid point under the patterns' codes coloured by label (the ConvNetJS picture)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from aelab.charts.fonts import PAD, scaled
from aelab.decoded_plane import DecodedPlane

GREYS = "greys"  # 0 white, 1 black: ink on paper, as the digits are drawn
TILE_SHARE = 0.9  # a decoded image fills this share of its grid cell, leaving a gap between images


def sample_indices(count: int, labels: np.ndarray | None, samples: int) -> np.ndarray:
    """Which of `count` patterns to draw: the first of each label in label order where there are labels
    (one of each digit), else `samples` spread evenly."""
    if labels is not None:
        classes, first = np.unique(labels, return_index=True)
        return np.sort(first[np.argsort(classes)][:samples])
    return np.unique(np.linspace(0, count - 1, min(samples, count)).round().astype(int))


def pixel_frame(images: np.ndarray, image_shape: tuple[int, int]) -> pd.DataFrame:
    """(M, rows * columns) images -> one row per pixel: image, row, column, value."""
    rows, columns = image_shape
    m = len(images)
    image, row, column = np.meshgrid(np.arange(m), np.arange(rows), np.arange(columns), indexing="ij")
    return pd.DataFrame(
        {"image": image.ravel(), "row": row.ravel(), "column": column.ravel(), "value": images.reshape(-1)}
    )


def image_pairs(
    inputs: np.ndarray,
    outputs: np.ndarray,
    image_shape: tuple[int, int],
    indices: np.ndarray,
    labels: np.ndarray | None = None,
    cell: int = 6,
    per_row: int = 5,
    scale: float = 1,
) -> alt.FacetChart:
    """The patterns at `indices` as images, `per_row` a row (a phone holds five): in each panel the input
    above its reconstruction, titled by pattern (and label). Colours are clipped to 0..1 (a linear output
    can overshoot); the tooltip has the exact value."""
    rows, columns = image_shape
    pairs = []
    for offset, (kind, images) in enumerate((("input", inputs), ("reconstruction", outputs))):
        frame = pixel_frame(np.clip(images[indices], 0.0, 1.0), image_shape)
        frame["pattern"] = [_title(int(indices[i]), labels) for i in frame["image"]]
        frame["shown"] = kind
        frame["exact"] = images[indices].reshape(-1)
        frame["row"] += offset * (rows + 1)  # the reconstruction under the input, a blank row between
        pairs.append(frame)
    frame = pd.concat(pairs, ignore_index=True)
    frame["row2"], frame["column2"] = frame["row"] + 1, frame["column"] + 1
    chart = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("column:Q", axis=None, scale=alt.Scale(domain=[0, columns])),
            x2="column2:Q",
            y=alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[0, 2 * rows + 1], reverse=True)),
            y2="row2:Q",
            color=alt.Color("value:Q", scale=alt.Scale(scheme=GREYS, domain=[0, 1]), legend=None),
            tooltip=["pattern:N", "shown:N", alt.Tooltip("exact:Q", format=".3f", title="value")],
        )
        .properties(width=cell * columns, height=cell * (2 * rows + 1))
        .facet(
            facet=alt.Facet("pattern:N", title=None, sort=[_title(int(i), labels) for i in indices]),
            columns=per_row,
            spacing=8,
        )
        .properties(autosize=PAD)
    )
    return scaled(chart, scale)


def _title(index: int, labels: np.ndarray | None) -> str:
    return f"#{index}" if labels is None else f"#{index}: {int(labels[index])}"


def tile_frame(plane: DecodedPlane, image_shape: tuple[int, int]) -> pd.DataFrame:
    """Every pixel of every decoded image as a rect in code coordinates: the image decoded at grid point
    (x, y) is centred there, TILE_SHARE of a grid step wide, its row 0 at the top."""
    rows, columns = image_shape
    step = (plane.x[-1] - plane.x[0]) / max(len(plane.x) - 1, 1)  # the cells are equal (cell_centres)
    width = TILE_SHARE * step
    gi, gj, r, c = np.meshgrid(
        np.arange(len(plane.y)), np.arange(len(plane.x)), np.arange(rows), np.arange(columns), indexing="ij"
    )
    left = plane.x[gj] - width / 2 + c * width / columns
    top = plane.y[gi] + width / 2 - r * width / rows
    values = plane.outputs.reshape(len(plane.y), len(plane.x), rows, columns)[gi, gj, r, c]
    return pd.DataFrame(
        {
            "x": left.ravel(),
            "x2": (left + width / columns).ravel(),
            "y": top.ravel(),
            "y2": (top - width / rows).ravel(),
            "value": np.clip(values, 0.0, 1.0).ravel(),
        }
    )


def code_plane(
    codes: np.ndarray,
    labels: np.ndarray | None,
    plane: DecodedPlane | None,
    image_shape: tuple[int, int] | None,
    span: tuple[float, float],
    size: int = 400,
    scale: float = 1,
) -> alt.LayerChart:
    """One chart: the (P, 2) codes as points coloured by label, over the decoder's image at each point of
    `plane` (drawn when the patterns are images)."""
    axis = alt.Scale(domain=list(span), nice=False, zero=False)
    points = pd.DataFrame({"h0": codes[:, 0], "h1": codes[:, 1], "pattern": np.arange(len(codes))})
    colour: alt.Color | alt.ColorValue = alt.value("#1f77b4")
    if labels is not None:
        points["label"] = labels.astype(str)
        legend = alt.Legend(orient="bottom", columns=5, title="label")  # under the plot, two rows: a phone holds it
        colour = alt.Color("label:N", scale=alt.Scale(scheme="category10"), legend=legend,
                           sort=[str(v) for v in np.unique(labels)])  # fmt: skip
    tooltip = ["pattern:Q", *(["label:N"] if labels is not None else []), alt.Tooltip("h0:Q", format=".3f"),
               alt.Tooltip("h1:Q", format=".3f")]  # fmt: skip
    dots = (
        alt.Chart(points)
        .mark_circle(size=22, opacity=0.85, stroke="white", strokeWidth=0.4)
        .encode(
            x=alt.X("h0:Q", scale=axis, title="h0"),
            y=alt.Y("h1:Q", scale=axis, title="h1"),
            color=colour,
            tooltip=tooltip,
        )
    )
    layers: list[alt.Chart] = [dots]
    if plane is not None and image_shape is not None:
        tiles = (
            alt.Chart(tile_frame(plane, image_shape))
            .mark_rect(opacity=0.7)
            .encode(
                x=alt.X("x:Q", scale=axis),
                x2="x2:Q",
                y=alt.Y("y:Q", scale=axis),
                y2="y2:Q",
                color=alt.Color("value:Q", scale=alt.Scale(scheme=GREYS, domain=[0, 1]), legend=None),
            )
        )
        layers = [tiles, dots]
    title = "Codes by label" if labels is not None else "Codes"
    title += ", over what the decoder draws there" if len(layers) == 2 else ""
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(width=size, height=size, title=title, autosize=PAD)
    )
    return scaled(chart, scale)
