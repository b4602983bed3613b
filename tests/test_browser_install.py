"""`aelab serve` from a fresh `pip install .`, run outside the checkout, in a real browser: the page
starts, with the settings of .streamlit/config.toml (its theme here) although no config file is in
the working directory."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import browser, free_port, healthy, launch_server, page, stop_server, sync_api, wait_until_idle
from tests.test_install import installed

__all__ = ["browser", "installed", "page"]  # fixtures, used by name

pytestmark = pytest.mark.browser

PRIMARY = "rgb(67, 56, 202)"  # theme.primaryColor #4338ca in .streamlit/config.toml; Streamlit's own is red


def start_serving(installed: Path, where: Path) -> tuple[subprocess.Popen, str]:
    """`aelab serve` from the fresh venv in `where`, once Streamlit says it is healthy: (process, URL)."""
    port = free_port()
    command = [str(installed / "aelab"), "serve", "--port", str(port), "--address", "127.0.0.1"]
    command += ["--", "--server.fileWatcherType", "none"]  # passed on to `streamlit run`
    return launch_server(command, f"http://127.0.0.1:{port}", where)


@pytest.fixture(scope="module")
def served(installed: Path, tmp_path_factory) -> Iterator[str]:
    """`aelab serve` from the fresh venv, in an empty working directory."""
    process, url = start_serving(installed, tmp_path_factory.mktemp("elsewhere"))
    try:
        yield url
    finally:
        stop_server(process)


def test_aelab_serve_starts_the_page_with_its_config(served, page):
    page.goto(served)
    wait_until_idle(page)
    sync_api.expect(page.get_by_role("heading", name="aelab", exact=True)).to_be_visible()
    train = page.get_by_role("button", name="Train", exact=True)
    assert train.evaluate("button => getComputedStyle(button).backgroundColor") == PRIMARY
    assert page.get_by_test_id("stException").count() == 0


def test_stopping_aelab_serve_stops_the_server(installed: Path, tmp_path):
    """SIGTERM (or Ctrl-C) to `aelab serve` ends Streamlit too: no server is left behind on its port."""
    process, url = start_serving(installed, tmp_path)
    stop_server(process)
    assert process.returncode is not None and not healthy(url)
