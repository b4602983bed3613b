"""Matrices as pictures: a heatmap chart when small, an RGB image when large.

`matrix_view` makes that choice, so the browser never receives a chart of a
million cells (N = 1024 gives 1024 x 1024 outputs).
"""

from __future__ import annotations

from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd

from aelab.charts.fonts import LABEL, PAD, font_size, scaled

MAX_HEATMAP_CELLS = 4096  # above this a matrix is drawn as an image
MAX_LABELLED_CELLS = 128  # up to this many cells print their value
MAX_IMAGE_SIDE = 480  # px: an image is shown at most this high and this wide ...
MAX_IMAGE_ASPECT = 3.0  # ... and its cells are stretched so that neither side is over 3 times the other
SEQUENTIAL = "viridis"
DIVERGING = "redblue"


class MatrixView(NamedTuple):
    """What to draw for one matrix: a chart, or else an image with its caption, to be shown `width` px wide."""

    chart: alt.Chart | None
    image: np.ndarray | None
    caption: str
    width: int = 0


def matrix_view(
    matrix: np.ndarray,
    *,
    row: str,
    column: str,
    title: str,
    domain: tuple[float, float],
    scheme: str = SEQUENTIAL,
    scale: float = 1.0,
    row_labels: np.ndarray | None = None,
) -> MatrixView:
    """A heatmap chart with values on hover when small enough, else a one-pixel-per-cell image.
    `scale` sizes the chart's text and cells (charts.fonts); `row_labels` number the rows of a sample
    (sample_rows) on the chart's axis and tooltip, in place of 0, 1, 2, ..."""
    if matrix.size <= MAX_HEATMAP_CELLS:
        chart = heatmap(
            matrix,
            row=row,
            column=column,
            title=title,
            domain=domain,
            scheme=scheme,
            text=matrix.size <= MAX_LABELLED_CELLS,
            scale=scale,
            row_labels=row_labels,
        )
        return MatrixView(chart, None, "")
    caption = (
        f"{title}: {matrix.shape[0]} × {matrix.shape[1]} ({row} down, {column} across), "
        f"colour {domain[0]:.2g} to {domain[1]:.2g}"
    )
    image = bounded_aspect(heatmap_image(matrix, domain, scheme))
    height, width = image.shape[:2]
    shown_width = round(min(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE * width / height))  # so that the height is <= the side
    return MatrixView(None, image, caption, shown_width)


def bounded_aspect(image: np.ndarray, most: float = MAX_IMAGE_ASPECT) -> np.ndarray:
    """`image` (H, W, 3) with its columns (a tall image) or rows (a wide one) repeated until neither side
    is over `most` times the other: a 1797 x 3 matrix of hidden activations becomes 1797 x 600, a picture
    that can be shown whole instead of a strip one pixel wide, or a page half a kilometre long."""
    height, width = image.shape[:2]
    if height > most * width:
        return np.repeat(image, int(np.ceil(height / (most * width))), axis=1)
    if width > most * height:
        return np.repeat(image, int(np.ceil(width / (most * height))), axis=0)
    return image


def sample_rows(count: int, limit: int) -> np.ndarray:
    """At most `limit` of `count` row indices, evenly spread, the first kept: the rows a view shows of a
    matrix too tall to show whole."""
    return np.arange(0, count, -(-count // limit)) if count > limit else np.arange(count)


def matrix_frame(
    matrix: np.ndarray, row_name: str, column_name: str, row_labels: np.ndarray | None = None
) -> pd.DataFrame:
    rows, columns = np.indices(matrix.shape)
    if row_labels is not None:
        rows = np.asarray(row_labels)[rows]
    return pd.DataFrame({row_name: rows.ravel(), column_name: columns.ravel(), "value": matrix.ravel()})


def heatmap(
    matrix: np.ndarray,
    *,
    row: str,
    column: str,
    title: str = "",
    domain: tuple[float, float] | None = None,
    scheme: str = SEQUENTIAL,
    cell: int = 24,
    text: bool = False,
    data_name: str | None = None,
    scale: float = 1.0,
    row_labels: np.ndarray | None = None,
) -> alt.Chart:
    """A matrix as coloured cells, values on hover (and printed in the cell when `text`, which
    replaces the colour legend). With
    `data_name`, the cells' rows are left out, to be given as that named dataset (see charts.live).
    `scale` sizes the text and, so that a cell's number still fits it, the cells (charts.fonts)."""
    cell = round(cell * scale)
    data = (
        alt.NamedData(data_name)
        if data_name
        else matrix_frame(np.asarray(matrix, dtype=float), row, column, row_labels)
    )
    colours = alt.Scale(scheme=scheme, domain=list(domain)) if domain else alt.Scale(scheme=scheme)
    base = alt.Chart(data).encode(
        x=alt.X(f"{column}:O", title=column),
        y=alt.Y(f"{row}:O", title=row),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=colours, title=None, legend=None if text else alt.Legend()),
        tooltip=[f"{row}:O", f"{column}:O", alt.Tooltip("value:Q", format=".3f")],
    )
    layers = cells
    if text:
        labels = base.mark_text(fontSize=font_size(LABEL, scale)).encode(
            # labels must fit a cell (24 px for a 10 px number, both times `scale`): weights (diverging)
            # get one decimal, values in [-1, 1] two
            text=alt.Text("value:Q", format=".1f" if scheme == DIVERGING else ".2~f"),
            color=alt.condition(_light_cell(scheme, domain), alt.value("black"), alt.value("white")),
        )
        layers = cells + labels
    rows, columns = matrix.shape
    chart = layers.properties(
        autosize=PAD,  # width/height size the cells
        title=title,
        width=max(min(columns * cell, 640), 60),
        height=max(min(rows * cell, 640), 40),
    )
    return scaled(chart, scale)


def _light_cell(scheme: str, domain: tuple[float, float] | None) -> str:
    """A Vega expression true where the cell colour is light, so its label is drawn dark."""
    low, high = domain if domain else (0.0, 1.0)
    if scheme == DIVERGING:  # white in the middle, dark at both ends
        return f"abs(datum.value) < {0.6 * max(abs(low), abs(high))}"
    return f"datum.value > {low + 0.6 * (high - low)}"  # viridis: dark purple to light yellow


def diverging_domain(*matrices: np.ndarray) -> tuple[float, float]:
    """A colour domain symmetric around 0 that covers every finite value given."""
    finite = [np.abs(m[np.isfinite(m)]) for m in matrices]
    largest = max((float(values.max()) for values in finite if values.size), default=1.0)
    largest = largest or 1.0
    return -largest, largest


def heatmap_image(matrix: np.ndarray, domain: tuple[float, float], scheme: str = SEQUENTIAL) -> np.ndarray:
    """A matrix as an RGB uint8 image (one pixel per cell), for matrices too big for a chart."""
    low, high = domain
    unit = np.clip((np.nan_to_num(matrix, nan=low) - low) / (high - low), 0.0, 1.0)
    anchors = _IMAGE_SCHEMES[scheme]
    positions = np.linspace(0.0, 1.0, len(anchors))
    channels = [np.interp(unit, positions, anchors[:, c]) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.uint8)


# A few anchor colours per scheme, interpolated linearly (close to Vega's schemes of the same name).
_IMAGE_SCHEMES = {
    "viridis": np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=float),
    "redblue": np.array([[103, 0, 31], [214, 96, 77], [247, 247, 247], [67, 147, 195], [5, 48, 97]], dtype=float),
}
