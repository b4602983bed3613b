"""The README stays true: CI runs the test command it gives, and its figures come from the tools."""

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


def test_readme_has_no_placeholders_left():
    text = (ROOT / "README.md").read_text()
    for placeholder in ("SPEED_TABLE", "RECIPE_TABLE", "PRESET_TABLE", "TODO"):
        assert placeholder not in text
