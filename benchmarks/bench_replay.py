"""The replay in Chromium: how long one frame takes to draw, and how long from a click on Train to the
replay's first frame on screen.

Starts `streamlit run app.py`, drives Debian's Chromium (1280x720) with Playwright. For each net it opens
the page with that net in the link, clicks Train (the click and the timer start in the page, together)
and waits for the replay's first frame of the new run (the replay notes when it drew it): Train to
first frame, which includes training the default 1000 epochs, the rerun and sending the frames. Then
it draws every frame of the replay again, timed with performance.now() around each draw (all four
canvases), and reports the median, the 95th percentile and the slowest, the 95th against the 50 ms target
(the slowest is mostly the machine: a garbage collection, another process).

    python benchmarks/bench_replay.py              # ~1 min
    python benchmarks/bench_replay.py --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_page import CHROMIUM_ARGS, free_port, start_server

NETS = [(8, 3), (16, 4), (64, 6)]
FRAME_TARGET_MS = 50.0
FIRST_FRAME_TARGET_S = 0.5
CLICK_TRAIN = "button => { window.benchClick = performance.now(); button.click(); }"
NEW_RUN_DRAWN = """old => { const r = window.aelabReplay;
  return r && r.state.run !== old && (r.state.run in r.firstDrawn); }"""
DRAW_ALL = """() => { const r = window.aelabReplay, n = r.state.data.epochs.length, times = [];
  for (let f = 0; f < n; f++) times.push(r.drawFrame(f)); return times; }"""


def wait_idle(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)


def measure(page, url: str, width: int, hidden: int, repeats: int) -> tuple[list[float], list[float], int]:
    page.goto(f"{url}/?width={width}&hidden={hidden}&epochs=1000")
    wait_idle(page)
    page.wait_for_function("() => window.aelabReplay !== undefined", timeout=30_000)
    first_frames, frame_ms = [], []
    for _ in range(repeats):
        old = page.evaluate("() => window.aelabReplay.state.run")
        page.get_by_role("button", name="Train").evaluate(CLICK_TRAIN)
        page.wait_for_function(NEW_RUN_DRAWN, arg=old, timeout=60_000)
        first_frames.append(page.evaluate("() => (window.aelabReplay.firstDrawn[window.aelabReplay.state.run]"
                                          " - window.benchClick) / 1000"))  # fmt: skip
        wait_idle(page)
        frame_ms += page.evaluate(DRAW_ALL)
    frames = page.evaluate("() => window.aelabReplay.state.data.epochs.length")
    return first_frames, frame_ms, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            print(f"{'net':>9} {'frames':>6} {'frame median':>12} {'p95':>8} {'max':>8} {'p95 / 50 ms':>11} "
                  f"{'Train->first frame':>18} {'/ 0.5 s':>7}")  # fmt: skip
            for width, hidden in NETS:
                firsts, frame_ms, frames = measure(page, f"http://127.0.0.1:{port}", width, hidden, args.repeats)
                median, worst, first = statistics.median(frame_ms), max(frame_ms), statistics.median(firsts)
                p95 = statistics.quantiles(frame_ms, n=20)[-1]
                times = f"{median:>9.1f} ms {p95:>5.1f} ms {worst:>5.1f} ms"
                ratios = f"{p95 / FRAME_TARGET_MS:>11.2f} {first:>16.2f} s {first / FIRST_FRAME_TARGET_S:>7.2f}"
                print(f"{width}-{hidden}-{width:<4} {frames:>6} {times} {ratios}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
