"""Chart specs for redrawing while a run trains: each is built through Altair once per shape, with
its data left out (named datasets), and filled with the new values at every redraw. Building a
heatmap or the code scatter through Altair costs 20-70 ms, which the training thread would
otherwise pay at every redraw; filling a kept spec costs well under a millisecond at these sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from aelab.activations import ACTIVATIONS
from aelab.charts.codes import code_scatter, scatter_pairs
from aelab.charts.matrices import heatmap, matrix_frame


def heatmap_spec(
    matrix: np.ndarray,
    *,
    row: str,
    column: str,
    title: str,
    domain: tuple[float, float],
    text: bool = False,
    scale: float = 1.0,
) -> dict:
    """charts.heatmap's Vega-Lite spec for `matrix` (P, Q)."""
    template = _heatmap_template(matrix.shape, row, column, title, tuple(map(float, domain)), text, scale)
    frame = matrix_frame(np.asarray(matrix, dtype=float), row, column)
    names = list(frame.columns)  # row, column, "value"; tolist gives the plain numbers JSON takes
    columns = [frame[name].tolist() for name in names]
    values = [dict(zip(names, cell, strict=True)) for cell in zip(*columns, strict=True)]
    return _filled(template, {"matrix": values})


@lru_cache(maxsize=32)
def _heatmap_template(
    shape: tuple[int, int], row: str, column: str, title: str, domain: tuple[float, float], text: bool, scale: float
) -> dict:
    chart = heatmap(
        np.zeros(shape), row=row, column=column, title=title, domain=domain, text=text, data_name="matrix", scale=scale
    )
    return chart.to_dict()


def scatter_specs(
    activations: np.ndarray, activation: str, codes: Sequence[str], size: int = 120, scale: float = 1.0
) -> list[dict]:
    """charts.code_scatter's Vega-Lite specs for (P, k) activations, k = 2 or 3: one per pair of units."""
    units = activations.shape[1]
    low, high = ACTIVATIONS[activation].corners(activations)
    templates = _scatter_templates(units, activation, float(low), float(high), size, scale)
    return [
        _filled(template, {f"points{a}{b}": _points(activations, codes, a, b)})
        for template, (a, b) in zip(templates, scatter_pairs(units), strict=True)
    ]


def _points(activations: np.ndarray, codes: Sequence[str], a: int, b: int) -> list[dict]:
    return [
        {"x": float(point[a]), "y": float(point[b]), "pattern": index, "code": code}
        for index, (point, code) in enumerate(zip(activations, codes, strict=True))
    ]


@lru_cache(maxsize=32)
def _scatter_templates(
    units: int, activation: str, low: float, high: float, size: int, scale: float
) -> tuple[dict, ...]:
    corners = np.array([[low] * units, [high] * units])  # code_scatter reads the corners off these values
    return tuple(
        panel.to_dict() for panel in code_scatter(corners, activation, ["", ""], size=size, named=True, scale=scale)
    )


def _filled(template: dict, datasets: dict[str, list[dict]]) -> dict:
    """The template with these named datasets added to those it holds (the corners, say)."""
    return {**template, "datasets": {**template.get("datasets", {}), **datasets}}
