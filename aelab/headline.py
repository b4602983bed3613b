"""What a run's figures say now and over its history, in words the page's headline and the CLI share:
'7 of 8 distinct now · all distinct first at epoch 83, lost at 84', how a click's training ended
(finished_line), a share as a percent, and a slow run's time left."""

from __future__ import annotations

import numpy as np

from aelab.results import RunResult


def percent(fraction: float) -> str:
    """0.5 -> '50%', 0.996 -> '99.6%', 0.99996 -> '99.996%', 0.004 -> '0.4%': a whole percent, with the
    decimals it takes for a share that is neither all nor nothing never to read as 100% or 0%."""
    for decimals in range(7):
        text = f"{fraction:.{decimals}%}"
        shown = float(text[:-1])
        if not ((shown == 100 and fraction < 1) or (shown == 0 and fraction > 0)):
            return text
    return text


def first_and_lost(epochs: np.ndarray, holds: np.ndarray, first: int | None = None) -> tuple[int | None, str]:
    """When a condition first held over a history (`holds` at `epochs`), and what became of it since:
    (83, 'lost at 84'), (83, 'again since 120'), (83, '') while it still holds, (None, '') when it never did.

    `first` may give the exact first epoch (the recorder notes it at every epoch; a long history is thinned).
    'lost at' names the first entry after the last that held; 'lost by' when the history is thinned there."""
    held = np.flatnonzero(holds)
    if first is None:
        first = int(epochs[held[0]]) if held.size else None
    if first is None:
        return None, ""
    if not held.size:  # held only between the entries a thinned history kept
        return first, "lost since"
    last = held[-1]
    if last == len(holds) - 1:  # holds now
        gaps = np.flatnonzero(~holds[: last + 1] & (epochs[: last + 1] > first))
        return first, f"again since {int(epochs[gaps[-1] + 1]):,}" if gaps.size else ""
    lost, before = int(epochs[last + 1]), int(epochs[last])
    return first, f"lost {'at' if lost == before + 1 else 'by'} {lost:,}"


SolvedHistory = dict[str, tuple[int | None, str]]  # "outputs", "distinct", "codes" -> first_and_lost


def solved_history(result: RunResult) -> SolvedHistory:
    """first_and_lost of each "solved" a run tracks: its outputs (40-20-40), all codes distinct, and both."""
    history, patterns = result.history, result.outputs.shape[0]
    outputs = history["bits_correct"] == 1.0  # a mean of booleans is 1.0 exactly when every output is right
    distinct = history["distinct_codes"] == patterns
    return {
        "outputs": first_and_lost(history["epoch"], outputs, result.output_solved_epoch),
        "distinct": first_and_lost(history["epoch"], distinct),
        "codes": first_and_lost(history["epoch"], outputs & distinct, result.solved_epoch),
    }


def code_headline(result: RunResult, solved: SolvedHistory | None = None) -> str:
    """The code now and its history, e.g. '7 of 8 distinct now · all distinct first at epoch 83, lost at 84'
    (`solved`: the run's solved_history, where the caller has it already)."""
    patterns = result.outputs.shape[0]
    text = f"{result.code_report().distinct} of {patterns} distinct now"
    first, since = (solved if solved is not None else solved_history(result))["distinct"]
    if first is None:
        return text + (" · never all distinct" if result.epochs_done else "")
    return text + f" · all distinct first at epoch {first:,}" + (f", {since}" if since else "")


def time_left(done: int, total: int, seconds: float, may_stop_early: bool = False) -> str:
    """From the pace so far (`done` of `total` epochs in `seconds`): ' · about 12 s left' (' · at most ...'
    when the run may stop at its goal before), or '' while there is too little to go on or too little left."""
    if done < 1 or seconds <= 0 or done >= total:
        return ""
    left = seconds / done * (total - done)
    if left < TIME_LEFT_SHOWN:
        return ""
    amount = f"{left:.0f} s" if left < 120 else f"{left / 60:.0f} min"
    return f" · {'at most' if may_stop_early else 'about'} {amount} left"


TIME_LEFT_SHOWN = 3.0  # seconds: a run with less left than this is quick, and says nothing


def finished_line(result: RunResult, trained: int | None = None) -> str:
    """One line on how a run ended; `trained`: the epochs the last click trained, when the run had some
    before ('Trained 10 epochs, 94 in all, ...')."""
    if result.diverged:
        return f"Diverged after {result.epochs_done:,} epochs (NaN or infinite values): try a smaller learning rate."
    if result.epochs_done == 0:
        return "Initial weights, not trained yet."
    epochs = f"{result.epochs_done:,} epochs"
    if trained is not None and trained != result.epochs_done:
        epochs = f"{trained:,} {'epoch' if trained == 1 else 'epochs'}, {result.epochs_done:,} in all,"
    return f"Trained {epochs} in {result.train_seconds:.2f} s: {outcome(result)}."


def variance_explained(share: float) -> str:
    """'variance explained 28%', and what a share below zero means: one wording for the page and the CLI."""
    worse = " (worse than always answering the mean pattern)" if share < 0 else ""
    return f"variance explained {percent(share)}{worse}"


def outcome(result: RunResult) -> str:
    """What a run reached: its variance explained (real-valued data, which has no goal), or when its outputs
    and its codes were solved; a run stopped at its goal some epochs after it was first solved says both."""
    if not result.data.binary:
        return (
            f"{variance_explained(result.reconstruction()['variance_explained'])}; real-valued data has no solved goal"
        )
    if result.solved_epoch is None:
        if result.output_solved_epoch is None:
            return "never solved"
        return f"outputs solved at epoch {result.output_solved_epoch:,}, codes never all distinct"
    solved = f"solved at epoch {result.solved_epoch:,}"
    if not result.at_goal:
        return solved
    # a run stops once its goal holds at the weights it ends with, which may be some epochs later
    later = f" at epoch {result.epochs_done:,}" if result.epochs_done > result.solved_epoch else ""
    return f"{solved}; {result.status}{later}"
