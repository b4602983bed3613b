"""What the views of data that is not one-hot cost to build, beside what every run's views already cost:
a digits 64-2-64 run's code plane (decode an 8 x 8 grid, tile it, every code as a point) and its image pairs,
each against the same run's training curves (history_charts, built after every run).

Contenders alternate within each repeat and the best of the repeats is kept (bench_backends.race); each
builds the Vega-Lite spec the page sends (to_dict), which is where Altair spends its time.

    PYTHONPATH=. python benchmarks/bench_views.py            # well under a minute
    PYTHONPATH=. python benchmarks/bench_views.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import time

from bench_backends import race

from aelab import Config, charts, train
from aelab.charts.images import code_plane, image_pairs, sample_indices
from aelab.decoded_plane import decoded_plane, plane_span


def timed(build) -> float:
    start = time.perf_counter()
    build()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 2 if args.quick else 7
    config = Config(data="digits", width=64, hidden=2, activation="tanh", output="linear", optimizer="adam",
                    lr=0.01, epochs=300, stop="never")  # fmt: skip
    result = train(config)  # all 1797 digits
    data = result.data

    def plane() -> None:
        span = plane_span(result.activations, config.activation)
        grid = decoded_plane(result.final, config.loss, config.output_layer, span)
        code_plane(result.activations, data.labels, grid, data.image_shape, span).to_dict()

    def images() -> None:
        indices = sample_indices(len(data.inputs), data.labels, 10)
        image_pairs(data.inputs, result.outputs, data.image_shape, indices, data.labels).to_dict()

    def curves() -> None:
        charts.history_charts([("run", result)], log_loss=True)

    best = race({name: lambda build=build: timed(build) for name, build in
                 (("code plane", plane), ("image pairs", images), ("curves", curves))}, repeats)  # fmt: skip
    print(f"digits 64-2-64, {len(data.inputs)} patterns, best of {repeats} (ratios to the curves' build):")
    for name in ("code plane", "image pairs"):
        print(f"  {name:12s} {best[name] / best['curves']:.2f}x the training curves")


if __name__ == "__main__":
    main()
