"""A finished sweep's diagnosis: why the unsolved seeds failed, and which codes the solved ones found."""

from __future__ import annotations

import streamlit as st

from aelab.diagnosis import CAUSES
from aelab.report import LOST_CODE, causes_note, code_groups_note, codes_found, seed_list
from aelab.results import SweepResult
from aelab_page.lesson import table_size

MAX_TABLE_HEIGHT = 300
# the longest cause ("ran out of epochs while still improving") fits whole; its detail takes the rest
FAILURE_COLUMNS = {"why": st.column_config.TextColumn(width=260), "what was seen": st.column_config.TextColumn()}


def failure_columns(result: SweepResult, index: int) -> dict[str, str]:
    """Seed `index`'s cause and detail as columns of the failing-seeds table (blank without a diagnosis)."""
    failure = result.failures[index] if result.diagnosed else None
    if failure is None:
        return {"why": "", "what was seen": ""}
    return {"why": CAUSES[failure.cause].label, "what was seen": failure.detail}


def diagnosis_ui(result: SweepResult) -> None:
    if not result.diagnosed:
        st.caption(
            "Why seeds failed and which codes they found are worked out when a sweep ends or is stopped; "
            "this summary was taken while it ran."
        )
        return
    causes_ui(result)
    codes_ui(result)


def causes_ui(result: SweepResult) -> None:
    by_cause = result.seeds_by_cause()
    if not by_cause:
        return
    st.markdown(f"**Why seeds failed** ({sum(map(len, by_cause.values()))} not solved)")
    st.caption(causes_note())
    rows = [
        {"cause": CAUSES[name].label, "seeds": len(seeds), "what it means": CAUSES[name].meaning,
         "for example": seed_list(seeds)}
        for name, seeds in by_cause.items()
    ]  # fmt: skip
    st.dataframe(rows, hide_index=True)


def codes_ui(result: SweepResult) -> None:
    if result.code_groups:
        st.markdown(f"**Codes found**: {codes_found(result)}")
        st.caption(
            f"The {code_groups_note(result)}. Each code is shown as one string of hidden bits per pattern, "
            "pattern 0 first, with every unit flipped so that pattern 0 reads 0 and the units sorted."
        )
        rows = [
            {"code": " ".join(group.code), "seeds": len(group.seeds), "which": seed_list(group.seeds)}
            for group in result.code_groups
        ]
        st.dataframe(rows, hide_index=True, **table_size(len(rows), MAX_TABLE_HEIGHT))
    lost = result.ungrouped_seeds()
    if lost:
        st.caption(f"Not grouped: {len(lost)} solved seeds {LOST_CODE} (seeds {seed_list(lost)}).")
