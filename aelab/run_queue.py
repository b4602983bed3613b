"""A first-come, first-served line for trainings on one server: at most `slots` long ones run at once,
and small ones have a lane of their own, so that a small click never waits behind long ones.

The page holds one `RunQueue` for the whole server (every visitor's session is a
thread of the same process). A click joins the line and trains once it is at the
front and a slot is free; until then the page shows its place in line. Leaving
(finished, stopped, or the visitor gone) frees the place at once.

Small work (`join(small=True)`) waits in its own line for one of `small_slots` slots, or for a
long slot that is free while no long work waits. Each training stops itself when its CPU-time
allowance is spent (aelab.allowance; the page gives small work a small one), so the wait of small
work is bounded: at most, for each small click ahead of it in its line, that click's allowance of
CPU time (see Budget.allowance_seconds), whatever the long trainings cost.
"""

from __future__ import annotations

import threading


class Ticket:
    """One click's place: waiting, then running, then gone."""

    def __init__(self, small: bool):
        self.small = small
        self.lane: str | None = None  # "long" or "small" once it runs


class RunQueue:
    def __init__(self, slots: int | None, small_slots: int = 1):
        self.slots = slots  # long slots; None: no limit
        self.small_slots = small_slots
        self._waiting: dict[bool, list[Ticket]] = {False: [], True: []}  # small? -> its line, first first
        self._running: set[Ticket] = set()
        self._changed = threading.Condition()

    def join(self, small: bool = False) -> Ticket:
        ticket = Ticket(small)
        with self._changed:
            self._waiting[small].append(ticket)
        return ticket

    def start(self, ticket: Ticket, timeout: float = 0.0) -> bool:
        """Move `ticket` from the line to a slot if it is first and a slot is free, waiting up to
        `timeout` seconds for that; True once it runs."""
        with self._changed:
            return self._changed.wait_for(lambda: self._try_start(ticket), timeout=timeout)

    def _in_lane(self, lane: str) -> int:
        return sum(running.lane == lane for running in self._running)

    def _try_start(self, ticket: Ticket) -> bool:
        if ticket in self._running:
            return True
        line = self._waiting[ticket.small]
        if not line or line[0] is not ticket:
            return False
        long_free = self.slots is None or self._in_lane("long") < self.slots
        if ticket.small and self._in_lane("small") < self.small_slots:
            ticket.lane = "small"
        elif long_free and not (ticket.small and self._waiting[False]):  # small work never overtakes long work
            ticket.lane = "long"
        else:
            return False
        line.pop(0)
        self._running.add(ticket)
        return True

    def place(self, ticket: Ticket) -> int:
        """1 for the first in its line (0 once running)."""
        with self._changed:
            return 0 if ticket in self._running else self._waiting[ticket.small].index(ticket) + 1

    @property
    def running(self) -> int:
        with self._changed:
            return len(self._running)

    def leave(self, ticket: Ticket) -> None:
        with self._changed:
            self._running.discard(ticket)
            if ticket in self._waiting[ticket.small]:
                self._waiting[ticket.small].remove(ticket)
            self._changed.notify_all()
