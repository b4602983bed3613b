"""What the page adds on top of training: click Train -> final charts, against the CLI's train_seconds.

Starts `streamlit run app.py`, drives Debian's Chromium with Playwright,
clicks Train and waits until the run's status says it finished and the
loss-curve chart has drawn; the same configs run through the CLI
(`python -m aelab train --json`) give `train_seconds`, the training loop
alone. Runs alternate page and CLI, several repeats, and report medians and
the ratio page / training.

It then times the Probe tab: one move of a probe slider (a key press) until
the page has rerun and redrawn, on the default 8-3-8 run and a 4-2-4 (whose
hidden plane is drawn too).

    python benchmarks/bench_page.py            # default 8-3-8, plus a longer run, then the probe
    python benchmarks/bench_page.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
CASES = [
    ("default 8-3-8 (1000 epochs)", {}),
    ("32-5-32, 20000 epochs", {"width": "32", "hidden": "5", "epochs": "20000"}),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, root: Path = ROOT, environment: dict[str, str] | None = None) -> subprocess.Popen:
    """`streamlit run app.py` of the checkout at `root` (this one by default), with `environment` added."""
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=os.environ | {"PYTHONPATH": str(root)} | (environment or {}),
    )  # fmt: skip
    for _ in range(240):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return server
        except OSError:
            time.sleep(0.25)
    server.kill()
    raise RuntimeError("streamlit did not start")


def cli_train_seconds(settings: dict[str, str]) -> float:
    options = [part for name, value in settings.items() for part in (f"--{name}", value)]
    output = subprocess.run(
        [sys.executable, "-m", "aelab", "train", "--json", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)["train_seconds"]


def page_seconds(page, url: str) -> float:
    """Seconds from the click on Train until the finished status and the drawn loss chart."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.get_by_role("button", name="Train").click()
    start = time.perf_counter()
    expect(page.get_by_text("Trained ", exact=False)).to_be_visible(timeout=120_000)
    chart = page.get_by_role("tabpanel", name="Training curves").get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=60_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    return time.perf_counter() - start


PROBE_CASES = [("default 8-3-8: probe slider move", ""), ("4-2-4: probe slider move", "width=4&hidden=2")]


def probe_move_seconds(page, url: str, moves: int) -> list[float]:
    """Train, open Probe, then time each move of h0 (End, Home, ...) until the page has rerun and drawn."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("Trained ", exact=False)).to_be_visible(timeout=120_000)
    page.get_by_role("tab", name="Probe").click()
    slider = page.get_by_test_id("stSlider").filter(has_text="h0").locator("input[type=range]")
    expect(slider).to_be_visible(timeout=30_000)
    slider.press("Home")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    verdict = page.get_by_text("40-20-40 reads this as", exact=False).first
    times = []
    for move in range(moves):
        page.wait_for_timeout(300)  # let the last redraw settle
        before = verdict.inner_text()  # it names the distance to the nearest code, which every step changes
        start = time.perf_counter()
        slider.press("End" if move % 2 == 0 else "Home")  # from one end of h0 to the other
        expect(verdict).not_to_have_text(before, timeout=30_000)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            print(f"{'case':<30} {'page s':>8} {'train s':>8} {'page/train':>11} {'overhead s':>11}")
            for label, settings in CASES:
                query = "&".join(f"{name}={value}" for name, value in settings.items())
                url = f"http://127.0.0.1:{port}/?{query}"
                page_seconds(page, url)  # warm-up: imports, first render
                page_times, train_times = [], []
                for _ in range(args.repeats):
                    page_times.append(page_seconds(page, url))
                    train_times.append(cli_train_seconds(settings))
                page_s, train_s = statistics.median(page_times), statistics.median(train_times)
                print(f"{label:<30} {page_s:8.3f} {train_s:8.3f} {page_s / train_s:10.2f}x {page_s - train_s:11.3f}")
            for label, query in PROBE_CASES:
                times = probe_move_seconds(page, f"http://127.0.0.1:{port}/?{query}", moves=3 * args.repeats)
                print(f"{label:<34} median {statistics.median(times):.3f} s, max {max(times):.3f} s (target < 0.3 s)")
            browser.close()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
