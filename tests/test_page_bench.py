"""The page's literature bench under Streamlit's AppTest: run one entry, every entry, and see the table."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from aelab.bench import BENCH

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def loaded_page() -> AppTest:
    page = AppTest.from_file(APP, default_timeout=120)
    page.run()
    assert not page.exception, page.exception
    return page


def markdown_text(page: AppTest) -> str:
    return "\n".join(element.value for element in page.markdown)


def test_the_bench_runs_one_entry_and_shows_the_published_figure_beside_aelabs():
    page = loaded_page()
    assert any("Run bench" in info.value for info in page.info)
    page.selectbox(key="bench_only").set_value("snns-quickprop").run()
    page.number_input(key="bench_seeds").set_value(5).run()
    page.button(key="bench").click().run()
    assert not page.exception, page.exception
    results = page.session_state["bench_results"]
    assert [result.entry.name for result in results] == ["snns-quickprop"]
    assert results[0].seeds == [0, 1, 2, 3, 4] and results[0].success_rate == 1.0
    row = next(line for line in markdown_text(page).splitlines() if line.startswith("| snns-quickprop |"))
    median = results[0].statistic("median")
    assert "| 75 |" in row and f"| {median:g} |" in row
    assert page.status[-1].proto.label.startswith("Ran 1 bench entries")


def test_every_entry_runs_from_the_page():
    page = loaded_page()
    page.number_input(key="bench_seeds").set_value(2).run()
    page.button(key="bench").click().run()
    assert not page.exception, page.exception
    assert [result.entry.name for result in page.session_state["bench_results"]] == list(BENCH)
    text = markdown_text(page)
    assert all(f"| {name} |" in text for name in BENCH)
    assert not page.warning  # nothing was stopped
