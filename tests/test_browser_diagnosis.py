"""The sweep view's diagnosis in a real browser: a sweep run from the page shows why seeds failed and the codes found.

Reuses test_browser's server, browser and page fixtures (and skips with it where Chromium is missing).
"""

from __future__ import annotations

import pytest
from test_browser import browser, page, server, sync_api, wait_until_idle

pytestmark = pytest.mark.browser
__all__ = ["browser", "page", "server"]  # fixtures, used by name


def test_a_sweep_from_the_page_shows_causes_and_codes(server, page):
    """4-2-4 with the default recipe for 300 epochs: some seeds solve, some stay in a shared-code minimum."""
    page.goto(f"{server}/?width=4&hidden=2&epochs=300")
    wait_until_idle(page)
    seeds = page.get_by_label("Seeds", exact=True).first  # the sweep's (the bench has one below)
    seeds.fill("12")
    seeds.press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Run sweep").click()
    sync_api.expect(page.get_by_text("Why seeds failed", exact=False)).to_be_visible(timeout=60_000)
    sync_api.expect(page.get_by_text("Codes found", exact=False)).to_be_visible()
    sync_api.expect(page.get_by_text("4-2-4 has 3 such groups in all", exact=False)).to_be_visible()
    wait_until_idle(page)
    # the failing seeds (with their causes), the causes and the codes: three tables, each drawn with real size
    tables = page.get_by_test_id("stDataFrame")
    sync_api.expect(tables).to_have_count(3)
    for index in range(3):
        box = tables.nth(index).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 30, f"table {index} is {box}"
    assert page.get_by_test_id("stException").count() == 0
