"""Memory across the server: 8 visitors, one after another, each training the largest run the limits allow.

One `streamlit run` server with the default limits; 8 browser sessions (separate browser contexts,
so separate Streamlit sessions) open the widest link allowed, click Train, and Pause it after
`--train-for` seconds (the arrays a session keeps -- its Trainer, result, snapshots, resumable copy --
are all made by then), then stay open and idle while the next one trains. The server's resident
memory (VmRSS) is sampled throughout. Then every tab closes, and the benchmark prints how long the
server took to come back under 600 MB, and where it settled 60 s after the last tab closed.

The targets (issue 19): peak under 1.5 GB; under 600 MB within 60 s of every tab closing.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_memory.py            # ~3 min
    PYTHONPATH=. .venv/bin/python benchmarks/bench_memory.py --backend torch
"""

from __future__ import annotations

import argparse
import threading
import time

from bench_page import CHROMIUM_ARGS, free_port, start_server
from bench_serving import IDLE, peak_megabytes, widest_allowed
from playwright.sync_api import sync_playwright

SETTLED = 600  # MB: the target once every tab has closed


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--train-for", type=float, default=8.0, help="seconds each session trains before Pause")
    parser.add_argument("--backend", default="numpy", choices=["numpy", "torch"])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    settings = widest_allowed(args.backend)
    link = "&".join(f"{name}={value}" for name, value in settings.items())
    port = free_port()
    server = start_server(port)
    sampler = Sampler(server.pid)
    print(f"{args.sessions} sessions, each {settings['width']}-{settings['hidden']}-{settings['width']} "
          f"{args.backend}, {settings['epochs']} epochs, paused after {args.train_for:.0f} s")  # fmt: skip
    print(f"  server at start: {peak_megabytes(server.pid, 'VmRSS'):5.0f} MB")
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
                page.wait_for_timeout(args.train_for * 1000)
                pause = page.get_by_role("button", name="Pause")
                if pause.count():
                    pause.click()
                page.wait_for_selector(IDLE, timeout=120_000)
                now = peak_megabytes(server.pid, "VmRSS")
                print(f"  after session {index + 1}: {now:5.0f} MB now, {sampler.peak:5.0f} MB peak so far")
            for context in contexts:
                context.close()
            closed = time.perf_counter()
            under = None
            while time.perf_counter() - closed < 60:
                if under is None and peak_megabytes(server.pid, "VmRSS") < SETTLED:
                    under = time.perf_counter() - closed
                time.sleep(0.5)
            settled = peak_megabytes(server.pid, "VmRSS")
            browser.close()
    finally:
        sampler.close()
        server.terminate()
        server.wait(timeout=30)
    print(f"  peak with {args.sessions} sessions: {sampler.peak:5.0f} MB (target under 1500 MB)")
    when = f"after {under:.0f} s" if under is not None else "not within 60 s"
    print(f"  every tab closed: under {SETTLED} MB {when}; {settled:5.0f} MB 60 s after (target under {SETTLED} MB)")


if __name__ == "__main__":
    main()
