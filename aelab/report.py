"""Human-readable text, one wording for the CLI and the page: run and sweep summaries,
progress lines, the literature bench's table, and the small phrases both use ("never", "stopped early")."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from aelab import diagnosis
from aelab.analysis import HIGH, LOW
from aelab.bench import BenchEntry
from aelab.bench_run import BenchResult
from aelab.code_groups import code_classes
from aelab.config import SETTINGS, Config, min_code_bits
from aelab.diagnosis import CAUSES
from aelab.headline import code_headline, percent, solved_history, variance_explained
from aelab.probe import CornerTable
from aelab.progress import Progress
from aelab.results import RunResult, SweepResult


def epoch_or_never(epoch: float | None, never: str = "never") -> str:
    """117 -> '117', 1549 -> '1,549', 117.5 -> '117.5', None -> 'never'."""
    return never if epoch is None else f"{epoch:,.6g}"


def epoch_statistic(epochs: float | None, never: str = "never") -> str:
    """A median or percentile of solved epochs, in whole epochs as the epochs themselves are (numpy
    interpolates: 208.9 -> '209', 94.5 -> '94'), so that a median and a 90th percentile read alike."""
    return never if epochs is None else f"{epochs:,.0f}"


def markdown_literal(text: str) -> str:
    """`text` as a Markdown code span, shown exactly as written: a value from a share link can carry
    no link, image, icon or formatting into the page. The fence is longer than any run of backticks
    inside, so the text cannot close it."""
    # A line break could end the span (a blank line ends the paragraph): show control characters escaped.
    text = re.sub(r"[\x00-\x1f\x7f]", lambda match: f"\\x{ord(match.group()):02x}", text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def cli_command(config: Config, seeds: Sequence[int] | None = None) -> str:
    """The command line that runs `config` (as a sweep over `seeds` when given), naming only the
    settings that differ from the defaults."""
    defaults, words = Config(), ["python -m aelab", "train" if seeds is None else "sweep"]
    for name, setting in SETTINGS.items():
        value = getattr(config, name)
        if value != getattr(defaults, name) and not (name == "seed" and seeds is not None):
            words.append(f"{setting.flag} {value}")
    if seeds is not None:
        words += [f"--seeds {len(seeds)}", f"--first-seed {seeds[0]}"]
    return " ".join(words)


def progress_line(progress: Progress) -> str:
    """One run's loss, bits right and distinct codes now; for several seeds (a sweep, a grid's batch), the
    seeds still training, their median loss and how many have every pattern's code apart, so no line reads
    as one seed's alone."""
    loss = progress.latest("loss")
    if progress.several_seeds:
        line = f"epoch {progress.epoch:>6}/{progress.epochs}  {len(loss)} seeds still training:"
        line += f" median loss {np.nanmedian(loss):.5f}"
        if not progress.binary:
            return line
        apart = int((progress.latest("distinct_codes") == progress.pattern_count).sum())
        return f"{line}, all codes distinct in {apart}"
    line = f"epoch {progress.epoch:>6}/{progress.epochs}  loss {loss[0]:.5f}"
    if not progress.binary:  # real-valued targets: no bits to get right, no binary code
        return line
    return (
        f"{line}  bits right {progress.latest('bits_correct')[0]:6.1%}  "
        f"distinct codes {int(progress.latest('distinct_codes')[0])}"
    )


def reconstruction_line(result: RunResult) -> str:
    """The squared error beside the PCA floor, the variance explained, and a linear net's subspace angles."""
    figures = result.reconstruction()
    line = f"reconstruction: mean squared error {figures['mse']:.6g}"
    if figures["pca_floor"] is not None:
        line += f", PCA floor (rank {result.config.hidden}, {result.config.loss}) {figures['pca_floor']:.6g}"
    if result.diverged:  # the figures of weights that blew up are no measure of anything
        return "reconstruction: not measured, the run diverged (try a smaller learning rate)"
    line += f", {variance_explained(figures['variance_explained'])}"
    if figures["subspace_angles"] is not None:
        line += f", largest angle to the principal subspace {max(figures['subspace_angles']):.3g} deg"
    return line


def run_summary(result: RunResult) -> str:
    config = result.config
    status = f"{result.status} after {result.epochs_done} epochs in {result.train_seconds:.2f} s"
    if not result.data.binary:  # real-valued data (a csv file's too): no 40-20-40, no binary code
        return "\n".join([status, f"final loss {result.history['loss'][-1]:.6f}", reconstruction_line(result)])
    report = result.code_report()
    patterns, solved = result.outputs.shape[0], solved_history(result)
    lines = [
        status,
        f"final loss {result.history['loss'][-1]:.6f}, argmax accuracy {percent(result.history['accuracy'][-1])}, "
        f"bits right {percent(result.history['bits_correct'][-1])}",
        f"outputs solved (40-20-40) at epoch: {_first(solved['outputs'])}",
        f"solved with distinct codes at epoch: {_first(solved['codes'])}",
        f"distinct codes: {code_headline(result, solved).replace(' · ', ', ')}, binariness {report.binariness:.2f}",
    ]
    if config.data != "one_hot":
        lines.append(reconstruction_line(result))
    if config.hidden < min_code_bits(patterns):
        lines.append(f"note: {config.hidden} hidden units cannot give {patterns} patterns distinct binary codes")
    shared = {index for group in report.collisions for index in group}
    lines.append("")
    lines.append(f"{'pattern':>7}  {'code':<{max(config.hidden, 4)}}  hidden activations")
    for index, (code, row) in enumerate(zip(report.codes, result.activations, strict=True)):
        mark = "  <- shares its code" if index in shared else ""
        values = " ".join(f"{value:6.3f}" for value in row[:8]) + (" ..." if len(row) > 8 else "")
        lines.append(f"{index:>7}  {code:<{max(config.hidden, 4)}}  {values}{mark}")
    return "\n".join(lines)


def _first(first_and_since: tuple[int | None, str]) -> str:
    """(83, 'lost at 84') -> '83 (lost at 84)', (None, '') -> 'never'."""
    first, since = first_and_since
    return epoch_or_never(first) + (f" ({since})" if since else "")


def sweep_summary(result: SweepResult) -> str:
    why = "  why not solved" if result.diagnosed else ""
    lines = [f"{'seed':>6}  {'outputs solved':>14}  {'codes solved':>12}  final distinct codes{why}"]
    causes = [CAUSES[failure.cause].label if failure else "" for failure in result.failures] or [""] * len(result.seeds)
    for seed, out, solved, distinct, cause in zip(
        result.seeds, result.output_solved_epoch, result.solved_epoch, result.final_distinct_codes, causes, strict=True
    ):
        lines.append(
            f"{seed:>6}  {epoch_or_never(out):>14}  {epoch_or_never(solved):>12}  {distinct:>20}  {cause}".rstrip()
        )
    lines += [
        "",
        f"{len(result.seeds)} seeds in {result.seconds:.2f} s" + (" (stopped early)" if result.stopped else ""),
        f"outputs solved: {percent(result.output_solved_rate)}",
        f"solved with distinct codes: {percent(result.solved_rate)}",
    ]
    if result.median_solved_epoch is not None:
        lines[-1] += (
            f", median epoch {epoch_statistic(result.median_solved_epoch)}, "
            f"90th percentile {epoch_statistic(result.p90_solved_epoch)}"
        )
    return "\n".join(lines + diagnosis_lines(result))


SEEDS_NAMED = 8  # a cause or code group names at most this many of its seeds
GROUPS_LISTED = 5  # the text summary lists the largest few code groups
LOST_CODE = "no longer had distinct codes when the sweep ended, having trained on after solving"


def seed_list(seeds: list[int], limit: int = SEEDS_NAMED) -> str:
    """[3, 5, 9] -> '3, 5, 9'; longer lists end in '... (+12 more)'."""
    named = ", ".join(str(seed) for seed in seeds[:limit])
    return named + (f" ... (+{len(seeds) - limit} more)" if len(seeds) > limit else "")


def large_count(count: int) -> str:
    """840 -> '840', 2.8 * 10^84 -> '2.8e84' (exact integers can be far too long to print)."""
    digits = str(count)
    return f"{count:,}" if len(digits) <= 9 else f"{digits[0]}.{digits[1]}e{len(digits) - 1}"


def causes_note() -> str:
    """How a cause is chosen, with the thresholds aelab.diagnosis uses."""
    return (
        "Each unsolved seed gets the first cause that applies: it diverged; a hidden unit sits on a flat end of "
        f"its activation for every pattern (slope under {diagnosis.SATURATED_SLOPE:.0%} of its steepest); it "
        "settled on a shared code (its outputs pass 40-20-40 anyway, or k units cannot code P patterns); it was "
        f"still improving (its best loss fell {diagnosis.IMPROVING_DROP:.0%} or more over the last "
        f"{diagnosis.TREND_SHARE:.0%} of its epochs; 'cut short' when the sweep was stopped); the loss stopped "
        "falling with patterns sharing a code and the hidden values committed (binariness at least "
        f"{diagnosis.SETTLED_BINARINESS:g}); else a plateau."
    )


def code_groups_note(result: SweepResult) -> str:
    """How to read the code groups' counts: how many groups there can be for this size."""
    config = result.config
    possible = code_classes(config.pattern_count, config.hidden)
    note = "codes are grouped up to the order of the hidden units and the complement of each unit"
    if possible:
        note += f"; {config.width}-{config.hidden}-{config.width} has {large_count(possible)} such groups in all"
    return note


def diagnosis_lines(result: SweepResult) -> list[str]:
    """Why the unsolved seeds failed (counts per cause) and how many different codes the solved ones found."""
    if not result.diagnosed:
        return []
    lines = []
    by_cause = result.seeds_by_cause()
    if by_cause:
        lines += ["", f"why {sum(map(len, by_cause.values()))} seeds were not solved:"]
        width = max(len(cause.label) for cause in CAUSES.values())
        for name, seeds in by_cause.items():
            named = f"{'seed' if len(seeds) == 1 else 'seeds'} {seed_list(seeds)}"
            lines.append(f"  {CAUSES[name].label:<{width}}  {len(seeds):>5}  {named}")
    if result.code_groups:
        lines += ["", f"codes found: {codes_found(result)} ({code_groups_note(result)})"]
        for group in result.code_groups[:GROUPS_LISTED]:
            count = len(group.seeds)
            lines.append(f"  {count:>5} {'seed ' if count == 1 else 'seeds'}  {' '.join(group.code)}")
        if len(result.code_groups) > GROUPS_LISTED:
            lines.append(f"  ... and {len(result.code_groups) - GROUPS_LISTED} more")
    lost = result.ungrouped_seeds()
    if lost:
        lines.append(f"not grouped: {len(lost)} solved seeds {LOST_CODE} (seeds {seed_list(lost)})")
    return lines


def codes_found(result: SweepResult) -> str:
    """'15 different among the 15 solved seeds that still had distinct codes at the end': how many codes the
    solved seeds found, counting only the seeds that kept one (LOST_CODE: the others), so that the figure
    never seems to contradict a headline that counts every solved seed."""
    grouped = sum(len(group.seeds) for group in result.code_groups)
    seeds = f"the {grouped} solved seeds that still had distinct codes at the end"
    if not result.ungrouped_seeds():
        seeds = f"{grouped} solved seeds"
    return f"{len(result.code_groups)} different among {seeds}"


def corner_summary(table: CornerTable) -> str:
    """One line per corner of the hidden hypercube: what the decoder reads there, who sits there, and
    where it reads as no pattern, why (as the page's corner table says)."""
    width = max(len(table.bits[0]), 6)
    here = [", ".join(str(p) for p in used) or "unused" for used in table.used_by]
    here_width = max(len("codes here"), *map(len, here))
    lines = [
        f"corners of the hidden cube: {len(table.bits)}, unused {table.unused}, ambiguous {table.ambiguous} "
        f"(40-20-40 reads a corner as pattern j when output j >= {HIGH:g} and every other <= {LOW:g})",
        f"{'corner':<{width}}  {'reads as':>8}  {'argmax':>6}  {'codes here':<{here_width}}  why no pattern",
    ]
    rows = zip(table.bits, table.counts_as, table.argmax, here, table.why_none, strict=True)
    for bits, pattern, top, used, why in rows:
        reads = "-" if pattern < 0 else str(pattern)
        lines.append(f"{bits:<{width}}  {reads:>8}  {top:>6}  {used:<{here_width}}  {why}".rstrip())
    return "\n".join(lines)


def bench_criterion(entry: BenchEntry) -> str:
    """The entry's criterion in a few words: '40-20-40', '40-20-40 + codes', 'tss < 0.04'."""
    if entry.floor_within:
        return f"loss < PCA floor + {entry.floor_within:.0%}"
    if entry.criterion == "loss":  # sse is half the total squared error (tss) that PDP and SNNS print
        return f"tss < {2 * entry.loss_below:g}" if entry.config.loss == "sse" else f"loss < {entry.loss_below:g}"
    return "40-20-40" if entry.criterion == "outputs" else "40-20-40 + codes"


def bench_start_line(entry: BenchEntry, seeds: int) -> str:
    return f"{entry.name}: {entry.problem} {entry.method}, {seeds} seeds, up to {entry.config.epochs:,} epochs"


def bench_table(results: list[BenchResult]) -> str:
    """The bench as a Markdown table (it reads as plain text too), then each entry's source and notes."""

    def figure(value: float | None) -> str:
        return epoch_or_never(None if value is None else round(value, 1), never="-")

    def published(entry: BenchEntry) -> str:
        """The published figure, with "unverified" beside it where its source could not be read."""
        return figure(entry.reference_epochs) + ("" if entry.verified else " (unverified)")

    lines = [
        "| entry | problem | method | criterion | published | median | mean ± sd | p10-p90 | reached "
        "| median / published |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        entry, stat = result.entry, result.statistic
        spread = "-" if stat("mean") is None else f"{figure(stat('mean'))} ± {figure(stat('std'))}"
        band = "-" if stat("p10") is None else f"{figure(stat('p10'))}-{figure(stat('p90'))}"
        ratio = "-" if result.ratio is None else f"{result.ratio:.2f}"
        reached = percent(result.success_rate) + (" (stopped)" if result.stopped else "")
        lines.append(
            f"| {entry.name} | {entry.problem} | {entry.method} | {bench_criterion(entry)} | "
            f"{published(entry)} | {figure(stat('median'))} | {spread} | {band} | {reached} | {ratio} |"
        )
    seeds = {len(result.seeds) for result in results}
    lines += ["", f"Epochs (SNNS: cycles) to the criterion over seeds 0..{max(seeds, default=0) - 1}, "
              "among the seeds that got there within the entry's budget; no restarts.", ""]  # fmt: skip
    for result in results:
        diverged = sum(result.diverged)
        extra = f" {diverged} seeds diverged." if diverged else ""
        checked = "read in the source" if result.entry.verified else "unverified"
        where = f" ({checked}: {result.entry.locator})" if result.entry.locator else f" ({checked})"
        lines.append(f"- {result.entry.name}: {result.entry.source}{where}. {result.entry.note}{extra}")
    return "\n".join(lines)
