"""Pattern sets beside one-hot runs of the same size: a digits 64-2-64 run (1797 patterns) against the
64-2-64 encoder (64 patterns), and a 100-seed sweep of a random binary 8-3-8 set against the 8-3-8 encoder's.

Contenders alternate within each repeat and the best of the repeats is kept (bench_backends.race). The single
runs train every epoch (no stop), so their ratio is the cost of the data; per pattern-epoch it should be near
1x or better (one-hot takes its shortcuts: X @ W1 = W1). The sweeps stop each seed once it is solved, so their
ratio also holds how fast each set is solved; the same seeds trained every epoch (train_seeds, no goal) are
timed too, like with like.

    PYTHONPATH=. python benchmarks/bench_patterns.py            # ~1-2 min
    PYTHONPATH=. python benchmarks/bench_patterns.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch
from bench_backends import race

from aelab import Config, train
from aelab.sweep import sweep
from aelab.train import train_seeds


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    epochs, repeats = (30, 1) if args.quick else (1000, 3)
    print(f"{'comparison':<44} {'pattern set s':>13} {'one-hot s':>10} {'ratio':>6} {'per pattern':>11}")
    for backend in ("numpy", "torch"):
        digits = Config.from_strings({"data": "digits", "hidden": "2", "epochs": str(epochs), "backend": backend})
        one_hot = replace(digits, data="one_hot")
        best = race({"set": lambda c=digits: timed(lambda: train(c)), "one": lambda c=one_hot: timed(lambda: train(c))},
                    repeats)  # fmt: skip
        ratio = best["set"] / best["one"]
        per = ratio / (digits.pattern_count / one_hot.pattern_count)
        print(f"{backend + ' 64-2-64, ' + str(epochs) + ' epochs: digits':<44} {best['set']:>13.3f} "
              f"{best['one']:>10.3f} {ratio:>5.1f}x {per:>10.2f}x")  # fmt: skip
    seeds = list(range(100))
    sweep_epochs = 100 if args.quick else 1000
    binary = Config(data="random_binary", width=8, hidden=3, epochs=sweep_epochs, data_seed=0)
    encoder = replace(binary, data="one_hot")
    best = race({"set": lambda: timed(lambda: sweep(binary, seeds)),
                 "one": lambda: timed(lambda: sweep(encoder, seeds))}, repeats)  # fmt: skip
    rates = [sweep(config, seeds).solved_rate for config in (binary, encoder)]
    print(f"{'numpy 8-3-8 100-seed sweep: random binary':<44} {best['set']:>13.3f} {best['one']:>10.3f} "
          f"{best['set'] / best['one']:>5.1f}x {'':>11}  solved {rates[0]:.0%} vs {rates[1]:.0%}")  # fmt: skip
    best = race({"set": lambda: timed(lambda: train_seeds(binary, seeds)),
                 "one": lambda: timed(lambda: train_seeds(encoder, seeds))}, repeats)  # fmt: skip
    print(f"{'numpy 8-3-8 100 seeds, every epoch':<44} {best['set']:>13.3f} {best['one']:>10.3f} "
          f"{best['set'] / best['one']:>5.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
