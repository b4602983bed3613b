"""The literature bench in a real browser: it streams progress, and Stop keeps the entries finished so far.

Uses test_browser.py's fixtures (a real `streamlit run` server and Chromium), which skip with a reason
where Chromium is missing."""

from __future__ import annotations

import re

import pytest
from test_browser import browser, page, server, sync_api, wait_until_idle  # noqa: F401 (fixtures)

from aelab.bench import BENCH

pytestmark = pytest.mark.browser


def test_the_bench_shows_progress_and_stop_keeps_the_entries_so_far(server, page):  # noqa: F811
    page.goto(server)
    wait_until_idle(page)
    seeds = page.get_by_label("Seeds", exact=True).last  # the bench's, below the sweep's
    seeds.fill("120")  # within this server's default budget for every entry
    seeds.press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Run bench").click()
    # the first entry finishes (its row is drawn only at the end), then a later one is under way
    # (entries are quick, so any but the first and the last will do: Playwright may miss one that lasts 0.3 s)
    later_entries = "|".join(str(number) for number in range(2, len(BENCH)))
    later = re.compile(rf"\((?:{later_entries}) of {len(BENCH)}\) · epoch")
    sync_api.expect(page.get_by_text(later)).to_be_visible(timeout=90_000)
    page.get_by_role("button", name="Stop", exact=True).click()
    sync_api.expect(page.get_by_text("Stopped early", exact=False)).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    sync_api.expect(page.get_by_role("cell", name="snns-bp", exact=True)).to_be_visible()
    assert page.get_by_role("cell", name="rb-12-2-12-rprop", exact=True).count() == 0
    assert page.get_by_test_id("stException").count() == 0
