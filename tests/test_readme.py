"""The README and the docs stay true: CI runs the README's test command, and no placeholder for a
figure made by the tools is left in them (the figures themselves live in docs/)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    return [line.strip() for line in lines if line.startswith("python3 -m venv")]


def test_ci_runs_the_readme_test_command_verbatim():
    test_commands = [command for command in readme_commands() if "pytest" in command]
    assert len(test_commands) == 1
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_commands[0] in ci_lines


def test_readme_run_command_installs_the_requirements_and_starts_the_page():
    run_commands = [command for command in readme_commands() if "streamlit run app.py" in command]
    assert len(run_commands) == 1 and "requirements.txt" in run_commands[0]


def test_readme_and_docs_have_no_placeholders_left():
    for path in [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        for placeholder in ("SPEED_TABLE", "RECIPE_TABLE", "PRESET_TABLE", "TODO"):
            assert placeholder not in text, (path.name, placeholder)


def test_the_development_page_gives_the_same_test_command():
    test_commands = [command for command in readme_commands() if "pytest" in command]
    assert test_commands[0] in (ROOT / "docs" / "development.md").read_text()
