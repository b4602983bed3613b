"""What the live views cost training: epochs per second with the live hidden code and reconstructions
redrawn (the page now) against without them (the progress bar and the loss only, the page before),
at full speed, under Streamlit's real script runner (AppTest: every chart is built and serialised).

The loop calls the page's redraw PROGRESS_INTERVAL seconds after the previous one ended, and never
more often than PROGRESS_SHARE allows (aelab.train): so drawing more may cost at most about 20%.
Modes alternate within each repeat; medians are reported, with "none" (no callback) for reference.

    PYTHONPATH=. python benchmarks/bench_live.py                # 8-3-8 and 32-5-32, 20,000 epochs
    PYTHONPATH=. python benchmarks/bench_live.py --repeats 5 --epochs 20000
"""

from __future__ import annotations

import argparse
import statistics

from streamlit.testing.v1 import AppTest

CASES = {"default 8-3-8": {}, "32-5-32": {"width": 32, "hidden": 5}}
MODES = ("none", "views off", "views on")


def page_run(settings: dict, epochs: int, mode: str, results: list) -> None:
    """The page's training part alone: a Trainer driven by aelab_page.live.LiveViews, as train_with_progress
    does. AppTest runs it in this process, so it hands back (epochs/s, redraws) through `results`."""
    from aelab import Config
    from aelab.train import Trainer
    from aelab_page.live import LiveViews
    from aelab_page.training import PROGRESS_INTERVAL

    config = Config(epochs=epochs, **settings)
    trainer = Trainer(config, [config.seed], keep_snapshots=True)
    redraws = 0
    if mode == "none":
        trainer.run(epochs)
    else:
        live = LiveViews(config, epochs, speed=0, show_views=mode == "views on")
        trainer.run(epochs, on_progress=live.update, progress_interval=PROGRESS_INTERVAL)
        redraws = live.redraws
    results.append((epochs / trainer.seconds, redraws))


def rate(settings: dict, epochs: int, mode: str) -> tuple[float, int]:
    results: list[tuple[float, int]] = []
    page = AppTest.from_function(page_run, default_timeout=600, args=(settings, epochs, mode, results))
    page.run()
    assert not page.exception, page.exception
    return results[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.epochs:,} epochs, full speed; epochs/s (medians of {args.repeats}) and redraws per run")
    print(f"{'case':<16} {'none':>8} {'views off':>10} {'views on':>10}  on/off  on/none  redraws off/on")
    for name, settings in CASES.items():
        rates, redraws = {mode: [] for mode in MODES}, {mode: [] for mode in MODES}
        for _ in range(args.repeats):
            for mode in MODES:
                value, count = rate(settings, args.epochs, mode)
                rates[mode].append(value)
                redraws[mode].append(count)
        median = {mode: statistics.median(values) for mode, values in rates.items()}
        drawn = {mode: statistics.median(values) for mode, values in redraws.items()}
        print(
            f"{name:<16} {median['none']:>8,.0f} {median['views off']:>10,.0f} {median['views on']:>10,.0f}"
            f"  {median['views on'] / median['views off']:5.2f}  {median['views on'] / median['none']:6.2f}"
            f"  {drawn['views off']:g}/{drawn['views on']:g}",
            flush=True,
        )


if __name__ == "__main__":
    main()
