"""What a run shows while it trains: the loss so far, the hidden code and the reconstructions, and the pace.

Every redraw costs the same however long the run (the latest forward pass, a thinned curve), and
the training loop calls it rarely enough that drawing takes at most PROGRESS_SHARE of the time.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import streamlit as st

from aelab import analysis, charts
from aelab.activations import ACTIVATIONS
from aelab.charts import live as live_charts
from aelab.charts.images import code_plane
from aelab.config import Config
from aelab.decoded_plane import plane_span
from aelab.headline import time_left
from aelab.patterns import Patterns
from aelab.progress import Progress
from aelab.results import METRICS
from aelab.weights import Weights
from aelab_page.lesson import chart_scale, current_lesson
from aelab_page.pattern_views import MAX_PLANE_POINTS
from aelab_page.replay import live_payload, show_network, watched_live
from aelab_page.views import WATCHED_VIEW, show_code_table, show_heatmap, show_panels

SPEEDS = [0, 1, 2, 5, 10, 20, 50, 100]  # epochs per second at most; 0: full speed
LIVE_REDRAW = 0.3  # seconds between redraws of the live views when the pace calls every epoch
LIVE_IMAGE_PIXELS = 400  # a live matrix drawn as an image is enlarged to at most this many pixels high ...
LIVE_IMAGE_WIDTH = 240  # ... and this many wide (cells stay square)
LIVE_MAX_SIDE = 128  # a live matrix shows at most this many rows and columns
LIVE_MAX_GROUPS = 8  # the live note names at most this many groups of patterns sharing a code


def speed_label(speed: int) -> str:
    return "full speed" if speed == 0 else f"{speed} epochs/s"


class LiveFrame(NamedTuple):
    """One moment of a run, read once per redraw at the current weights: the progress line, the network
    and the live views all show it, so they always agree on the epoch and its figures."""

    epoch: int  # the weights' epoch: everything below is of it
    weights: Weights  # seed 0's
    figures: dict[str, float]  # each of METRICS at these weights
    hidden: np.ndarray  # (P, k) hidden activations
    outputs: np.ndarray  # (P, N)
    curve: tuple[np.ndarray, np.ndarray]  # (epochs, loss) up to this epoch, thinned

    @classmethod
    def of(cls, progress: Progress) -> LiveFrame:
        forward, metrics = progress.now()
        figures = {"loss": float(forward.loss[0])} | {name: float(getattr(metrics, name)[0]) for name in METRICS[1:]}
        epochs, loss = progress.curve("loss")  # the epochs before this one
        curve = (np.append(epochs, progress.epoch), np.append(loss, figures["loss"]))
        return cls(progress.epoch, progress.weights(), figures, forward.activations[0], forward.outputs[0], curve)


class LiveViews:
    """Placeholders in the status box, filled at each progress update."""

    def __init__(
        self,
        config: Config,
        epochs: int,
        speed: int,
        show_views: bool = True,
        patterns: Patterns | None = None,
        progress_in=st,
    ):
        self.config, self.epochs, self.speed = config, epochs, speed
        self.patterns = patterns  # what the run trains on (None: binary, unlabelled)
        self.bar = progress_in.progress(0.0, text="starting")  # `progress_in`: e.g. a row beside the Pause button
        self.network = st.empty() if show_views else None  # the network at the latest weights, high on the page
        # On a projector the live code comes next, so that it is in view under the buttons.
        views_first = show_views and current_lesson().present
        self.views = st.empty() if views_first else None
        self.loss = st.empty()
        if show_views and not views_first:
            self.views = st.empty()
        # (time, epochs done) at the first update: the speed cap paces from it, and the time left is
        # measured from it
        self.clock: tuple[float, int] | None = None
        self.drawn = -np.inf  # when the views were last drawn
        self.redraws = 0
        self.watched = False  # whether the live code has been shown

    def update(self, progress: Progress) -> None:
        """Keep the pace, then redraw the progress line and the views from one frame (at most every
        LIVE_REDRAW seconds when paced)."""
        done = progress.epoch - progress.first
        if self.clock is None:
            self.clock = (time.perf_counter(), done)
        since, done_then = self.clock
        if self.speed:
            wait = since + (done - done_then) / self.speed - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        now = time.perf_counter()
        if self.speed and now - self.drawn < LIVE_REDRAW and self.speed > 1 / LIVE_REDRAW:
            return
        self.drawn, self.redraws = now, self.redraws + 1
        frame = LiveFrame.of(progress)
        left = time_left(done - done_then, self.epochs - done_then, now - since, self.config.stop != "never")
        self.bar.progress(min(done / max(self.epochs, 1), 1.0), text=progress_text(frame, progress) + left)
        # A run that may stop at its goal draws its loss to the epoch reached; one that trains every epoch, to its end.
        x_end = None if self.config.stop != "never" else progress.epochs
        self.loss.vega_lite_chart(charts.live_loss_spec(*frame.curve, x_end, chart_scale()), width="stretch")
        if self.network is not None:
            watched_live()
            with self.network.container():
                seen = (frame.hidden, frame.outputs)
                show_network(live_payload(self.config, frame.weights, frame.epoch, frame.figures, frame.curve, seen))
        if self.views is not None:
            if not self.watched:  # once this run ends or pauses, the views open on the code shown live
                st.session_state.view, self.watched = WATCHED_VIEW, True
                st.session_state.view_from_live = True  # the page chose it: a run not watched goes back
            with self.views.container():
                if self.patterns is not None and not self.patterns.binary:
                    draw_real_valued_code(frame.hidden.astype(float), frame.outputs, self.config, frame.epoch,
                                          self.patterns.labels)  # fmt: skip
                else:
                    draw_code(frame.hidden.astype(float), frame.outputs, self.config, frame.epoch)


def draw_code(hidden: np.ndarray, outputs: np.ndarray, config: Config, epoch: int) -> None:
    """The hidden code (activations, bit table with collisions) beside the reconstructions, and under
    them for k = 2 or 3 the codes as points, at `epoch`."""
    report = analysis.code_report(hidden, config.activation)
    note = f"Epoch {epoch:,}: **{report.distinct} distinct codes** of {config.pattern_count}"
    if report.collisions:
        groups = report.collisions[:LIVE_MAX_GROUPS]
        note += " · sharing a code: " + "; ".join(" & ".join(map(str, group[:LIVE_MAX_GROUPS])) for group in groups)
        note += " ..." if len(report.collisions) > LIVE_MAX_GROUPS else ""
    st.markdown(note, help="The live hidden code: it updates while the network trains.")
    # lesson mode: the table holds only the bit strings, and the reconstruction's larger cells need room
    left, middle, right = st.columns([1, 1.2, 2] if current_lesson().present else [1, 2, 1.4])
    with left:
        domain = ACTIVATIONS[config.activation].value_range(hidden)
        _live_matrix(hidden, "Hidden code", domain, row="pattern", column="hidden unit")
    with middle:
        if config.width <= 32:  # a longer table would not fit beside the matrices, and costs a redraw ~10 ms
            show_code_table(charts.code_table(report, hidden), precision=2, max_height=320)
    with right:
        _live_matrix(outputs, "Reconstruction", (0.0, 1.0), row="pattern", column="output")
    if config.hidden in (2, 3):  # under the row: three squares need the width
        show_panels(live_charts.scatter_specs(hidden, config.activation, report.codes, scale=chart_scale()))


def draw_real_valued_code(
    hidden: np.ndarray, outputs: np.ndarray, config: Config, epoch: int, labels: np.ndarray | None
) -> None:
    """Real-valued data: the codes place the patterns (no binary-code figures), beside the reconstructions;
    for k = 2 the codes as points coloured by label (the decoded images come after the run: each costs a
    decode of the grid)."""
    st.markdown(f"Epoch {epoch:,}: the codes of {config.pattern_count} real-valued patterns (codes are not the point "
                "here: watch the reconstructions and the loss).")  # fmt: skip
    left, right = st.columns([1, 2])
    with left:
        domain = ACTIVATIONS[config.activation].value_range(hidden)
        _live_matrix(hidden, "Hidden code", domain, row="pattern", column="hidden unit")
    with right:
        _live_matrix(outputs, "Reconstruction", (0.0, 1.0), row="pattern", column="output")
    if config.hidden == 2:
        span = plane_span(hidden, config.activation)
        spec = code_plane(hidden[:MAX_PLANE_POINTS], None if labels is None else labels[:MAX_PLANE_POINTS], None,
                          None, span, size=300, scale=chart_scale()).to_dict()  # fmt: skip
        st.vega_lite_chart(spec, width="content")


def _live_matrix(matrix: np.ndarray, title: str, domain: tuple[float, float], row: str, column: str) -> None:
    """A small matrix as a labelled heatmap; a larger one as an image (cheap to redraw, fits its column),
    its cells enlarged so that the browser does not blur them."""
    if matrix.size <= charts.MAX_LABELLED_CELLS:
        spec = live_charts.heatmap_spec(
            matrix, row=row, column=column, title=title, domain=domain, text=True, scale=chart_scale()
        )
        show_heatmap(spec)
        return
    # A wide net's matrix is shown thinned (every `stride`-th row and column): a redraw's cost stays
    # small, and so does what it takes from other visitors of the same server.
    stride = -(-max(matrix.shape) // LIVE_MAX_SIDE)
    shown = matrix[::stride, ::stride]
    rows, columns = shown.shape
    scale = max(1, min(LIVE_IMAGE_PIXELS // rows, LIVE_IMAGE_WIDTH // columns))
    image = charts.heatmap_image(shown, domain).repeat(scale, axis=0).repeat(scale, axis=1)
    caption = f"{title}, {domain[0]:.2g} to {domain[1]:.2g}" + (
        f" (1 in {stride} rows and columns)" if stride > 1 else ""
    )
    st.image(image, caption=caption, width=min(image.shape[1], LIVE_IMAGE_WIDTH))


def progress_text(frame: LiveFrame, progress: Progress) -> str:
    return (
        f"epoch {frame.epoch:,} of {progress.epochs:,} · loss {frame.figures['loss']:.4g} · "
        f"distinct codes {int(frame.figures['distinct_codes'])} of {progress.config.pattern_count}"
    )
