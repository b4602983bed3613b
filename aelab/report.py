"""Plain-text reports for the CLI: a progress line, a run summary with its code table, a sweep table."""

from __future__ import annotations

import numpy as np

from aelab.config import min_code_bits
from aelab.results import RunResult
from aelab.sweep import SweepResult
from aelab.train import Progress


def progress_line(progress: Progress) -> str:
    return (
        f"epoch {progress.epoch:>6}/{progress.epochs}  loss {progress.latest('loss')[0]:.5f}  "
        f"bits right {progress.latest('bits_correct')[0]:6.1%}  "
        f"distinct codes {int(progress.latest('distinct_codes')[0])}"
    )


def _epoch_or_never(epoch: int | float | None) -> str:
    return "never" if epoch is None else f"{epoch:g}"


def run_summary(result: RunResult) -> str:
    config, report = result.config, result.code_report()
    patterns = result.outputs.shape[0]
    status = "diverged" if result.diverged else "stopped early" if result.stopped else "finished"
    lines = [
        f"{status} after {result.epochs_done} epochs in {result.train_seconds:.2f} s",
        f"final loss {result.history['loss'][-1]:.6f}, argmax accuracy {result.history['accuracy'][-1]:.0%}, "
        f"bits right {result.history['bits_correct'][-1]:.1%}",
        f"outputs solved (40-20-40) at epoch: {_epoch_or_never(result.output_solved_epoch)}",
        f"solved with distinct codes at epoch: {_epoch_or_never(result.solved_epoch)}",
        f"distinct codes: {report.distinct} of {patterns}, binariness {report.binariness:.2f}",
    ]
    if config.hidden < min_code_bits(config.width):
        lines.append(f"note: {config.hidden} hidden units cannot give {patterns} patterns distinct binary codes")
    shared = {index for group in report.collisions for index in group}
    lines.append("")
    lines.append(f"{'pattern':>7}  {'code':<{max(config.hidden, 4)}}  hidden activations")
    for index, (code, row) in enumerate(zip(report.codes, result.hidden, strict=True)):
        mark = "  <- shares its code" if index in shared else ""
        values = " ".join(f"{value:6.3f}" for value in row[:8]) + (" ..." if len(row) > 8 else "")
        lines.append(f"{index:>7}  {code:<{max(config.hidden, 4)}}  {values}{mark}")
    return "\n".join(lines)


def sweep_summary(result: SweepResult) -> str:
    lines = [f"{'seed':>6}  {'outputs solved':>14}  {'codes solved':>12}  final distinct codes"]
    for seed, out, solved, distinct in zip(
        result.seeds, result.output_solved_epoch, result.solved_epoch, result.final_distinct_codes, strict=True
    ):
        lines.append(f"{seed:>6}  {_epoch_or_never(out):>14}  {_epoch_or_never(solved):>12}  {distinct}")
    reached = [epoch for epoch in result.solved_epoch if epoch is not None]
    lines += [
        "",
        f"{len(result.seeds)} seeds in {result.seconds:.2f} s",
        f"outputs solved: {result.output_solved_rate:.0%}",
        f"solved with distinct codes: {result.solved_rate:.0%}"
        + (f", median epoch {np.median(reached):g}, 90th percentile {result.p90_solved_epoch:g}" if reached else ""),
    ]
    return "\n".join(lines)
