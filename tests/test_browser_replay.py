"""The network and the replay in a real browser: shown before any click, drawn live while training,
and played, paused and scrubbed entirely in the browser (the page sends nothing to the server)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

from aelab.config import Config
from aelab.train import train
from tests.test_browser import browser, server, sync_api, wait_until_idle

__all__ = ["browser", "server"]  # fixtures, used by name

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("AELAB_SCREENSHOTS", "/tmp/aelab_screenshots"))
VIEWPORT = {"width": 1280, "height": 720}  # a projector
INKED = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }"""  # pixels drawn on a canvas


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def count_sent(page) -> list:
    """Every websocket message the page sends from now on (Streamlit's back channel: reruns, widget values)."""
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    return sent


def scrubber(page):
    """The replay's own range input (a plain HTML one: Streamlit's sliders render hidden react-aria inputs)."""
    scrub = page.locator("input.aelab-scrub[type=range]").last
    sync_api.expect(scrub).to_be_visible(timeout=20_000)
    assert not (scrub.get_attribute("id") or "").startswith("react-aria")
    return scrub


def frame(page) -> int:
    return int(scrubber(page).input_value())


def test_the_network_is_on_screen_before_any_click(server, page):
    page.goto(f"{server}/?width=8&hidden=3")
    wait_until_idle(page)
    network = page.locator("canvas.net")
    sync_api.expect(network).to_have_count(1)
    sync_api.expect(network).to_be_visible()
    box = network.bounding_box()
    assert box["width"] > 250 and box["height"] > 150, box
    assert box["y"] < VIEWPORT["height"], f"the network starts below the first screen: {box}"
    sync_api.expect(page.get_by_text("initial weights, not trained yet", exact=False)).to_be_visible()
    # Something is drawn: the canvas is not blank.
    inked = network.evaluate(INKED)
    assert inked > 2000
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "replay_before_train.png"))


def test_the_replay_plays_pauses_and_scrubs_without_a_word_to_the_server(server, page):
    sent = count_sent(page)
    page.goto(f"{server}/?width=8&hidden=3&epochs=1000&stop=never")  # every epoch, as train() below
    wait_until_idle(page)
    page.get_by_role("button", name="Train").click()
    # After Train the run plays its own learning: the scrubber moves by itself to the last frame.
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = frame(page)
        seen.add(now)
        if len(seen) > 3 and now == int(scrubber(page).get_attribute("max")):
            break
        time.sleep(0.05)
    last = int(scrubber(page).get_attribute("max"))
    assert len(seen) > 3 and max(seen) == last > 10, seen
    wait_until_idle(page)
    time.sleep(0.5)
    # The browser decodes the reconstructions itself: they are the run's own.
    result = train(Config(width=8, hidden=3, epochs=1000))
    decoded = page.evaluate(f"window.aelabReplay.outputs({last})")
    np.testing.assert_allclose(np.array(decoded, dtype=float), result.outputs, atol=2e-3)

    before = len(sent)
    play = page.locator("button.play")
    play.click()  # again from the start
    sync_api.expect(play).to_have_text(re.compile("Pause"))
    deadline = time.monotonic() + 20
    while not 0 < frame(page) < last and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 0 < frame(page) < last, "playing: between the first and the last frame"
    page.screenshot(path=str(SCREENSHOTS / "replay_mid_play.png"))
    play.click()  # pause
    paused_at = frame(page)
    time.sleep(0.5)
    assert frame(page) == paused_at
    status = page.locator(".aelab-replay .status").last

    # Drag the scrubber with the mouse, from near its end to near its start.
    box = scrubber(page).bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.9, y)
    page.mouse.down()
    assert frame(page) > 0.7 * last
    text = status.inner_text()
    for step in range(21):
        page.mouse.move(box["x"] + box["width"] * (0.9 - step * 0.04), y)
    page.mouse.up()
    assert frame(page) < 0.3 * last
    assert status.inner_text() != text  # the status follows the scrubber
    scrubber(page).focus()
    page.keyboard.press("End")
    assert frame(page) == last
    page.locator("select.pattern").select_option("5")
    # A click on input unit 2 picks pattern 2 (as the menu does).
    net = page.locator("canvas.net").last
    layout = net.evaluate("c => c.layout")
    unit_y = layout["top"] + 2 * (layout["bottom"] - layout["top"]) / 7
    net.click(position={"x": layout["xIn"], "y": unit_y})
    sync_api.expect(page.locator("select.pattern").last).to_have_value("2")
    time.sleep(0.3)
    assert len(sent) == before, f"the replay sent {len(sent) - before} messages to the server"

    # The count is real: a click on the page's own controls does send.
    page.get_by_role("tab", name="Weights").click()
    wait_until_idle(page)
    assert len(sent) > before


def test_the_network_is_drawn_live_while_training(server, page):
    page.goto(f"{server}/?width=64&hidden=6&epochs=100000")
    wait_until_idle(page)
    page.get_by_role("button", name="Train").click()
    live = page.get_by_text(re.compile(r"training: epoch [\d,]+ · loss"))
    sync_api.expect(live.first).to_be_visible(timeout=30_000)
    first = live.first.inner_text()
    sync_api.expect(live.first).not_to_have_text(first, timeout=20_000)  # redrawn as training goes
    page.get_by_role("button", name="Pause").click()
    sync_api.expect(page.get_by_text("Training paused at epoch", exact=False)).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    assert page.get_by_test_id("stException").count() == 0
