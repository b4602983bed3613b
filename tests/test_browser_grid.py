"""The grid section in a real browser: a grid run from the page draws its heatmaps, and a cell opens
as the sweep section's sweep.

Reuses test_browser's server, browser and page fixtures (and skips with it where Chromium is missing).
"""

from __future__ import annotations

import pytest
from test_browser import browser, page, server, sync_api, wait_until_idle

pytestmark = pytest.mark.browser
__all__ = ["browser", "page", "server"]  # fixtures, used by name


def test_a_grid_from_the_page_draws_its_heatmap_and_a_cell_opens(server, page):
    """8-3-8 for 200 epochs: lr 0.5,2 x weight decay 0,0.001,0.003, 3 seeds each (the default first setting, lr)."""
    page.goto(f"{server}/?width=8&hidden=3&epochs=200")
    wait_until_idle(page)
    page.get_by_label("Values of setting 1", exact=True).fill("0.5,2")
    page.get_by_label("Values of setting 1", exact=True).press("Enter")
    wait_until_idle(page)
    page.get_by_role("combobox", name="Vary setting 2").click()
    page.get_by_role("option", name="Weight decay (weight_decay)", exact=True).click()
    wait_until_idle(page)
    seeds = page.get_by_label("Seeds per cell", exact=True)
    seeds.fill("3")
    seeds.press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Run grid").click()
    sync_api.expect(page.get_by_text("Grid over", exact=False)).to_be_visible(timeout=90_000)
    wait_until_idle(page)
    # the two heatmaps (solved rate, median epoch) have drawn, with real size
    section = page.get_by_test_id("stVerticalBlock").filter(has=page.get_by_text("Grid over", exact=False)).last
    heatmaps = section.get_by_test_id("stVegaLiteChart")
    sync_api.expect(heatmaps).to_have_count(2, timeout=20_000)
    for index in range(2):
        drawing = heatmaps.nth(index).locator("canvas, svg").first
        sync_api.expect(drawing).to_be_visible(timeout=20_000)
        box = drawing.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 60, f"heatmap {index} is {box}"
    page.get_by_role("button", name="Open as the sweep").click()
    sync_api.expect(page.get_by_text("This cell is now the sweep", exact=False)).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    sync_api.expect(page.get_by_text("Sweep of", exact=False).first).to_be_visible()
    sync_api.expect(page.get_by_text("seeds 0..2", exact=False).first).to_be_visible()
    assert page.get_by_test_id("stException").count() == 0
