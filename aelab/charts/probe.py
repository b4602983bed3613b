"""Charts of the decoder probe: the probe's outputs, and the hidden plane coloured by the winning output."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from aelab.analysis import HIGH, LOW
from aelab.charts.fonts import LABEL, PAD, font_size, scaled
from aelab.probe import Line, Plane

PROBE_SELECTION = "probe_click"  # the name of the click selection on the k = 2 plane


def probe_outputs_chart(outputs: np.ndarray, target: int | None, scale: float = 1.0) -> alt.LayerChart:
    """One bar per output unit, the target unit (the pattern read, else the argmax) marked, and the
    40-20-40 thresholds as rules; `scale` sizes the text (charts.fonts)."""
    target = int(outputs.argmax()) if target is None else target
    data = pd.DataFrame(
        {
            "unit": np.arange(len(outputs)),
            "output": outputs,
            "role": np.where(np.arange(len(outputs)) == target, f"pattern {target}'s 1", "should be 0"),
        }
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("unit:O", title="output unit"),
            y=alt.Y("output:Q", title="decoder output", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "role:N", title=None, scale=alt.Scale(range=["#2563eb", "#9ca3af"]), legend=alt.Legend(orient="bottom")
            ),
            tooltip=["unit:O", alt.Tooltip("output:Q", format=".3f")],
        )
    )
    thresholds = pd.DataFrame({"y": [LOW, HIGH], "rule": ["0s must be <= 0.4", "the 1 must be >= 0.6"]})
    rules = alt.Chart(thresholds).mark_rule(strokeDash=[4, 3], color="#111827").encode(y="y:Q", tooltip=["rule:N"])
    width = max(min(16 * len(outputs), 440), 200)  # fits beside the probe's sliders
    return scaled((bars + rules).properties(height=round(200 * scale), width=width, autosize=PAD), scale)


def plane_chart(
    plane: Plane,
    units: tuple[int, int],
    lines: Sequence[Line],
    codes: np.ndarray,
    corners: tuple[float, float],
    pushes: np.ndarray | None = None,
    *,
    title: str = "",
    size: int = 300,
    clickable: bool = False,
    legend: str | None = "right",
    scale: float = 1.0,
) -> alt.LayerChart:
    """The square of hidden values in `units`, coloured by which output wins there, with each
    output's 0.5 line, the training codes (N, k) as labelled points and the corners; the probe
    goes on top with `with_probe`, so that this part can be kept while the probe moves.

    `pushes` (N, k), when given, draws where training pushes each code, as a short line from it.
    `legend` places the colour legend ("right", "bottom") or leaves it out (None); every output keeps
    its colour in any plane or slice, so one legend serves several. `scale` sizes the text
    (charts.fonts); the square keeps `size`, so that three slices fit a projector's width."""
    a, b = units
    xx, yy = np.meshgrid(plane.x, plane.y)
    step = float(plane.x[1] - plane.x[0])
    grid = pd.DataFrame(
        {"x": xx.ravel(), "y": yy.ravel(), "x2": xx.ravel() + step, "y2": yy.ravel() + step,
         "wins": plane.winner.ravel(), "top": plane.top.ravel()}
    )  # fmt: skip
    grid[["x", "y"]] -= step / 2
    grid[["x2", "y2"]] -= step / 2
    domain = [float(plane.x[0]) - step / 2, float(plane.x[-1]) + step / 2]
    scheme = "tableau10" if len(codes) <= 10 else "category20"  # distinct colours; 20 at most, then they repeat
    x = alt.X("x:Q", title=f"h{a}", scale=alt.Scale(domain=domain, nice=False))
    y = alt.Y("y:Q", title=f"h{b}", scale=alt.Scale(domain=domain, nice=False))
    cells = (
        alt.Chart(grid)
        .mark_rect()
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            color=alt.Color(
                "wins:N",
                title="Output that wins",
                scale=alt.Scale(scheme=scheme, domain=list(range(len(codes)))),  # output j: one colour
                legend=_legend(legend),
            ),
            opacity=alt.Opacity("top:Q", legend=None, scale=alt.Scale(domain=[0, 1], range=[0.25, 0.9])),
            tooltip=[alt.Tooltip("wins:N", title="winning output"), alt.Tooltip("top:Q", format=".2f")],
        )
    )
    if clickable:
        cells = cells.add_params(alt.selection_point(name=PROBE_SELECTION, on="click", fields=["x", "y"]))
    layers = [cells]
    if lines:
        segments = pd.DataFrame([line._asdict() for line in lines])
        layers.append(
            alt.Chart(segments)
            .mark_rule(color="#111827", strokeWidth=1, opacity=0.6, clip=True)
            .encode(x="x0:Q", y="y0:Q", x2="x1:Q", y2="y1:Q", tooltip=[alt.Tooltip("output:N", title="0.5 line of")])
        )
    low, high = corners
    corner_points = pd.DataFrame({"x": [low, low, high, high], "y": [low, high, low, high]})
    layers.append(alt.Chart(corner_points).mark_point(shape="square", size=140, color="#111827").encode(x=x, y=y))
    points = pd.DataFrame({"x": codes[:, a], "y": codes[:, b], "pattern": np.arange(len(codes))})
    if pushes is not None:
        stretch = 0.15 * (high - low) / max(float(np.abs(pushes[:, [a, b]]).max()), 1e-12)
        points["x2"], points["y2"] = points["x"] + stretch * pushes[:, a], points["y"] + stretch * pushes[:, b]
        layers.append(
            alt.Chart(points)
            .mark_rule(color="#dc2626", strokeWidth=2, clip=True)
            .encode(x=x, y=y, x2="x2:Q", y2="y2:Q")
        )
    layers.append(
        alt.Chart(points)
        .mark_circle(size=70, color="white", stroke="#111827", strokeWidth=1.5, opacity=1)
        .encode(x=x, y=y, tooltip=["pattern:N", alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("y:Q", format=".2f")])
    )
    layers.append(
        alt.Chart(points)
        .mark_text(dx=8 * scale, dy=-8 * scale, fontSize=font_size(LABEL + 1, scale))
        .encode(x=x, y=y, text="pattern:N")
    )
    return scaled(alt.layer(*layers).properties(width=size, height=size, title=title, autosize=PAD), scale)


def _legend(orient: str | None) -> alt.Legend | None:
    """The plane's colour legend: at the right, or under the plane in rows of four, or none."""
    if orient is None:
        return None
    return alt.Legend(orient="bottom", columns=4) if orient == "bottom" else alt.Legend(orient=orient)


def with_probe(spec: dict, probe: np.ndarray, units: tuple[int, int]) -> dict:
    """A plane chart's spec (`plane_chart(...).to_dict()`) with the probe drawn on it as a cross.

    Written as Vega-Lite directly: a probe move then costs one small layer, not a new chart
    (building and validating an Altair chart of many layers takes tens of milliseconds)."""
    cross = {
        "data": {"values": [{"x": float(probe[units[0]]), "y": float(probe[units[1]])}]},
        "mark": {"type": "point", "shape": "cross", "size": 220, "color": "#111827", "filled": True},
        "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}},
    }
    return {**spec, "layer": [*spec["layer"], cross]}
