"""Memory across the server: 8 visitors, one after another, each training the largest run the limits allow.

One `streamlit run` server with the default limits; 8 browser sessions (separate browser contexts,
so separate Streamlit sessions) open the widest link allowed, click Train, and Pause it after
`--train-for` seconds (the arrays a session keeps -- its Trainer, result, snapshots, resumable copy --
are all made by then), then stay open and idle while the next one trains. The server's resident
memory (VmRSS) is sampled throughout. Then every tab closes, and the benchmark prints how long the
server took to come back under 600 MB, and where it settled 60 s after the last tab closed.

With `--before PATH` (another checkout of aelab, e.g. `git archive main | tar -x -C /tmp/before`) the
same scenario runs first on that checkout's server, then on this one, and both are printed side by side.

The targets (issue 19): peak under 1.5 GB; under 600 MB within 60 s of every tab closing.

    PYTHONPATH=. nice .venv/bin/python benchmarks/bench_memory.py            # ~4 min
    PYTHONPATH=. nice .venv/bin/python benchmarks/bench_memory.py --before /tmp/before   # ~8 min
    PYTHONPATH=. .venv/bin/python benchmarks/bench_memory.py --backend torch
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from bench_page import CHROMIUM_ARGS, ROOT, free_port, start_server
from bench_serving import IDLE, peak_megabytes, widest_allowed
from playwright.sync_api import expect, sync_playwright

SETTLED = 600  # MB: the target once every tab has closed
SETTLE_FOR = 60  # seconds watched after every tab closed


class Sampler:
    """The server's resident memory every `interval` seconds, on a thread."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval, self.peak, self.stop = pid, interval, 0.0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, peak_megabytes(self.pid, "VmRSS"))
            time.sleep(self.interval)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def scenario(root: Path, link: str, args: argparse.Namespace) -> dict[str, float | None]:
    """The sessions one after another on a fresh server of the checkout at `root`, then every tab
    closed: its peak, when it came under SETTLED MB, and where it stood SETTLE_FOR s after."""
    port = free_port()
    server = start_server(port, root)
    sampler = Sampler(server.pid)
    print(f"{root}: server at start {peak_megabytes(server.pid, 'VmRSS'):5.0f} MB")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            contexts = []
            for index in range(args.sessions):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                contexts.append(context)
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/?{link}")
                page.wait_for_selector(IDLE, timeout=120_000)
                page.get_by_role("button", name="Train").click()
                pause = page.get_by_role("button", name="Pause")
                expect(pause).to_be_visible(timeout=120_000)  # training has started (torch imported, arrays made)
                page.wait_for_timeout(args.train_for * 1000)
                if pause.count():
                    pause.click()
                page.wait_for_selector(IDLE, timeout=120_000)
                now = peak_megabytes(server.pid, "VmRSS")
                print(f"  after session {index + 1}: {now:5.0f} MB now, {sampler.peak:5.0f} MB peak so far")
            for context in contexts:
                context.close()
            closed = time.perf_counter()
            under = None
            while time.perf_counter() - closed < SETTLE_FOR:
                if under is None and peak_megabytes(server.pid, "VmRSS") < SETTLED:
                    under = time.perf_counter() - closed
                time.sleep(0.5)
            settled = peak_megabytes(server.pid, "VmRSS")
            browser.close()
    finally:
        sampler.close()
        server.terminate()
        server.wait(timeout=30)
    return {"peak": sampler.peak, "under": under, "settled": settled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--train-for", type=float, default=8.0, help="seconds each session trains before Pause")
    parser.add_argument("--backend", default="numpy", choices=["numpy", "torch"])
    parser.add_argument("--before", type=Path, help="another checkout, run first as the baseline")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    settings = widest_allowed(args.backend)
    link = "&".join(f"{name}={value}" for name, value in settings.items())
    print(f"{args.sessions} sessions, each {settings['width']}-{settings['hidden']}-{settings['width']} "
          f"{args.backend}, {settings['epochs']} epochs, paused after {args.train_for:.0f} s")  # fmt: skip
    roots = {"before": args.before.resolve(), "this checkout": ROOT} if args.before else {"this checkout": ROOT}
    figures = {name: scenario(root, link, args) for name, root in roots.items()}
    print(f"\n{'server':<14} {'peak MB':>8} {'under ' + str(SETTLED) + ' MB after':>20} {'MB 60 s after':>14}")
    for name, result in figures.items():
        when = f"{result['under']:.0f} s" if result["under"] is not None else f"not within {SETTLE_FOR} s"
        print(f"{name:<14} {result['peak']:8.0f} {when:>20} {result['settled']:14.0f}")
    print(f"targets: peak under 1500 MB; under {SETTLED} MB within {SETTLE_FOR} s of every tab closing")


if __name__ == "__main__":
    main()
