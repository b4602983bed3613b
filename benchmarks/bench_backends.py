"""Epochs per second of aelab's backends against the loops they replace, on 8-3-8.

    .venv/bin/python benchmarks/bench_backends.py           # the full run (about a minute)
    .venv/bin/python benchmarks/bench_backends.py --quick   # a smoke run (a few seconds)

Two comparisons, each a full run with history (`aelab.train(Config(...))`,
timed around the whole call: set-up, every epoch's metrics, the result):

(a) the NumPy backend against the seed notebook's from-scratch class
    (copied verbatim below; its printing is silenced), both plain gradient
    descent on mean squared error with the seed's lr = 0.001, sigmoid, float64
    (the seed's class computes in float64 too). Target: >= 1.2x.
(b) the torch backend against a plain nn.Sequential + torch.optim loop that
    appends loss.item() to a list each epoch, same optimiser, bce on the
    logits, float32 on the CPU; SGD and Adam. Target: >= 1.0x.

The machine may be shared, so the contenders run interleaved, several
repeats each, and the table reports the best repeat and the ratio of bests.
torch is pinned to one thread (torch.set_num_threads(1)): by default torch
uses one thread per core, which for 8x8 matrices only adds noise.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing aelab

from aelab.config import Config
from aelab.patterns import one_hot_patterns
from aelab.train import train
from aelab.weights import init_weights


# ---- The seed notebook's "from scratch" class, verbatim (In [320]; only trailing spaces stripped) ----
# fmt: off
class Autoencoder:

    def __init__(self):
        self.num_input = 8 + 1
        self.num_output = self.num_input
        self.num_hid = 3
        self.w1 = np.random.randn(self.num_input, self.num_hid)
        self.w2 = np.random.randn(self.num_hid, self.num_output)

    def sigmoid(self, x):
        # Activation function used to map any real value between 0 and 1
        return 1 / (1 + np.exp(-x))

    def sigmoid_derivative(self, sig):
        # Use chain rule to calculate the derivatie of sigmoid function
        return sig *(sig - 1)

    def forwardfeed(self, x):
        net1 = x @ self.w1
        a1 = self.sigmoid(net1)
        net2 = a1 @ self.w2
        a2 = self.sigmoid(net2)
        return a1, a2

    def backprop(self, lr, a1, a2):
        output_layer_derivative = (self.x - a2) * self.sigmoid_derivative(a2)
        hid_layer_derivative = output_layer_derivative @ self.w2.T * self.sigmoid_derivative(a1)

        self.w1 -= lr * self.x.T @ hid_layer_derivative
        self.w2 -= lr * a1.T @ output_layer_derivative

    def reshape_x(self, x):
        return np.column_stack((np.full(x.shape[0],1), x))

    def get_loss(self, a2):
        loss = 1 / self.x.shape[0] * np.sum(1/2 * (self.x - a2)**2)
        return loss

    def get_accuracy(self, a2):
        acc_count = 0
        for i in range(self.x.shape[0]):
            if np.argmax(self.x[i]) == np.argmax(a2[i]):
                acc_count += 1
        return acc_count/self.x.shape[0]

    def train(self, x, num_epoch, lr):
        self.x = self.reshape_x(x)

        for epoch in range(num_epoch):
            a1, a2 = self.forwardfeed(self.x)
            self.backprop(lr, a1, a2)
            loss = self.get_loss(a2)
            accuracy = self.get_accuracy(a2)
            if epoch % 100 == 0:
                print('Epoch {} - Loss {} ------- Accuracy {}'.format(epoch, loss, accuracy))  # noqa: UP032

        return a1
# fmt: on
# ---- end of the seed's class ----


SEED_LR = 0.001  # the seed notebook's call: autoencoder.train(input_data, num_epoch=1000, lr=0.001)


def time_seed_class(epochs: int) -> float:
    np.random.seed(0)
    network = Autoencoder()
    data = one_hot_patterns(8).astype(np.float32)  # the notebook's input_data is float32
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # silence its progress lines (one per 100 epochs)
        network.train(data, num_epoch=epochs, lr=SEED_LR)
    return time.perf_counter() - start


def time_aelab(config: Config) -> float:
    start = time.perf_counter()
    result = train(config)
    seconds = time.perf_counter() - start
    assert result.epochs_done == config.epochs
    return seconds


def time_plain_torch(optimizer: str, lr: float, epochs: int) -> float:
    model = nn.Sequential(nn.Linear(8, 3), nn.Sigmoid(), nn.Linear(3, 8))
    # Start from aelab's initial weights for seed 0, so both follow the same trajectory: a run
    # whose outputs saturate sooner meets float32 denormals sooner, and those are slow.
    W1, b1, W2, b2 = init_weights(8, 3, seed=0, dtype="float32")
    with torch.no_grad():
        for layer, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
            layer.weight.copy_(torch.as_tensor(W.T))
            layer.bias.copy_(torch.as_tensor(b))
    X = torch.as_tensor(one_hot_patterns(8), dtype=torch.float32)
    loss_fn = nn.BCEWithLogitsLoss()
    opt = (
        torch.optim.SGD(model.parameters(), lr=lr)
        if optimizer == "sgd"
        else torch.optim.Adam(model.parameters(), lr=lr)
    )
    losses = []
    start = time.perf_counter()
    for _ in range(epochs):
        opt.zero_grad()
        loss = loss_fn(model(X), X)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return time.perf_counter() - start


def race(contenders: dict[str, callable], repeats: int) -> dict[str, float]:
    """Best seconds of each contender over `repeats` interleaved rounds (after one warm-up round)."""
    for run in contenders.values():
        run()
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeats):
        for name, run in contenders.items():
            best[name] = min(best[name], run())
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: fewer epochs and repeats")
    args = parser.parse_args()
    torch.set_num_threads(1)
    epochs, repeats = (300, 2) if args.quick else (2000, 7)

    rows = []  # (comparison, contender, baseline, ratio, target)
    numpy_config = Config(
        backend="numpy", optimizer="sgd", loss="mse", lr=SEED_LR, activation="sigmoid", epochs=epochs, dtype="float64"
    )
    best = race({"seed": lambda: time_seed_class(epochs), "aelab": lambda: time_aelab(numpy_config)}, repeats)
    rows.append(("numpy sgd mse f64", "aelab numpy", "seed class", best["aelab"], best["seed"], 1.2))

    for optimizer, lr in (("sgd", 1.0), ("adam", 0.1)):
        torch_config = Config(
            backend="torch", optimizer=optimizer, loss="bce", lr=lr, epochs=epochs, dtype="float32", device="cpu"
        )
        best = race(
            {"plain": lambda: time_plain_torch(optimizer, lr, epochs), "aelab": lambda: time_aelab(torch_config)},  # noqa: B023
            repeats,
        )
        rows.append((f"torch {optimizer} bce f32", "aelab torch", "plain loop", best["aelab"], best["plain"], 1.0))

    print(f"8-3-8, {epochs} epochs per run, best of {repeats} interleaved repeats, torch threads = 1")
    print(f"{'comparison':<20} {'aelab ep/s':>11} {'baseline':<11} {'ep/s':>9} {'ratio':>7} {'target':>7}")
    for comparison, _, baseline, ours, theirs, target in rows:
        ratio = theirs / ours
        verdict = "ok" if ratio >= target else "MISS"
        print(
            f"{comparison:<20} {epochs / ours:>11,.0f} {baseline:<11} {epochs / theirs:>9,.0f} "
            f"{ratio:>6.2f}x {target:>5.1f}x {verdict}"
        )


if __name__ == "__main__":
    main()
