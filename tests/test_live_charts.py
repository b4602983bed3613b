"""The live views' chart specs: a kept template filled with new values draws exactly what building
the chart through Altair draws."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aelab import analysis, charts
from aelab.charts.live import heatmap_spec, scatter_specs


def canonical(spec: dict) -> str:
    """The spec as JSON with each dataset named by its content, so two specs that draw the same data
    compare equal whatever their datasets are called."""
    text = json.dumps({key: value for key, value in spec.items() if key != "datasets"}, sort_keys=True)
    contents = {name: json.dumps(rows, sort_keys=True) for name, rows in spec["datasets"].items()}
    for name, content in contents.items():
        text = text.replace(f'"{name}"', f'"data {sorted(contents.values()).index(content)}"')
    return text + json.dumps(sorted(contents.values()))


@pytest.mark.parametrize(("activation", "shape"), [("tanh", (8, 3)), ("sigmoid", (4, 2)), ("relu", (6, 3))])
def test_filled_specs_match_altairs_charts_and_follow_new_values(activation, shape):
    rng = np.random.default_rng(0)
    for _ in range(2):  # the second call fills the kept templates
        hidden = rng.uniform(-1, 1, shape) if activation == "tanh" else rng.uniform(0, 1.5, shape)
        codes = analysis.code_report(hidden, activation).codes
        full = [panel.to_dict() for panel in charts.code_scatter(hidden, activation, codes, size=120)]
        assert [canonical(spec) for spec in scatter_specs(hidden, activation, codes)] == [canonical(f) for f in full]
        options = {"row": "pattern", "column": "hidden unit", "title": "Hidden code", "domain": (-1.0, 1.0)}
        full = charts.heatmap(hidden, text=True, **options).to_dict()
        assert canonical(heatmap_spec(hidden, text=True, **options)) == canonical(full)
