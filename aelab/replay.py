"""A run's learning as frames a browser can play: the network, the hidden code, the reconstructions
and the figures at a bounded number of epochs, as plain lists.

Frames come from the run's snapshots (aelab.recorder: the hidden activations, and the weights
where they were kept), evenly thinned to at most `max_frames`, with the first and last epoch
always kept; the last frame is the run's final state. Each frame's outputs are the decoder's
reading of its hidden activations at its weights, which is what the training forward pass gave;
the browser decodes them itself from the payload, which therefore carries no outputs. A wide net's
matrices are thinned to every `stride`-th unit so that the payload stays bounded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from aelab.activations import ACTIVATIONS
from aelab.config import Config
from aelab.patterns import binary_values
from aelab.pca import variance_explained
from aelab.probe import decode
from aelab.results import METRICS, RunResult, thin_indices
from aelab.weights import Weights

MAX_FRAMES = 200  # a replay holds at most this many frames
MAX_UNITS = 64  # ... and shows at most this many input/output units (and patterns): a wider net is thinned
CURVE_POINTS = 400  # points of the loss curve drawn under the replay
DECIMALS = 3  # weights and hidden activations are sent rounded to this many decimals


@dataclass
class Frames:
    """F frames of one run; P patterns, N units wide, k hidden units."""

    config: Config
    epochs: np.ndarray  # (F,) the epoch of each frame, increasing
    loss: np.ndarray  # (F,)
    bits_correct: np.ndarray  # (F,) share of output bits on the right side of 0.5
    distinct_codes: np.ndarray  # (F,)
    hidden: np.ndarray  # (F, P, k) hidden activations
    outputs: np.ndarray  # (F, P, N) reconstructions
    weights: Weights  # leading frame axis: W1 (F, N, k), b1 (F, k), W2 (F, k, N), b2 (F, N)
    curve: tuple[np.ndarray, np.ndarray]  # (epochs, loss) of the whole run, thinned to CURVE_POINTS
    solved_epoch: int | None  # the run's first epoch with every output right and all codes distinct
    binary: bool = True  # the targets are binary: bits right, distinct codes and the code's bits apply
    targets: np.ndarray | None = None  # (P, N) the patterns: each frame's variance explained

    @property
    def patterns(self) -> int:
        return self.hidden.shape[1]


def network_frame(
    config: Config,
    weights: Weights,
    data: np.ndarray,
    epoch: int = 0,
    figures: dict[str, float] | None = None,
    seen: tuple[np.ndarray, np.ndarray] | None = None,
) -> Frames:
    """One frame: the network at `weights` (single run) on the (P, N) patterns `data`, at `epoch`
    with the history `figures` there (loss, bits_correct, distinct_codes; none before training).
    `seen`: its (P, k) hidden activations and (P, N) outputs where a forward pass already gave them
    (the live views' frame); else they are computed here."""
    if seen is None:
        hidden = ACTIVATIONS[config.activation].numpy(data @ weights.W1 + weights.b1)  # (P, N) @ (N, k) -> (P, k)
        seen = hidden, decode(weights, hidden, config.loss, config.output_layer)
    hidden, outputs = (np.asarray(array, dtype=float) for array in seen)
    figures = figures or {}
    value = {name: np.array([figures.get(name, np.nan)], dtype=float) for name in METRICS}
    return Frames(config, np.array([epoch]), value["loss"], value["bits_correct"], value["distinct_codes"],
                  hidden[None], outputs[None], Weights(*(np.asarray(array, dtype=float)[None] for array in weights)),
                  (np.array([epoch]), value["loss"]), None, binary_values(data),
                  np.asarray(data, dtype=float))  # fmt: skip


def run_frames(result: RunResult, max_frames: int = MAX_FRAMES) -> Frames:
    """The run's snapshots that have their weights, evenly thinned to at most `max_frames` (the first
    and last kept), then its final state as the last frame."""
    if max_frames < 2:
        raise ValueError(f"max_frames: {max_frames} is too few; a replay needs at least 2 (first and last)")
    final_epoch = result.epochs_done
    slots = [
        slot
        for slot, epoch in enumerate(result.snapshot_epochs)
        if epoch < final_epoch and (epoch in result.snapshot_weights or epoch == 0)
    ]
    slots = [slots[index] for index in thin_indices(len(slots), max_frames - 1)]
    epochs = [result.snapshot_epochs[slot] for slot in slots] + [final_epoch]
    frame_weights = [_weights_at(result, epoch) for epoch in epochs[:-1]] + [result.final]
    hidden = np.concatenate([result.snapshots[slots].astype(np.float64), result.activations[None]])
    weights = Weights(*(np.stack(arrays).astype(np.float64) for arrays in zip(*frame_weights, strict=True)))
    outputs = np.stack(
        [
            decode(w, h, result.config.loss, result.config.output_layer)
            for w, h in zip(_frames(weights), hidden, strict=True)
        ]
    )
    outputs[-1] = result.outputs  # the final frame is exactly the run's own final pass
    history = result.history
    entries = np.searchsorted(history["epoch"], epochs, side="right") - 1  # at or before each frame's epoch
    keep = thin_indices(len(history["epoch"]), CURVE_POINTS)
    return Frames(
        config=result.config,
        epochs=np.array(epochs),
        loss=history["loss"][entries],
        bits_correct=history["bits_correct"][entries],
        distinct_codes=history["distinct_codes"][entries],
        hidden=hidden,
        outputs=outputs,
        weights=weights,
        curve=(history["epoch"][keep], history["loss"][keep]),
        solved_epoch=result.solved_epoch,
        binary=result.data.binary,
        targets=result.targets,
    )


def _weights_at(result: RunResult, epoch: int) -> Weights:
    return result.initial if epoch == 0 else result.snapshot_weights[epoch]


def _frames(weights: Weights) -> list[Weights]:
    return [Weights(*(array[frame] for array in weights)) for frame in range(len(weights.W1))]


def unit_stride(count: int, max_units: int = MAX_UNITS) -> int:
    """Show every stride-th of `count` units (or patterns) so that at most `max_units` are shown."""
    return -(-count // max_units)


def payload(frames: Frames, autoplay: bool = False, max_units: int = MAX_UNITS) -> dict:
    """The frames as plain lists and numbers (JSON), for the browser to play. Patterns and units
    beyond `max_units` are thinned by a stride; `shown_patterns` and `shown_units` say which are shown."""
    config = frames.config
    rows = np.arange(0, frames.patterns, unit_stride(frames.patterns, max_units))
    units = np.arange(0, config.width, unit_stride(config.width, max_units))
    activation = ACTIVATIONS[config.activation]
    weights = frames.weights
    return {
        "run": run_id(frames),
        "width": config.width,
        "hidden_units": config.hidden,
        "patterns": frames.patterns,
        "describe": config.describe(),
        "shown_patterns": rows.tolist(),
        "shown_units": units.tolist(),
        "threshold": activation.threshold,
        "hidden_range": list(activation.value_range(frames.hidden)),
        "epochs": frames.epochs.tolist(),
        "loss": _plain(frames.loss, 15),  # as the page's figures have it: 6 decimals made 0.0925503 read 0.0925
        "bits_correct": _plain(frames.bits_correct),
        "distinct_codes": _plain(frames.distinct_codes, 0),
        "hidden": _plain(frames.hidden[:, rows]),
        # No outputs: the browser decodes them from the hidden activations and W2, b2 (a fraction of the
        # payload). A softmax needs every output's logit, so its log-sum-exp per pattern comes along.
        "softmax": config.loss == "softmax_ce",
        "linear": config.output_layer == "linear",
        "output_lse": _plain(_log_sum_exp(frames, rows), 6) if config.loss == "softmax_ce" else None,
        "W1": _plain(weights.W1[:, units]),
        "b1": _plain(weights.b1),
        "W2": _plain(weights.W2[:, :, units]),
        "b2": _plain(weights.b2[:, units]),
        "curve_epochs": frames.curve[0].tolist(),
        "curve_loss": _plain(frames.curve[1], 6),
        "solved_epoch": frames.solved_epoch,
        "binary": frames.binary,
        "autoplay": autoplay,
        "variance_explained": _variance_explained(frames),  # real-valued targets' figure in place of bits and codes
    }


def _variance_explained(frames: Frames) -> list | None:
    """pca.variance_explained of each frame's outputs over every pattern (F,), as the run's figures give it; None
    without the targets."""
    if frames.targets is None:
        return None
    return _plain(np.array([variance_explained(frames.targets, outputs) for outputs in frames.outputs]), 4)


def _log_sum_exp(frames: Frames, rows: np.ndarray) -> np.ndarray:
    """(F, P') log of the sum of exp(logits) over all N outputs, for the patterns `rows`."""
    logits = frames.hidden[:, rows] @ frames.weights.W2 + frames.weights.b2[:, None, :]  # (F, P', k) @ (F, k, N)
    return np.logaddexp.reduce(logits, axis=-1)


def run_id(frames: Frames) -> str:
    """Names a replay's content: the browser auto-plays a run it has not played yet."""
    digest = hashlib.sha1(frames.epochs.tobytes() + np.ascontiguousarray(frames.hidden[-1]).tobytes())
    return f"{frames.config.describe()}@{int(frames.epochs[-1])}:{digest.hexdigest()[:12]}"


def _plain(values: np.ndarray, decimals: int = DECIMALS) -> list:
    """Rounded nested lists; NaN and infinities (a diverged run, no figures yet) become None."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.round(values, decimals)  # overflows for values near the float64 limit ...
    rounded = np.where(np.isfinite(rounded), rounded, values)  # ... which stay as they are
    finite = np.isfinite(values)
    if finite.all():  # nearly always: the cheap path
        return rounded.tolist()
    rounded = rounded.astype(object)
    rounded[~finite] = None
    return rounded.tolist()
