"""Lesson mode on a projector (1280x720, `?present=1`) and the page on a phone (390x844), in a real
browser: Train and the live hidden code in the first screen, no label cut off, nothing scrolling
sideways, and after Pause the views still on the hidden code. Screenshots of both are saved for a
person to look at (AELAB_SCREENSHOTS, default /tmp/aelab_screenshots)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.test_browser import browser, server, sync_api, wait_until_idle

__all__ = ["browser", "server"]  # fixtures, used by name

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("AELAB_SCREENSHOTS", "/tmp/aelab_screenshots"))
PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
LIVE_NOTE = re.compile(r"^Epoch [\d,]+: \d+ distinct codes")

# Widths that scroll: the page itself and Streamlit's main container (which scrolls inside the page).
SIDEWAYS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    const page = document.scrollingElement;
    return {page: [page.scrollWidth, page.clientWidth], main: [main.scrollWidth, main.clientWidth]};
}"""

# The transport's buttons, and the labels whose text does not fit them (drawn cut off, as "Conti…").
CUT_LABELS = """() => {
    const buttons = Array.from(document.querySelectorAll(".st-key-transport button"));
    const cut = buttons.flatMap((button) => Array.from(button.querySelectorAll("p, span, div")))
        .filter((element) => element.scrollWidth > element.clientWidth + 1)
        .map((element) => element.textContent);
    return {buttons: buttons.length, cut: cut};
}"""


def assert_labels_whole(page) -> None:
    labels = page.evaluate(CUT_LABELS)
    assert labels["buttons"] >= 5, labels  # Train, Continue, Step, Reset, Open run (at least)
    assert labels["cut"] == [], labels


@pytest.fixture
def viewer(browser, request):
    """A page of the given viewport size (request.param)."""
    context = browser.new_context(viewport=request.param)
    yield context.new_page()
    context.close()


def assert_no_sideways_scroll(page, where: str) -> None:
    widths = page.evaluate(SIDEWAYS)
    for name, (scroll, client) in widths.items():
        assert scroll <= client, f"{where}: the {name} scrolls sideways ({scroll} px of content in {client} px)"


def assert_in_first_screen(locator, what: str, height: int) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{what} is not drawn"
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{what} is outside the first screen: {box}"


def set_speed(page, label: str) -> None:
    """Move the Speed slider right, one step a key press, until it reads `label` ("20 epochs/s")."""
    speed = page.get_by_test_id("stSlider").filter(has_text="Speed")
    thumb = speed.get_by_role("slider")
    for _ in range(8):
        if speed.get_by_text(label, exact=True).count():
            break
        thumb.press("ArrowRight")
        wait_until_idle(page)
    sync_api.expect(speed.get_by_text(label, exact=True)).to_be_visible()


def assert_starts_in_first_screen(locator, what: str, height: int) -> None:
    """Its top in the first screen, with room to see some of it (it may run on below). A live view is
    redrawn as training goes: wait out a redraw that has just taken it off the page."""
    box = None
    for _ in range(20):
        box = locator.first.bounding_box()
        if box is not None:
            break
        locator.page.wait_for_timeout(100)
    assert box is not None and 0 <= box["y"] < height - 60, f"{what} starts below the first screen: {box}"


@pytest.mark.parametrize("viewer", [PROJECTOR], indirect=True)
def test_lesson_mode_fits_a_projector_and_pause_keeps_the_hidden_code(server, viewer):
    page = viewer
    page.goto(f"{server}/?present=1")  # the default 8-3-8
    wait_until_idle(page)
    train = page.get_by_role("button", name="Train", exact=True)
    assert_in_first_screen(train, "Train", PROJECTOR["height"])
    assert_labels_whole(page)
    assert_no_sideways_scroll(page, "lesson mode before Train")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lesson_1280x720_before_train.png"))

    set_speed(page, "20 epochs/s")  # paced: still training, and drawing live, when the checks run
    train.click()
    # present mode: the header names the run, so the status label does not again
    status = page.get_by_test_id("stExpander").filter(has_text="Training for up to").first
    # the live network and the hidden code beside it (aelab_page.replay), redrawn as training goes
    network, code = status.locator("canvas.net"), status.locator("canvas.code")
    sync_api.expect(code).to_be_visible(timeout=30_000)
    assert_in_first_screen(train, "Train", PROJECTOR["height"])
    assert_starts_in_first_screen(network, "the live network", PROJECTOR["height"])
    assert_in_first_screen(code, "the live hidden code, every row of it", PROJECTOR["height"])
    assert_in_first_screen(page.get_by_text("aelab · 8-3-8"), "the lesson header", PROJECTOR["height"])
    sync_api.expect(status.get_by_text(LIVE_NOTE).first).to_be_visible(timeout=20_000)  # and the code in full below
    assert_labels_whole(page)
    assert_no_sideways_scroll(page, "lesson mode while training")
    page.screenshot(path=str(SCREENSHOTS / "lesson_1280x720_training.png"))

    page.get_by_role("button", name="Pause", exact=True).click()
    sync_api.expect(page.get_by_text("Training paused at epoch", exact=False)).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    # the views stay on what the live views showed: the hidden code, not the training curves
    sync_api.expect(page.get_by_role("tab", name="Hidden code")).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel", name="Hidden code")
    sync_api.expect(panel.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=20_000)
    # the replay holds the paused frame, its bit table whole on the first screen
    page.evaluate("window.scrollTo(0, 0)")
    assert_in_first_screen(page.locator("canvas.code").first, "the paused hidden code, every row", PROJECTOR["height"])
    assert_labels_whole(page)
    assert_no_sideways_scroll(page, "lesson mode after Pause")
    page.screenshot(path=str(SCREENSHOTS / "lesson_1280x720_paused.png"))
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.parametrize("viewer", [PHONE], indirect=True)
def test_a_phone_never_scrolls_sideways(server, viewer):
    page = viewer
    page.goto(f"{server}/?width=8&hidden=3&epochs=300&stop=never")  # trains all 300 epochs
    wait_until_idle(page)
    assert_no_sideways_scroll(page, "the phone before Train")
    page.get_by_role("button", name="Train", exact=True).click()
    sync_api.expect(page.get_by_text("Trained 300 epochs")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    for view in ("Hidden code", "Training curves", "Reconstructions", "Probe", "Weights"):
        page.get_by_role("tab", name=view).click()
        wait_until_idle(page)
        charts = page.get_by_role("tabpanel", name=view).get_by_test_id("stVegaLiteChart")
        sync_api.expect(charts.first).to_be_visible(timeout=20_000)
        page.wait_for_timeout(300)  # Vega sizes a chart once it is drawn
        assert_no_sideways_scroll(page, f"the phone, {view}")
        if view == "Training curves":  # the four charts stack: one column
            boxes = [charts.nth(index).bounding_box() for index in range(charts.count())]
            assert len(boxes) == 4 and len({round(box["x"]) for box in boxes}) == 1, boxes
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "phone_390x844_curves.png"))
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.parametrize("viewer", [PROJECTOR], indirect=True)
def test_a_finished_lesson_run_keeps_its_whole_bit_table_on_the_projector(server, viewer):
    page = viewer
    page.goto(f"{server}/?present=1")  # the default 8-3-8 at full speed: it ends by itself
    wait_until_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    sync_api.expect(
        page.get_by_test_id("stExpander").filter(has_text=re.compile("[Ss]olved|[Tt]rained"))
    ).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    page.evaluate("window.scrollTo(0, 0)")
    height = PROJECTOR["height"]
    assert_in_first_screen(page.get_by_text("aelab · 8-3-8"), "the lesson header", height)
    assert_in_first_screen(page.get_by_role("button", name="Train", exact=True), "Train", height)
    assert_in_first_screen(page.locator("canvas.net").first, "the replay's network", height)
    assert_in_first_screen(page.locator("canvas.code").first, "the replay's hidden code, every row", height)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lesson_1280x720_finished.png"))
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.parametrize("viewer", [PHONE], indirect=True)
def test_a_phone_sees_pause_while_a_lesson_trains(server, viewer):
    page = viewer
    page.goto(f"{server}/?present=1")
    wait_until_idle(page)
    set_speed(page, "2 epochs/s")  # paced: still training when the checks and the click run
    page.get_by_role("button", name="Train", exact=True).click()
    pause = page.get_by_role("button", name="Pause", exact=True)
    sync_api.expect(pause).to_be_visible(timeout=30_000)
    page.wait_for_timeout(500)
    assert_in_first_screen(pause, "Pause", PHONE["height"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lesson_390x844_training.png"))
    pause.click()
    sync_api.expect(page.get_by_text("Training paused at epoch", exact=False)).to_be_visible(timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
