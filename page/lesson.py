"""Share-link flags for teaching: `?present=1` opens the page ready for a lesson (the sidebar
collapsed, the settings shown read-only above the views, larger text); `?hide=optimizer,loss`
takes those settings off the sidebar, so an exercise keeps the link's values for them.

The flags are read once per session, beside the settings (restore_settings_once), and stay in the
share link (mirror_to_url). A bad value is said once, as a warning, and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import streamlit as st

from aelab.config import SETTINGS, Config, ConfigError
from aelab.report import markdown_literal

FLAGS = ("present", "hide")  # link keys that are not settings
PRESENT_VALUES = {"1": True, "true": True, "0": False, "false": False}
PRESENT_STYLE = "<style>html { font-size: 20px; }</style>"  # Streamlit sizes its text in rem


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


def present_ui(config: Config) -> None:
    """In present mode: larger text, and the settings read-only above the views (hidden ones left out)."""
    lesson = current_lesson()
    if not lesson.present:
        return
    st.html(PRESENT_STYLE)
    shown = [name for name in SETTINGS if name not in lesson.hidden and name not in ("device", "dtype")]
    with st.container(border=True, key="lesson_settings"):
        columns = st.columns(4)
        for index, name in enumerate(shown):
            setting, value = SETTINGS[name], getattr(config, name)
            label = setting.options.get(value) or value if setting.kind is str else f"{value:g}"
            columns[index % 4].markdown(f"**{setting.label}:** {markdown_literal(str(label))}")
