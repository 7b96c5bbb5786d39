"""Legitimate requests' deadlines, kept per agent group with one pending timer.

An agent group's requests all wait the same ``timeout_s``, so their deadlines come in
submission order: a FIFO of the requests still in force and one SimPy timeout for the
earliest of them stand for one timeout per request. Most requests are served long before
their deadline; the timer skips those (a request is in force while its client still waits
on that entry), so a served request costs no event at all. The deadline of a request in
force fires at its own instant, as a timeout of its own would; only its place among other
events of that same instant can differ (its event is made later).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from powsim.load.queue import Entry


class Deadlines:
    """The deadlines of one agent group's requests: ``expire(entry)`` is called at each
    ``entry.deadline_s`` whose client still waits on ``entry`` then; ``at(when_s, action)``
    schedules a callback in simulated time (the engine's)."""

    __slots__ = ("pending", "armed", "expire", "at")

    def __init__(self, expire: Callable[[Entry], None],
                 at: Callable[[float, Callable[[object], None]], None]) -> None:
        self.pending: deque[Entry] = deque()
        self.armed = False
        self.expire, self.at = expire, at

    def add(self, entry: Entry) -> None:
        """Follow ``entry`` (submitted now, so its deadline is the group's latest)."""
        self.pending.append(entry)
        if not self.armed:
            self.armed = True
            self.at(entry.deadline_s, self._fire)

    def _fire(self, _event: object) -> None:
        pending = self.pending
        entry = pending.popleft()
        if entry.client.entry is entry:  # type: ignore[union-attr]
            self.expire(entry)
        while pending and pending[0].client.entry is not pending[0]:  # served or retried
            pending.popleft()
        if pending:
            self.at(pending[0].deadline_s, self._fire)
        else:
            self.armed = False
