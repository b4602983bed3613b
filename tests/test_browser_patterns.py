"""The digits in a real browser: a 64-2-64 trains, the Reconstructions view draws inputs and reconstructions
as images, and the Hidden code view draws the codes coloured by label over the decoder's images."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.test_browser import browser, server, sync_api, wait_until_idle

__all__ = ["browser", "server"]  # fixtures, used by name
SCREENSHOTS = Path(os.environ.get("AELAB_SCREENSHOTS", "/tmp/aelab_screenshots"))

pytestmark = pytest.mark.browser

DIGITS = "data=digits&hidden=2&patterns=500&activation=tanh&output=linear&optimizer=adam&lr=0.01&epochs=300"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context.new_page()
    context.close()


def drawn_chart(panel, index: int) -> dict:
    """The index-th chart in a panel, once it has drawn (its SVG or canvas has real size)."""
    drawing = panel.get_by_test_id("stVegaLiteChart").nth(index).locator("canvas, svg").first
    sync_api.expect(drawing).to_be_visible(timeout=20_000)
    drawing.scroll_into_view_if_needed()
    box = drawing.bounding_box()
    assert box is not None
    return box


def test_a_digits_64_2_64_shows_its_images_and_the_labelled_code_plane(server, page):
    page.goto(f"{server}/?{DIGITS}")
    wait_until_idle(page)
    page.get_by_role("button", name="Train").click()
    sync_api.expect(page.get_by_text("Trained 300 epochs")).to_be_visible(timeout=90_000)
    wait_until_idle(page)
    sync_api.expect(page.get_by_text("numpy 64-2-64", exact=False).first).to_be_visible()

    page.get_by_role("tab", name="Reconstructions").click()
    panel = page.get_by_role("tabpanel", name="Reconstructions")
    sync_api.expect(panel.get_by_text("as 8x8 images, one of each label")).to_be_visible(timeout=20_000)
    images = drawn_chart(panel, 0)  # two rows of five, each an 8x8 input above its reconstruction
    assert images["width"] > 250 and images["height"] > 250, images

    page.get_by_role("tab", name="Hidden code").click()
    panel = page.get_by_role("tabpanel", name="Hidden code")
    sync_api.expect(panel.get_by_text("codes are not the point")).to_be_visible(timeout=20_000)
    sync_api.expect(panel.get_by_text("coloured by its label")).to_be_visible()
    plane = drawn_chart(panel, 0)  # the code plane comes first, above the activations heatmap
    assert plane["width"] > 400 and plane["height"] > 400, plane
    assert page.get_by_test_id("stException").count() == 0


ALL_DIGITS = "data=digits&hidden=3&activation=tanh&output=linear&optimizer=adam&lr=0.01&epochs=20&stop=never"
PAGE_HEIGHT = """() => Math.max(document.scrollingElement.scrollHeight,
    ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')]
        .map((element) => element.scrollHeight))"""


def test_every_digit_gives_real_valued_figures_on_a_page_of_sane_height(server, page):
    """All 1797 digits: the Hidden code view was ~495,000 px tall (a 1797 x 3 image stretched to its column), and
    the replay said "bits right" and "distinct codes" of patterns that have no bits."""
    page.goto(f"{server}/?{ALL_DIGITS}")
    wait_until_idle(page)
    page.get_by_role("button", name="Train").click()
    sync_api.expect(page.get_by_text("Trained 20 epochs")).to_be_visible(timeout=90_000)
    wait_until_idle(page)
    status = page.locator(".aelab-replay .status").last
    page.locator(".aelab-replay .aelab-scrub").last.focus()
    page.keyboard.press("End")  # the last frame: the run's own figures
    sync_api.expect(status).to_contain_text("variance explained", timeout=20_000)
    assert "bits right" not in status.inner_text() and "distinct codes" not in status.inner_text()
    # the replay's reconstructions are a stride of the patterns, and say so
    outputs = page.locator("canvas.outs").last
    sync_api.expect(outputs).to_have_attribute("aria-label", re.compile(r"reconstructions · \d+ of the 1,797 patterns"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    status.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "digits-replay-desk.png")
    page.get_by_role("tab", name="Hidden code").click()
    panel = page.get_by_role("tabpanel", name="Hidden code")
    sync_api.expect(panel.get_by_text("62 of the 1,797 patterns", exact=False)).to_be_visible(timeout=20_000)
    drawn_chart(panel, 0)
    page.screenshot(path=SCREENSHOTS / "digits-hidden-desk.png")
    assert page.evaluate(PAGE_HEIGHT) < 6000
    page.get_by_role("tab", name="Reconstructions").click()
    panel = page.get_by_role("tabpanel", name="Reconstructions")
    drawn_chart(panel, 0)
    page.screenshot(path=SCREENSHOTS / "digits-reconstructions-desk.png")
    assert page.evaluate(PAGE_HEIGHT) < 6000
    assert page.get_by_test_id("stException").count() == 0
