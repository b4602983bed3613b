"""What a stop setting costs a run that has not reached its goal yet: a run that may stop tests every
epoch, cheaply, whether a seed may have reached its goal (and measures such an epoch at once); one that
trains every epoch measures its epochs in blocks only.

Each case never reaches its goal within the epochs (a bottleneck too small for distinct codes, though its
outputs may pass 40-20-40: the cheap test's worst case), so both runs train the same epochs. Modes
alternate within each repeat; the best of the repeats is reported, with the ratio codes / never.
Then 100-seed preset sweeps (trained to SOLVED) with the test against measuring every epoch.

    PYTHONPATH=. python benchmarks/bench_stop.py                 # 8-2-8, 64-5-64, 256-7-256, NumPy, 5 repeats
    PYTHONPATH=. python benchmarks/bench_stop.py --repeats 9
"""

from __future__ import annotations

import argparse
import time
from contextlib import nullcontext
from dataclasses import replace
from functools import partial

from bench_backends import race  # the same interleaved best-of timing, after a warm-up round

from aelab import Config, train

CASES = {  # k < ceil(log2 N): the code goal cannot be reached, so both runs train every epoch
    "8-2-8": Config(width=8, hidden=2, epochs=3000),
    "64-5-64": Config(width=64, hidden=5, epochs=1500),
    "256-7-256": Config(width=256, hidden=7, epochs=100),
}


def seconds(config: Config) -> float:
    start = time.perf_counter()
    result = train(config)
    assert result.epochs_done == config.epochs
    return time.perf_counter() - start


def sweep_seconds(name: str, every_epoch: bool) -> float:
    """A 100-seed sweep of a preset (trained to SOLVED), with the cheap test, or measuring every epoch
    (the test always saying "may have": what the recorder did before it)."""
    from unittest import mock

    from aelab.presets import preset_config
    from aelab.sweep import sweep

    patch = mock.patch("aelab.recorder.may_reach", lambda *args: True) if every_epoch else nullcontext()
    with patch:
        start = time.perf_counter()
        sweep(preset_config(name), list(range(100)))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'run':<10} {'never s':>8} {'codes s':>8} {'codes / never':>14}")
    for name, config in CASES.items():
        runs = {stop: partial(seconds, replace(config, stop=stop)) for stop in ("never", "codes")}
        best = race(runs, args.repeats)
        print(f"{name:<10} {best['never']:>8.3f} {best['codes']:>8.3f} {best['codes'] / best['never']:>14.2f}")
    print(f"\n{'sweep':<10} {'every s':>8} {'test s':>8} {'test / every':>14}")
    for name in ("8-3-8", "16-4-16"):
        sweeps = {mode: partial(sweep_seconds, name, mode == "every") for mode in ("every", "test")}
        best = race(sweeps, args.repeats)
        print(f"{name:<10} {best['every']:>8.3f} {best['test']:>8.3f} {best['test'] / best['every']:>14.2f}")


if __name__ == "__main__":
    main()
