"""The transport in a real browser: a long run paused, continued from where it paused, stepped, and its
live hidden code redrawn while it trains (a screenshot of it mid-run is saved for a person to look at)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.test_browser import browser, page, server, sync_api, wait_until_idle

__all__ = ["browser", "page", "server"]  # fixtures, used by name

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("AELAB_SCREENSHOTS", "/tmp/aelab_screenshots"))
PAUSED = re.compile(r"Training paused at epoch ([\d,]+)\.")


def paused_epoch(page) -> int:
    note = page.get_by_text(PAUSED).first
    sync_api.expect(note).to_be_visible(timeout=30_000)
    return int(PAUSED.search(note.inner_text()).group(1).replace(",", ""))


def shown_epochs(page) -> int:
    header = page.get_by_text(re.compile(r"Showing:.*· [\d,]+ epochs")).first
    return int(re.search(r"· ([\d,]+) epochs", header.inner_text()).group(1).replace(",", ""))


def live_note(page) -> str:
    note = page.get_by_text(re.compile(r"^Epoch [\d,]+: \d+ distinct codes")).first
    sync_api.expect(note).to_be_visible(timeout=20_000)
    return note.inner_text()


def test_pause_continue_and_step_a_long_run(server, page):
    # long enough to pause twice, however quick the machine (32-5-32 trained its 100,000 epochs in ~3 s)
    page.goto(f"{server}/?width=64&hidden=6&epochs=100000")
    wait_until_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()

    # The live hidden code is redrawn while training: its epoch moves on.
    first = live_note(page)
    sync_api.expect(page.get_by_text(re.compile(r"^Epoch [\d,]+: \d+ distinct codes")).first).not_to_have_text(
        first, timeout=20_000
    )
    status = page.get_by_test_id("stExpander").filter(has_text="Training numpy 64-6-64").first
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    status.screenshot(path=str(SCREENSHOTS / "live_hidden_code.png"))

    page.get_by_role("button", name="Pause", exact=True).click()
    paused = paused_epoch(page)
    wait_until_idle(page)
    assert 0 < paused < 100_000 and shown_epochs(page) == paused

    page.get_by_role("button", name="Continue", exact=True).click()
    sync_api.expect(page.get_by_text(f"Continuing from epoch {paused:,}:", exact=False)).to_be_visible(timeout=20_000)
    live_note(page)  # it trains on, drawing as it goes
    page.get_by_role("button", name="Pause", exact=True).click()
    again = paused_epoch(page)
    wait_until_idle(page)
    assert again > paused and shown_epochs(page) == again

    for step in (1, 2):
        page.get_by_role("button", name="Step", exact=True).click()
        sync_api.expect(page.get_by_text(f"At epoch {again + step:,}: Continue trains", exact=False)).to_be_visible(
            timeout=30_000
        )
        wait_until_idle(page)
    assert shown_epochs(page) == again + 2
    page.get_by_role("tab", name="Training curves").click()
    sync_api.expect(
        page.get_by_role("tabpanel", name="Training curves").get_by_test_id("stVegaLiteChart").first
    ).to_be_visible()
    assert page.get_by_test_id("stException").count() == 0


def test_a_lesson_link_opens_ready_for_class(server, page):
    page.goto(f"{server}/?present=1&hide=optimizer,loss&width=16&hidden=4")
    wait_until_idle(page)
    sync_api.expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    panel = page.locator(".st-key-lesson_settings")
    sync_api.expect(panel.get_by_text("16-4-16", exact=False)).to_be_visible()
    # the settings the link fixes are named with a lock (they are off the sidebar)
    sync_api.expect(panel.get_by_role("img", name="lock icon")).to_have_count(2)
    size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert size == "20px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "present_mode.png"))
    assert page.get_by_test_id("stException").count() == 0
