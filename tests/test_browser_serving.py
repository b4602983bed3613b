"""The page as a public server, in a real browser: link values cannot inject content, and six
visitors at once (one on the most expensive run the budget allows) all finish and render."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from aelab.budget import load_budget, max_epochs_within
from aelab.config import Config
from tests.test_browser import ROOT, browser, free_port, page, server, sync_api, wait_until_idle

__all__ = ["browser", "page", "server"]  # fixtures, used by name

pytestmark = pytest.mark.browser

ATTACKER = "https://example.com"
INJECTIONS = {
    "click me": f"[click me]({ATTACKER}/phish)",  # a Markdown link as a value
    "x": f"![pixel]({ATTACKER}/pixel.png)",  # a Markdown image
    "html": f'<a href="{ATTACKER}/a">html link</a><img src="{ATTACKER}/img.png">',  # raw HTML
    "width": f"8\n\n[after a blank line]({ATTACKER}/nl)",  # a line break to end a code span
    f"[key]({ATTACKER}/key)": "1",  # the name itself
    "hidden": f"``[backticks]({ATTACKER}/tick)``",  # backticks to close a code span
}


def test_link_values_never_become_links_images_or_html(server, page):
    page.goto(f"{server}/?{urllib.parse.urlencode(INJECTIONS)}")
    wait_until_idle(page)
    warnings = page.get_by_test_id("stAlertContentWarning")
    sync_api.expect(warnings.first).to_be_visible()
    assert warnings.count() == len(INJECTIONS)  # every value was refused, and said so
    text = " ".join(warnings.all_inner_texts())
    assert "[click me](https://example.com/phish)" in text and "<img src=" in text  # shown literally
    assert page.locator(f"a[href^='{ATTACKER}']").count() == 0
    assert page.locator(f"img[src^='{ATTACKER}']").count() == 0
    assert page.get_by_test_id("stException").count() == 0


# --- Six visitors on one server ------------------------------------------------------------------

LIMIT_SECONDS = 12  # this server's budget: the most expensive allowed run is about this long
VISITORS = 6
FINISHED = "Trained 1,000 epochs in"  # the default run's status line once it is done


@pytest.fixture(scope="module")
def busy_server() -> Iterator[str]:
    """A `streamlit run` with a small work budget, so its most expensive run ends within the test."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    environment = os.environ | {"AELAB_MAX_SECONDS": str(LIMIT_SECONDS)}
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def most_expensive_link() -> dict[str, str]:
    """The widest net at the most epochs this server's budget allows for it."""
    budget = load_budget({"AELAB_MAX_SECONDS": str(LIMIT_SECONDS)}, {})
    wide = Config(width=1024, hidden=10)
    return {"width": "1024", "hidden": "10", "epochs": str(max_epochs_within(budget.max_seconds, wide))}


def open_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    visitor = context.new_page()
    visitor.goto(url)
    wait_until_idle(visitor)
    return visitor


def wait_all(visitors: dict[int, object], done: str, started: dict[int, float], timeout: float) -> dict[int, float]:
    """Seconds from each visitor's click until its page shows `done` (polled together, every 50 ms)."""
    took, deadline = {}, time.monotonic() + timeout
    while len(took) < len(visitors) and time.monotonic() < deadline:
        for index, visitor in visitors.items():
            if index not in took and visitor.get_by_text(done, exact=False).count():
                took[index] = time.monotonic() - started[index]
        time.sleep(0.05)
    missing = sorted(set(visitors) - set(took))
    assert not missing, f"visitors {missing} did not finish within {timeout} s"
    return took


def test_six_visitors_at_once_all_finish_and_the_default_runs_stay_quick(busy_server, browser):
    pages = [open_page(browser, busy_server) for _ in range(VISITORS - 1)]
    expensive = open_page(browser, f"{busy_server}/?{urllib.parse.urlencode(most_expensive_link())}")
    assert expensive.get_by_test_id("stAlertContentWarning").count() == 0  # the link is valid and allowed

    alone = []  # one default run at a time, as a baseline on the same server
    for visitor in pages[:3]:
        started = {0: time.monotonic()}
        visitor.get_by_role("button", name="Train").click()
        alone.append(wait_all({0: visitor}, FINISHED, started, timeout=60)[0])
        visitor.reload()
        wait_until_idle(visitor)

    expensive.get_by_role("button", name="Train").click()
    sync_api.expect(expensive.get_by_text("epoch", exact=False).first).to_be_visible(timeout=30_000)
    started = {}
    for index, visitor in enumerate(pages):
        visitor.get_by_role("button", name="Train").click()
        started[index] = time.monotonic()
    under_load = wait_all(dict(enumerate(pages)), FINISHED, started, timeout=120)
    epochs = int(most_expensive_link()["epochs"])
    wait_all({0: expensive}, f"Trained {epochs:,} epochs in", {0: time.monotonic()}, timeout=240)

    for visitor in [*pages, expensive]:
        wait_until_idle(visitor)
        assert visitor.get_by_test_id("stException").count() == 0
        sync_api.expect(visitor.get_by_role("tab", name="Training curves")).to_be_visible()
    baseline, worst = statistics.median(alone), max(under_load.values())
    print(f"default run alone: median {baseline:.2f} s; with the expensive run and 4 others: worst {worst:.2f} s")
    assert worst <= 3 * baseline, (alone, under_load)
