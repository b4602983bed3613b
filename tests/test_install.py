"""`pip install .` into a fresh venv, then the `aelab` console script from outside the checkout.

The venv reuses this interpreter's installed packages (a .pth file naming its site-packages) and
pip runs with --no-index --no-build-isolation, so nothing is downloaded: the test checks the
package (its metadata, its package list, its data files, its console script), not the network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNTRACKED = (".git", ".venv", ".venv-docs", "build", "site", "*.egg-info", "__pycache__", ".*_cache")


def run(command: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with aelab installed from the checkout: its bin/ folder."""
    venv = tmp_path_factory.mktemp("venv")
    made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv)
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], venv).stdout.strip()
    )
    (purelib / "reuse_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    source = tmp_path_factory.mktemp("checkout") / "aelab"  # setuptools builds in the tree: not in ours
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*UNTRACKED))
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--no-build-isolation"]
    installing = run([*pip, "--quiet", str(source)], cwd=venv)
    assert installing.returncode == 0, installing.stdout + installing.stderr
    return python.parent


@pytest.fixture
def outside(tmp_path) -> Path:
    """A working directory with no checkout in it, so only the installed package can be imported."""
    return tmp_path


def test_the_installed_package_is_imported_not_the_checkout(installed, outside):
    where = run(
        [str(installed / "python"), "-c", "import aelab, aelab_page; print(aelab.__file__, aelab_page.__file__)"],
        outside,
    )
    assert where.returncode == 0, where.stderr
    for path in where.stdout.split():
        assert Path(path).is_relative_to(installed.parent), path


def test_aelab_help_lists_every_command(installed, outside):
    from aelab.cli import COMMANDS

    helped = run([str(installed / "aelab"), "--help"], outside)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: aelab ")
    for name in COMMANDS:
        assert name in helped.stdout


def test_aelab_train_json_runs_from_the_installed_package(installed, outside):
    trained = run([str(installed / "aelab"), "train", "--json", "--epochs", "5"], outside)
    assert trained.returncode == 0, trained.stderr
    result = json.loads(trained.stdout)
    assert result["config"]["epochs"] == 5 and result["history"]["epoch"][-1] == 5


def test_the_page_and_its_files_are_installed(installed, outside):
    """What `aelab serve` runs: the page script, its Streamlit config and the replay's assets."""
    found = run(
        [str(installed / "python"), "-c", "from aelab.cli.serve import page_script; print(page_script())"], outside
    )
    assert found.returncode == 0, found.stderr
    script = Path(found.stdout.strip())
    assert script.is_relative_to(installed.parent) and script.name == "app.py"
    assert (script.parent / ".streamlit" / "config.toml").read_text() == (
        ROOT / ".streamlit" / "config.toml"
    ).read_text()
    assert {path.name for path in (script.parent / "replay_assets").iterdir()} >= {"replay.js", "replay.css"}


def test_every_data_file_of_the_packages_is_installed(installed, outside):
    """Package data is a glob: a data file added under aelab/ or aelab_page/ (the digits, the replay's
    assets, the page's config) is installed without naming it in pyproject.toml."""
    found = run([str(installed / "python"), "-c", "import aelab; print(aelab.__file__)"], outside)
    site = Path(found.stdout.strip()).parents[1]
    for package in ("aelab", "aelab_page"):
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and path.suffix != ".pyc" and "__pycache__" not in path.parts:
                assert (site / path.relative_to(ROOT)).is_file(), path.relative_to(ROOT)
