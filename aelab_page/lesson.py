"""Share-link flags for teaching: `?present=1` opens the page ready for a lesson on one projector
screen (the sidebar collapsed, a one- or two-line header with the size and the settings that act on
the run, larger text and charts to match); `?hide=optimizer,loss` takes those settings off the
sidebar, so an exercise keeps the link's values for them (the header marks them fixed).

The flags are read once per session, beside the settings (restore_settings_once), and stay in the
share link (mirror_to_url). A bad value is said once, as a warning, and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import streamlit as st

from aelab.active_settings import active_settings, is_active, setting_text
from aelab.charts.fonts import LESSON_SCALE
from aelab.config import PAGE_DEFAULTS, SETTINGS, Config, ConfigError
from aelab.report import markdown_literal

FLAGS = ("present", "hide")  # link keys that are not settings
PRESENT_VALUES = {"1": True, "true": True, "0": False, "false": False}
# Streamlit sizes its text in rem; its main column starts 6rem down, which a projector cannot spare.
PRESENT_TEXT_PX = 20
TABLE_HEADER, TABLE_ROW = 38, 35  # px: st.dataframe's header and row heights at Streamlit's 16 px text
PRESENT_STYLE = (
    f"<style>html {{ font-size: {PRESENT_TEXT_PX}px; }} "
    "[data-testid='stMainBlockContainer'] { padding-top: 3.5rem; padding-bottom: 2rem; } "
    "[data-testid='stMainBlockContainer'] h1 { font-size: 2rem; padding-top: 0; } "
    "[data-testid='stMetricValue'] { font-size: 1.75rem; }</style>"
)
HEADER_LEFT_OUT = ("width", "hidden", "dtype")  # the size leads the header; the float type is no lesson


class Lesson(NamedTuple):
    present: bool = False
    hidden: tuple[str, ...] = ()  # setting names kept off the sidebar


def lesson_from_link(values: Mapping[str, str]) -> tuple[Lesson, list[str]]:
    """The flags in a link's values, and what was wrong with them (each ignored)."""
    problems = []
    present_text = values.get("present", "0")
    present = PRESENT_VALUES.get(present_text.strip().lower())
    if present is None:
        problems.append(f"{ConfigError('present', present_text, '1 or 0')}; ignored")
    names = [name.strip() for name in values.get("hide", "").split(",") if name.strip()]
    unknown = [name for name in names if name not in SETTINGS]
    if unknown:
        allowed = f"setting names, comma-separated: {', '.join(SETTINGS)}"
        problems.append(f"{ConfigError('hide', ','.join(unknown), allowed)}; ignored")
    hidden = tuple(dict.fromkeys(name for name in names if name in SETTINGS))
    return Lesson(bool(present), hidden), problems


def restore_lesson(values: Mapping[str, str]) -> list[str]:
    """On a session's first run: keep the link's flags in session state; returns the problems."""
    lesson, problems = lesson_from_link(values)
    st.session_state.lesson = lesson
    return problems


def current_lesson() -> Lesson:
    return st.session_state.get("lesson", Lesson())


def lesson_link(lesson: Lesson) -> dict[str, str]:
    """The flags as share-link values (none when off)."""
    link = {"present": "1"} if lesson.present else {}
    return link | ({"hide": ",".join(lesson.hidden)} if lesson.hidden else {})


def sidebar_state(values: Mapping[str, str]) -> str:
    """st.set_page_config's initial_sidebar_state for a visit with this link (read before the
    session's flags are kept: the page config comes first)."""
    lesson = st.session_state.get("lesson") or lesson_from_link(values)[0]
    return "collapsed" if lesson.present else "auto"


def text_scale() -> float:
    """The page's text size over Streamlit's own 16 px: PRESENT_STYLE's 20 px in present mode."""
    return PRESENT_TEXT_PX / 16 if current_lesson().present else 1.0


def table_size(rows: int, at_most: int | None = None) -> dict[str, int]:
    """st.dataframe's height and row_height (px) for a header and `rows` rows at the page's text size:
    the whole table, or at most `at_most` px high, so that a long one scrolls."""
    row = round(TABLE_ROW * text_scale())
    height = round(TABLE_HEADER * text_scale()) + row * rows
    return {"height": height if at_most is None else min(height, at_most), "row_height": row}


def chart_scale() -> float:
    """How much larger chart text is drawn (charts.fonts): LESSON_SCALE in present mode, else 1."""
    return LESSON_SCALE if current_lesson().present else 1.0


def lesson_header(config: Config, fixed: tuple[str, ...] = ()) -> str:
    """The present-mode header as Markdown: the size, then every setting that acts on the run
    (aelab.active_settings) except those at the page's default that act on every run, values as code
    spans; a setting the link fixes is always named, and carries a lock."""
    lock = " :material/lock:"
    size = f"**aelab · {config.width}-{config.hidden}-{config.width}** (N = {config.width}, k = {config.hidden})"
    parts = [size + (lock if {"width", "hidden"} & set(fixed) else "")]
    for name in active_settings(config):
        # A projector has room for what differs only: a setting that acts on every run (the optimizer, lr)
        # is left out at its default; one that acts only with another (momentum) is named whenever it acts.
        at_default = getattr(config, name) == getattr(PAGE_DEFAULTS, name) and is_active(name, PAGE_DEFAULTS)
        if name not in HEADER_LEFT_OUT and not (at_default and name not in fixed):
            text = f"{SETTINGS[name].label} {markdown_literal(setting_text(name, config))}"
            parts.append(text + (lock if name in fixed else ""))
    return " · ".join(parts)


def present_ui(config: Config) -> bool:
    """In present mode: larger text, and a short header of the settings that act on this run (which
    takes the introduction's place: a projector has no room for both). Returns whether it is on."""
    lesson = current_lesson()
    if not lesson.present:
        return False
    st.html(PRESENT_STYLE)
    fixed = " :material/lock: fixed by the lesson link." if lesson.hidden else ""
    with st.container(key="lesson_settings"):
        st.markdown(
            lesson_header(config, lesson.hidden),
            help="The settings that act on this run and differ from the page's defaults; those left out are at "
            f"their defaults, off, or belong to another optimizer or backend.{fixed} The sidebar (top left) "
            "changes them.",
        )
    return True
