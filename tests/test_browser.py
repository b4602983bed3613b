"""The page in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run`.

Skips (saying why) where Chromium is missing, unless AELAB_REQUIRE_BROWSER=1,
which CI sets so that this test can never be skipped there silently.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we may run as root
    "--disable-dev-shm-usage",
    "--disable-gpu",
    # no internet here: stop Chromium retrying its own connections
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser

if CHROMIUM is None:
    reason = "Chromium is not installed (apt-get install -y chromium)"
    if os.environ.get("AELAB_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"AELAB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason, allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    environment: dict[str, str] | None = None, launch: Sequence[str] = ("-m", "streamlit")
) -> tuple[subprocess.Popen, str]:
    """A real `streamlit run app.py` on a free localhost port, once healthy: the process and its URL.
    `environment` is added to this one's; `launch` is how Python starts Streamlit (a `-c` script may
    patch the library first)."""
    port = free_port()
    options = [
        "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    return launch_server([sys.executable, *launch, *options], f"http://127.0.0.1:{port}", ROOT, environment)


def launch_server(
    command: Sequence[str], url: str, cwd: Path, environment: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start `command`, a Streamlit server for `url`, in `cwd`; once healthy: the process and its URL."""
    # Its output goes to a file, not a pipe (which a long test would fill, blocking the server); the
    # server keeps writing to it once this handle is closed.
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=os.environ | (environment or {}),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                stop_server(process)
                output.seek(0)
                pytest.fail(f"streamlit did not become healthy:\n{output.read()}")
            time.sleep(0.25)
        return process, url


def healthy(url: str) -> bool:
    """Whether a Streamlit server answers at `url`."""
    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A real `streamlit run app.py` on a free localhost port, until the module's tests end."""
    process, url = start_server()
    try:
        yield url
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def wait_until_idle(page, timeout_ms: int = 60_000) -> None:
    """Streamlit's own e2e recipe: connected, script not running, no skeletons left."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout_ms)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    sync_api.expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)


def set_number(page, label: str, value: int, setting: str) -> None:
    """Type a number into a sidebar field; done once the server has it (the share link in the URL shows it)."""
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    page.wait_for_url(re.compile(rf"[?&]{setting}={value}(&|$)"), timeout=30_000)
    wait_until_idle(page)


def expect_rendered_charts(page, tab_name: str) -> None:
    """Open a tab; each chart in it has drawn its marks (an SVG or canvas with real size)."""
    page.get_by_role("tab", name=tab_name).click()
    panel = page.get_by_role("tabpanel", name=tab_name)
    charts = panel.get_by_test_id("stVegaLiteChart")
    sync_api.expect(charts.first).to_be_visible(timeout=20_000)
    assert charts.count() >= 1, tab_name
    for index in range(charts.count()):
        drawing = charts.nth(index).locator("canvas, svg").first
        sync_api.expect(drawing).to_be_visible(timeout=20_000)
        box = drawing.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 30, f"{tab_name}: chart {index} is {box}"


def test_a_new_user_trains_a_16_4_16_and_sees_every_view(server, page):
    page.goto(f"{server}/?stop=never")  # every epoch, so that the status names them all
    wait_until_idle(page)
    set_number(page, "Input width N", 16, "width")
    set_number(page, "Bottleneck k", 4, "hidden")
    set_number(page, "Epochs", 600, "epochs")

    page.get_by_role("button", name="Train").click()
    sync_api.expect(page.get_by_text("Trained 600 epochs")).to_be_visible(timeout=60_000)
    wait_until_idle(page)

    sync_api.expect(page.get_by_text("numpy 16-4-16", exact=False).first).to_be_visible()
    for tab_name in ("Training curves", "Reconstructions", "Hidden code", "Weights"):
        expect_rendered_charts(page, tab_name)
    assert page.get_by_test_id("stException").count() == 0


def test_a_share_link_opens_with_its_settings(server, page):
    page.goto(f"{server}/?width=32&hidden=5&activation=tanh&loss=mse&lr=0.02&epochs=300&seed=9")
    wait_until_idle(page)
    sync_api.expect(page.get_by_label("Input width N", exact=True)).to_have_value("32")
    sync_api.expect(page.get_by_label("Bottleneck k", exact=True)).to_have_value("5")
    sync_api.expect(page.get_by_label("Epochs", exact=True)).to_have_value("300")
    sync_api.expect(page.get_by_label("Seed", exact=True)).to_have_value("9")
    sidebar = page.get_by_test_id("stSidebar")
    sync_api.expect(sidebar.get_by_role("combobox", name="Hidden activation")).to_have_value("tanh")
    sync_api.expect(sidebar.get_by_role("radio", name="MSE")).to_be_checked()
    learning_rate = sidebar.get_by_role("group", name="Learning rate (log scale)")
    sync_api.expect(learning_rate.get_by_text("0.02", exact=True)).to_be_visible()
    assert page.get_by_test_id("stAlertContentWarning").count() == 0
    assert page.get_by_test_id("stException").count() == 0


def test_a_bad_share_link_warns_and_still_works(server, page):
    page.goto(f"{server}/?width=huge&hidden=4")
    wait_until_idle(page)
    sync_api.expect(page.get_by_text("Input width N (width): 'huge' is not allowed", exact=False)).to_be_visible()
    sync_api.expect(page.get_by_label("Input width N", exact=True)).to_have_value("8")
    assert page.get_by_test_id("stException").count() == 0


def test_pause_keeps_the_run_so_far(server, page):
    """A long run shows live progress; Pause ends it and the views show what was trained."""
    page.goto(f"{server}/?width=64&hidden=6&epochs=100000")
    wait_until_idle(page)
    page.get_by_role("button", name="Train").click()
    # wait for a live update (the first comes after PROGRESS_INTERVAL), so there is a run to keep
    sync_api.expect(page.get_by_text(re.compile(r"epoch [\d,]+ of 100,000"))).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    sync_api.expect(page.get_by_text("Training paused at epoch", exact=False)).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    expect_rendered_charts(page, "Training curves")
    assert page.get_by_test_id("stException").count() == 0


def test_switching_views_during_training_does_not_stop_it(server, page):
    """The views are a fragment: opening another tab while a run trains waits for the run instead of ending it."""
    page.goto(f"{server}/?width=16&hidden=4&epochs=300&stop=never")
    wait_until_idle(page)
    page.get_by_role("button", name="Train").click()  # a first run, so that there are views to switch between
    sync_api.expect(page.get_by_text("Trained 300 epochs")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    set_number(page, "Epochs", 60000, "epochs")
    page.get_by_role("button", name="Train").click()
    sync_api.expect(page.get_by_text(re.compile(r"epoch [\d,]+ of 60,000"))).to_be_visible(timeout=20_000)
    page.get_by_role("tab", name="Weights").click()
    sync_api.expect(page.get_by_text("Trained 60,000 epochs")).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    assert page.get_by_text("Training paused").count() == 0
    expect_rendered_charts(page, "Weights")


def test_a_64_6_64_preset_sweep_shows_progress_and_stops(server, page):
    """The preset menu sets the 64-6-64 recipe; its 100-seed sweep streams progress, and Stop keeps it so far."""
    page.goto(server)
    wait_until_idle(page)
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Preset").click()
    page.get_by_role("option", name="Tight 64-6-64").click()
    page.wait_for_url(re.compile(r"[?&]width=64(&|$)"), timeout=30_000)
    wait_until_idle(page)
    sync_api.expect(page.get_by_text("Recipe:", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Run sweep").click()
    sync_api.expect(page.get_by_text(re.compile(r"of 100 seeds solved"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Stop", exact=True).click()
    sync_api.expect(page.get_by_text(re.compile(r"stopped early: seeds not yet solved"))).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    assert page.get_by_test_id("stException").count() == 0


def probe_verdict(page) -> str:
    return page.get_by_text(re.compile(r"40-20-40 reads this as")).first.inner_text()


def probe_slider(page, label: str):
    return page.get_by_test_id("stSlider").filter(has_text=label).locator("input[type=range]")


def slider_value(page, label: str) -> float:
    return float(probe_slider(page, label).input_value())


@pytest.mark.parametrize("size", ["4-2-4", "8-3-8"])
def test_the_probe_follows_its_controls_and_a_click_on_the_plane(server, page, size, tmp_path):
    width, hidden, _ = size.split("-")
    link = f"width={width}&hidden={hidden}&loss=bce&optimizer=adam&lr=0.1&init_scale=1.0&epochs=400&stop=never"
    page.goto(f"{server}/?{link}")
    wait_until_idle(page)
    page.get_by_role("button", name="Train").click()
    sync_api.expect(page.get_by_text("Trained 400 epochs")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    expect_rendered_charts(page, "Probe")
    before = (probe_verdict(page), slider_value(page, "h0"))
    probe_slider(page, "h0").press("Home")  # h0 to its lowest
    wait_until_idle(page)
    sync_api.expect(probe_slider(page, "h0")).to_have_value("-1")
    assert (probe_verdict(page), slider_value(page, "h0")) != before
    if hidden == "2":  # a click on the plane moves the probe there
        plane = page.get_by_role("tabpanel", name="Probe").get_by_test_id("stVegaLiteChart").nth(1)
        plane.scroll_into_view_if_needed()
        drawing = plane.locator("canvas, svg").first  # Vega redraws the plane (with the moved probe) after the rerun
        sync_api.expect(drawing).to_be_visible(timeout=20_000)
        box = drawing.bounding_box()
        h0, h1 = slider_value(page, "h0"), slider_value(page, "h1")
        page.mouse.click(box["x"] + 0.55 * box["width"], box["y"] + 0.3 * box["height"])  # the legend is on the right
        deadline = time.monotonic() + 20
        while (slider_value(page, "h0"), slider_value(page, "h1")) == (h0, h1) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        wait_until_idle(page)
        # the click was right of centre and above it: the probe moved there
        assert slider_value(page, "h0") > 0 and slider_value(page, "h1") > 0
    page.get_by_role("tabpanel", name="Probe").screenshot(path=str(tmp_path / f"probe-{size}.png"))
    assert page.get_by_test_id("stException").count() == 0
