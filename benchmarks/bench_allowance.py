"""What the allowance costs a run: training with one (as the page and the CLI train) against without.

    .venv/bin/python benchmarks/bench_allowance.py           # about half a minute
    .venv/bin/python benchmarks/bench_allowance.py --quick   # a smoke run

With an allowance the loop asks it between epochs and, in epochs of many updates, before every
update (a clock read; a real look every 10 ms), and copies the weights and optimiser state
before an epoch it checks inside (see aelab.train's CHECK_INSIDE_EPOCHS). The page's own look
(a session-state read) is not part of this: it runs every 10 ms, not per update. The contenders
run interleaved, several repeats each; the table gives the best repeat of each (CPU seconds) and
their ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from threadpoolctl import threadpool_limits

from aelab.allowance import Allowance
from aelab.config import Config
from aelab.train import Trainer

CASES = {
    "8-3-8 full batch, 3000 epochs": (Config(width=8, hidden=3), 3000),
    "8-3-8 per pattern, 1000 epochs": (Config(width=8, hidden=3, batch_size=1), 1000),
    "64-6-64 batch 8, 500 epochs": (Config(width=64, hidden=6, batch_size=8), 500),
    "256-16-256 per pattern, 3 epochs": (Config(width=256, hidden=16, batch_size=1), 3),
}


def seconds(config: Config, epochs: int, allowance: Allowance | None) -> float:
    """This thread's CPU time for the run (steadier than the clock on a shared machine; BLAS runs on
    this thread, see main)."""
    trainer = Trainer(config, [0])
    start = time.thread_time()
    trainer.run(epochs, allowance=allowance)
    return time.thread_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    repeats = 2 if parser.parse_args().quick else 9
    print(f"{'case':36} {'without':>9} {'with':>9} {'with / without':>15}")
    with threadpool_limits(limits=1, user_api="blas"):  # as the page trains
        for name, (config, epochs) in CASES.items():
            best = {"without": float("inf"), "with": float("inf")}
            for _ in range(repeats):
                best["without"] = min(best["without"], seconds(config, epochs, None))
                allowance = Allowance(cpu_seconds=1e9, requested=lambda: False)
                best["with"] = min(best["with"], seconds(config, epochs, allowance))
            ratio = best["with"] / best["without"]
            print(f"{name:36} {best['without']:8.3f}s {best['with']:8.3f}s {ratio:14.2f}x")


if __name__ == "__main__":
    main()
