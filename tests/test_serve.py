"""`aelab serve`: what it runs (the installed page script, Streamlit's options passed on) and what it refuses."""

from __future__ import annotations

import sys

from aelab.cli import build_parser
from aelab.cli.serve import page_script, streamlit_command


def test_serve_runs_the_page_script_of_the_package_with_its_config_beside_it():
    script = page_script()
    assert script.name == "app.py" and script.parent.name == "aelab_page" and script.is_file()
    assert "def page()" in script.read_text() and (script.parent / ".streamlit" / "config.toml").is_file()


def test_serve_passes_port_address_and_streamlit_options_on():
    args = build_parser().parse_args(["serve", "--port", "9000", "--", "--server.fileWatcherType", "none"])
    assert streamlit_command(args) == [
        sys.executable, "-m", "streamlit", "run", str(page_script()),
        "--server.port", "9000", "--server.address", "localhost", "--server.fileWatcherType", "none",
    ]  # fmt: skip


def test_a_bad_port_is_refused_in_one_line(cli):
    status, out, err = cli(["serve", "--port", "70000"])
    assert (status, out) == (2, "")
    assert err == "error: port: 70000 is not allowed (a whole number from 1 to 65535)\n"


def test_a_port_that_is_not_a_number_is_a_usage_error(cli):
    status, out, err = cli(["serve", "--port", "eighty"])
    assert (status, out) == (2, "") and "--port" in err and "'eighty'" in err and len(err.splitlines()) == 1


def test_the_packaged_streamlit_config_is_the_checkouts():
    """Community Cloud and `streamlit run app.py` read .streamlit/config.toml; `aelab serve` reads the copy
    beside the installed page script. Edit the first, then: cp .streamlit/config.toml aelab_page/.streamlit/"""
    root = page_script().parents[1]
    assert (root / "aelab_page" / ".streamlit" / "config.toml").read_text() == (
        root / ".streamlit" / "config.toml"
    ).read_text()
