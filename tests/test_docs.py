"""The docs stay true to the code: the generated reference is current and complete, every page is in
the site's nav, and the README stays short."""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path

from aelab.cli import COMMANDS, build_parser
from aelab.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("reference", ROOT / "tools" / "reference.py")
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)


def test_the_reference_page_is_what_the_code_writes_now():
    assert (ROOT / "docs" / "reference.md").read_text() == reference.render(), (
        "docs/reference.md is stale: run `python tools/reference.py`"
    )


def test_the_reference_names_every_setting_and_every_cli_option():
    text = reference.render()
    for name, setting in SETTINGS.items():
        assert f"| `{name}` | `{setting.flag}` |" in text, name
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command in COMMANDS:
        section = text[text.index(f"### aelab {command}\n") :]
        section = section[: section.find("\n### ", 1) if "\n### " in section[1:] else len(section)]
        for action in subparsers.choices[command]._actions:
            if action.option_strings and action.dest != "help":
                assert f"`{action.option_strings[0]}`" in section, (command, action.option_strings[0])


def test_a_missing_setting_fails_the_reference_check(monkeypatch):
    """The check above can fail: a setting the page does not list is caught."""
    monkeypatch.setattr(reference, "SETTINGS", {k: v for k, v in SETTINGS.items() if k != "momentum"})
    assert "| `momentum` |" not in reference.render()
    assert reference.render() != (ROOT / "docs" / "reference.md").read_text()


def nav_pages() -> set[str]:
    return set(re.findall(r":\s*([\w./-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.MULTILINE))


def test_every_docs_page_is_in_the_nav_and_every_nav_entry_exists():
    pages = {path.name for path in (ROOT / "docs").glob("*.md")}
    assert nav_pages() == pages


def test_the_readme_is_short_and_links_only_to_files_that_exist():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (ROOT / target).exists(), target


def test_the_reference_shows_no_empty_or_echoed_choice_labels():
    """A choice's label is shown only where it says more than the value: never "`float32` ()" or "`tanh` (tanh)"."""
    text = reference.render()
    assert "` ()" not in text
    for setting in SETTINGS.values():
        for value in setting.options:
            assert f"`{value}` ({value})" not in text, value
