"""Chart text scales with the page's: at LESSON_SCALE every builder's labels are 16 px or more, and at
scale 1 a chart keeps the page theme's own sizes (no config of its own)."""

from __future__ import annotations

import numpy as np

from aelab import Config, charts, train
from aelab.charts.fonts import LESSON_SCALE
from aelab.charts.live import heatmap_spec, scatter_specs
from aelab.charts.probe import plane_chart, probe_outputs_chart
from aelab.probe import Plane
from tests.test_page_lesson import label_sizes

HIDDEN = np.array([[0.9, -0.9, 0.1], [-0.9, 0.9, 0.2], [0.8, 0.7, -0.9], [-0.6, -0.8, 0.9]])


def specs_at(scale: float) -> list[dict]:
    result = train(Config(width=4, hidden=2, epochs=20))
    grid = np.linspace(-1, 1, 3)
    plane = Plane(grid, grid, np.zeros((3, 3), dtype=int), np.ones((3, 3)))
    matrix = {"row": "pattern", "column": "unit", "title": "t", "domain": (-1.0, 1.0)}
    return [
        charts.matrix_view(HIDDEN, **matrix, scale=scale).chart.to_dict(),
        heatmap_spec(HIDDEN, **matrix, text=True, scale=scale),
        *[panel.to_dict() for panel in charts.code_scatter(HIDDEN, "tanh", ["101"] * 4, scale=scale)],
        *scatter_specs(HIDDEN, "tanh", ["101"] * 4, scale=scale),
        plane_chart(plane, (0, 1), [], HIDDEN, (-1.0, 1.0), scale=scale).to_dict(),
        probe_outputs_chart(np.array([0.9, 0.1, 0.2, 0.0]), None, scale).to_dict(),
        *charts.history_charts([("run", result)], scale=scale),
        charts.live_loss_spec(np.arange(3), np.ones(3), 10, scale),
        charts.solved_histogram([3, 5, None], scale).to_dict(),
    ]


def test_lesson_scale_draws_every_label_at_16_px_or_more():
    for spec in specs_at(LESSON_SCALE):
        assert min(label_sizes(spec)) >= 16, spec.get("title")


def test_scale_one_leaves_the_page_theme_alone():
    for spec in specs_at(1.0):
        config = spec.get("config", {})
        assert not {"axis", "legend", "title"} & set(config), spec.get("title")
