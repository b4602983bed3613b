"""The digits in a real browser: a 64-2-64 trains, the Reconstructions view draws inputs and reconstructions
as images, and the Hidden code view draws the codes coloured by label over the decoder's images."""

from __future__ import annotations

import pytest

from aelab.charts.matrices import MAX_IMAGE_SIDE
from tests.test_browser import browser, server, sync_api, wait_until_idle

__all__ = ["browser", "server"]  # fixtures, used by name

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


def test_the_hidden_code_of_all_1797_digits_is_a_picture_not_a_half_kilometre_strip(server, page):
    """1797 x 3 activations are too many cells for a chart: their image is shown whole, at most
    MAX_IMAGE_SIDE px high, and the page stays a page (it once grew to 495,000 px)."""
    page.goto(f"{server}/?data=digits&hidden=3&activation=tanh&output=linear&optimizer=adam&lr=0.01&epochs=20")
    wait_until_idle(page)
    page.get_by_role("button", name="Train").click()
    sync_api.expect(page.get_by_text("Trained 20 epochs")).to_be_visible(timeout=90_000)
    wait_until_idle(page)
    page.get_by_role("tab", name="Hidden code").click()
    panel = page.get_by_role("tabpanel", name="Hidden code")
    sync_api.expect(panel.get_by_text("Hidden activations: 1797 × 3")).to_be_visible(timeout=20_000)
    image = panel.get_by_test_id("stImage").locator("img").first
    sync_api.expect(image).to_be_visible()
    box = image.bounding_box()
    assert box is not None and 100 <= box["height"] <= MAX_IMAGE_SIDE + 1 and box["width"] >= 100, box
    page_height = page.evaluate("document.scrollingElement.scrollHeight")
    assert page_height < 6000, page_height
