"""`by_name`: a lookup table of entries that carry their own name (activations, settings, presets)."""

from __future__ import annotations

from typing import Protocol, TypeVar


class Named(Protocol):
    name: str


Entry = TypeVar("Entry", bound=Named)


def by_name(*entries: Entry) -> dict[str, Entry]:
    """{entry.name: entry}, in the order given; a name given twice is a mistake."""
    table = {entry.name: entry for entry in entries}
    assert len(table) == len(entries), "two entries share a name"
    return table
