"""A first-come, first-served line for trainings on one server: at most `slots` run at once.

The page holds one `RunQueue` for the whole server (every visitor's session is a
thread of the same process). A click joins the line and trains once it is at the
front and a slot is free; until then the page shows its place in line. Leaving
(finished, stopped, or the visitor gone) frees the place at once.
"""

from __future__ import annotations

import threading


class Ticket:
    """One click's place: waiting, then running, then gone."""


class RunQueue:
    def __init__(self, slots: int | None):
        self.slots = slots  # None: no limit
        self._waiting: list[Ticket] = []
        self._running: set[Ticket] = set()
        self._changed = threading.Condition()

    def join(self) -> Ticket:
        ticket = Ticket()
        with self._changed:
            self._waiting.append(ticket)
        return ticket

    def start(self, ticket: Ticket, timeout: float = 0.0) -> bool:
        """Move `ticket` from the line to a slot if it is first and a slot is free, waiting up to
        `timeout` seconds for that; True once it runs."""
        with self._changed:
            return self._changed.wait_for(lambda: self._try_start(ticket), timeout=timeout)

    def _try_start(self, ticket: Ticket) -> bool:
        if ticket in self._running:
            return True
        free = self.slots is None or len(self._running) < self.slots
        if free and self._waiting and self._waiting[0] is ticket:
            self._waiting.pop(0)
            self._running.add(ticket)
            return True
        return False

    def place(self, ticket: Ticket) -> int:
        """1 for the first in line (0 once running)."""
        with self._changed:
            return 0 if ticket in self._running else self._waiting.index(ticket) + 1

    @property
    def running(self) -> int:
        with self._changed:
            return len(self._running)

    def leave(self, ticket: Ticket) -> None:
        with self._changed:
            self._running.discard(ticket)
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            self._changed.notify_all()
