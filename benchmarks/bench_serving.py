"""The page as a public server: its peak memory, and how fast it trains beside the CLI.

Memory: a fresh `streamlit run` server per case; the case is clicked in Chromium,
stopped after a while if it is long (the peak comes in the first epochs: the
arrays are made then, and the history is bounded), and the server's peak resident
memory (VmHWM) is read from /proc. The CLI's largest run and sweep are measured
the same way (`/proc/<pid>/status` of the CLI process, then SIGTERM, which prints
the run so far).

Speed: the same run and sweep through the page (the status line's training
seconds, live redraws included) and through the CLI (`--json`'s seconds),
interleaved, both on one BLAS thread (the page's rule); the ratio is CLI seconds
/ page seconds (1.0: the page trains as fast as the CLI; the target is at least 0.8).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_serving.py           # ~5 min
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_page import CHROMIUM_ARGS, ROOT, free_port, start_server
from playwright.sync_api import expect, sync_playwright

from aelab.budget import DEFAULT_BUDGET, estimate_megabytes, max_epochs_within
from aelab.config import Config

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def peak_megabytes(pid: int, field: str = "VmHWM") -> float:
    """The process's peak resident memory so far (VmHWM), or its resident memory now (VmRSS), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1000


def widest_allowed(backend: str) -> dict[str, str]:
    """The most expensive single run a link may start under the default budget: the widest net, with
    the widest bottleneck whose memory estimate fits (torch's 1024-1024 is over 1000 MB), at the most
    epochs that fit the click's seconds."""
    budget = DEFAULT_BUDGET
    hidden = next(
        k
        for k in range(1024, 0, -32)
        if estimate_megabytes(Config(backend=backend, width=1024, hidden=k)) <= budget.max_megabytes
    )
    epochs = max_epochs_within(budget.max_seconds, Config(backend=backend, width=1024, hidden=hidden, epochs=100_000))
    return {"backend": backend, "width": "1024", "hidden": str(hidden), "epochs": str(epochs)}


def largest_sweep_allowed() -> tuple[dict[str, str], int]:
    """1000 seeds (the most a sweep takes) of 64-6-64 at the most epochs the budget allows."""
    config = Config(width=64, hidden=6, epochs=100_000)
    return {
        "width": "64",
        "hidden": "6",
        "epochs": str(max_epochs_within(DEFAULT_BUDGET.max_seconds, config, 1000)),
    }, 1000


def start_case(browser, port: int, settings: dict[str, str], seeds: int | None):
    """A new tab on the link with `settings`, where Train (or Run sweep over `seeds`) was just clicked."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"http://127.0.0.1:{port}/?" + "&".join(f"{k}={v}" for k, v in settings.items()))
    page.wait_for_selector(IDLE, timeout=60_000)
    if seeds is None:
        page.get_by_role("button", name="Train").click()
    else:
        field = page.get_by_label("Seeds", exact=True).first
        field.fill(str(seeds))
        field.press("Enter")
        page.wait_for_selector(IDLE, timeout=60_000)
        page.get_by_role("button", name="Run sweep").click()
    return page


def page_case(browser, port: int, settings: dict[str, str], seeds: int | None, run_for: float) -> float:
    """Open the link, click Train (or Run sweep over `seeds`), Stop after `run_for` s if still going."""
    page = start_case(browser, port, settings, seeds)
    start = time.perf_counter()
    done = page.get_by_text(re.compile(r"^(Trained|Swept) "))
    while time.perf_counter() - start < run_for and not done.count():
        page.wait_for_timeout(250)
    if not done.count():
        page.get_by_role("button", name="Stop").click()
    page.wait_for_timeout(1000)
    page.wait_for_selector(IDLE, timeout=120_000)
    page.close()
    return time.perf_counter() - start


def server_peak(browser, settings: dict[str, str], seeds: int | None, run_for: float) -> tuple[float, ...]:
    """(MB at start, peak MB, MB once the case is over, seconds) of a fresh server running one case."""
    port = free_port()
    server = start_server(port)
    try:
        base = peak_megabytes(server.pid)
        seconds = page_case(browser, port, settings, seeds, run_for)
        time.sleep(2)
        return base, peak_megabytes(server.pid), peak_megabytes(server.pid, "VmRSS"), seconds
    finally:
        server.terminate()
        server.wait(timeout=30)


def cli_peak(arguments: list[str], run_for: float) -> float:
    """Peak MB of `python -m aelab ...`, sent SIGTERM after `run_for` s (it then prints the run so far)."""
    process = subprocess.Popen([sys.executable, "-m", "aelab", *arguments], cwd=ROOT, stdout=subprocess.DEVNULL)
    peak, start = 0.0, time.perf_counter()
    while process.poll() is None and time.perf_counter() - start < run_for:
        peak = max(peak, peak_megabytes(process.pid))
        time.sleep(0.2)
    if process.poll() is None:
        peak = max(peak, peak_megabytes(process.pid))
        process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)
    return peak


def page_training_seconds(browser, port: int, settings: dict[str, str], seeds: int | None) -> float:
    """The training seconds the page reports in its status line (redraws included)."""
    page = start_case(browser, port, settings, seeds)
    line = page.get_by_text(re.compile(r"^(Trained [\d,]+ epochs|Swept \d+ seeds) in [\d.]+ s"))
    expect(line).to_be_visible(timeout=600_000)
    seconds = float(re.search(r" in ([\d.]+) s", line.inner_text()).group(1))
    page.close()
    return seconds


def cli_training_seconds(settings: dict[str, str], seeds: int | None) -> float:
    options = [part for name, value in settings.items() for part in (f"--{name}", value)]
    command = ["train"] if seeds is None else ["sweep", "--seeds", str(seeds)]
    # One BLAS thread, as the page trains (aelab_page/serving.py): the same maths on the same cores.
    one_thread = os.environ | {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    output = subprocess.run([sys.executable, "-m", "aelab", *command, "--json", *options], cwd=ROOT, env=one_thread,
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    payload = json.loads(output)
    return payload["train_seconds"] if seeds is None else payload["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        print("Peak memory of the server (fresh server per case; long cases stopped after 20 s):")
        sweep_settings, sweep_seeds = largest_sweep_allowed()
        cases = [
            ("default run (8-3-8, 1000 epochs)", {}, None),
            (f"widest run allowed, numpy ({widest_allowed('numpy')['epochs']} epochs)", widest_allowed("numpy"), None),
            (f"widest run allowed, torch ({widest_allowed('torch')['epochs']} epochs)", widest_allowed("torch"), None),
            (f"largest sweep allowed (1000 x 64-6-64, {sweep_settings['epochs']} epochs)", sweep_settings, sweep_seeds),
        ]
        for label, settings, seeds in cases:
            base, peak, after, seconds = server_peak(browser, settings, seeds, run_for=20)
            print(f"  {label:<60} start {base:4.0f} MB  peak {peak:4.0f} MB  after {after:4.0f} MB  ({seconds:.0f} s)")
        print("Peak memory of the CLI's largest (stopped with SIGTERM after 30 s):")
        widest = ["--width", "1024", "--hidden", "1024", "--epochs", "100000"]
        for label, arguments in [
            ("train, torch, 1024-1024-1024, 100000 epochs", ["train", "--backend", "torch", *widest]),
            ("sweep, numpy, 1000 x 1024-1024-1024, 100000 epochs", ["sweep", "--seeds", "1000", *widest]),
            (
                "sweep, numpy, 1000 x 8-3-8, 100000 epochs",
                ["sweep", "--seeds", "1000", "--epochs", "100000", "--lr", "0.01"],
            ),
        ]:
            print(f"  {label:<60} peak {cli_peak(arguments, run_for=30):6.0f} MB")

        print("Training speed, page against CLI (medians; ratio = CLI seconds / page seconds, target >= 0.8):")
        port = free_port()
        server = start_server(port)
        try:
            for label, settings, seeds in [
                ("1024-10-1024 run, 1000 epochs", {"width": "1024", "hidden": "10", "epochs": "1000"}, None),
                ("1000-seed sweep, 8-3-8 default", {}, 1000),
            ]:
                page_training_seconds(browser, port, settings, seeds)  # warm-up
                page_times, cli_times = [], []
                for _ in range(args.repeats):
                    page_times.append(page_training_seconds(browser, port, settings, seeds))
                    cli_times.append(cli_training_seconds(settings, seeds))
                page_s, cli_s = statistics.median(page_times), statistics.median(cli_times)
                print(f"  {label:<40} page {page_s:7.2f} s  CLI {cli_s:7.2f} s  ratio {cli_s / page_s:5.2f}")
        finally:
            server.terminate()
        browser.close()


if __name__ == "__main__":
    main()
