"""The network drawing of a wide bottleneck in a real browser: k = 1024 hidden units were 1024 overlapping
circles, a solid dark column; a wide bottleneck draws every stride-th unit, with room between them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_browser import browser, server, sync_api, wait_until_idle

__all__ = ["browser", "server"]  # fixtures, used by name
pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("AELAB_SCREENSHOTS", "/tmp/aelab_screenshots"))

# The share of the hidden column's pixels (a 3 px band down the canvas at the hidden units' x) that are
# background: between the drawn units, or none when the circles overlap into one column.
BACKGROUND_SHARE = """(canvas) => {
  const ctx = canvas.getContext("2d"), x = Math.round(canvas.width * 0.48) - 1;
  const top = Math.round(canvas.height * 0.12), rows = Math.round(canvas.height * 0.8);
  const pixels = ctx.getImageData(x, top, 3, rows).data;
  let background = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] < 20 || pixels[i] > 240) background++;
  return background / (pixels.length / 4);
}"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context.new_page()
    context.close()


def test_a_1024_wide_bottleneck_is_drawn_as_separate_units(server, page):
    page.goto(f"{server}/?width=1024&hidden=1024")
    wait_until_idle(page)
    network = page.locator(".aelab-replay canvas.net").last
    sync_api.expect(network).to_be_visible(timeout=30_000)
    network.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "network-1024-desk.png")
    assert network.evaluate(BACKGROUND_SHARE) > 0.2
    assert page.get_by_test_id("stException").count() == 0
