"""The service queue: requests ordered by effort (highest first), bounded, with deadlines.

An :class:`Entry` is ``count`` identical requests (a botnet's submissions of one tick share
one entry; a legitimate client's request is an entry of one), so a flood of millions of
requests costs a few entries per second. Entries of equal effort keep arrival order (FIFO).

Trimming, when more than ``capacity`` requests wait: expired requests go first (as effort_sim
ranks them below any live one), then the newest requests of the lowest effort. Requests whose
deadline has passed are never served: :meth:`EffortQueue.pop` drops them when it meets them.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable


class Entry:
    """``count`` requests of agent group ``group`` with ``effort`` hashes each, submitted at
    ``submit_s``, expiring after ``deadline_s``; ``client`` the legitimate client waiting on
    it (None for a botnet's)."""

    __slots__ = ("effort", "count", "group", "submit_s", "deadline_s", "client")

    def __init__(self, effort: float, count: int, group: int, submit_s: float, deadline_s: float,
                 client: object = None) -> None:
        self.effort, self.count, self.group = effort, count, group
        self.submit_s, self.deadline_s, self.client = submit_s, deadline_s, client


# Called for each loss with (entry, how many of its requests, why): 'trimmed' (cut from a full
# queue), 'trimmed-expired' (expired, cut first from a full queue) or 'expired' (met by pop).
Drop = Callable[[Entry, int, str], None]


class EffortQueue:
    """Entries by effort level: ``levels[effort]`` is a FIFO deque, ``efforts`` the sorted
    levels present; ``size`` requests wait in all, ``work`` their total effort (hashes)."""

    def __init__(self, capacity: int | None, drop: Drop) -> None:
        self.capacity, self.drop = capacity, drop
        self.levels: dict[float, deque[Entry]] = {}
        self.efforts: list[float] = []
        self.size = 0
        self.work = 0.0
        # No level's head expires before this (a lower bound: pops only make heads younger,
        # since deadlines grow along a level), so trimming skips the search for expired heads.
        self.next_expiry = math.inf

    def push(self, entry: Entry, now: float) -> None:
        """Add ``entry`` and trim to capacity."""
        level = self.levels.get(entry.effort)
        if level is None:
            level = self.levels[entry.effort] = deque()
            bisect.insort(self.efforts, entry.effort)
        level.append(entry)
        self.next_expiry = min(self.next_expiry, entry.deadline_s)
        self.size += entry.count
        self.work += entry.effort * entry.count
        if self.capacity is not None and self.size > self.capacity:
            self._trim(now)

    def head(self, now: float) -> Entry | None:
        """The entry of the highest effort that has not expired (first in its level), left
        in place; expired heads met on the way are dropped. None when nothing live waits."""
        while self.efforts:
            effort = self.efforts[-1]
            level = self.levels[effort]
            head = level[0]
            if head.deadline_s < now:
                self._remove(level, effort, head, head.count)
                self.drop(head, head.count, "expired")
                continue
            return head
        return None

    def take(self, entry: Entry, count: int) -> None:
        """Take ``count`` of the requests of ``entry``, a level's head, off the queue."""
        self._remove(self.levels[entry.effort], entry.effort, entry, count)

    def pop(self, now: float, most: int = 1, service_s: float = 0.0) -> Entry | None:
        """The first request of the highest effort that has not expired, as an entry of one
        (the botnet's entry shrinks by one), or None when nothing live waits. With ``most`` > 1
        the entry returned holds up to ``most`` requests of that same head entry, served back
        to back for ``service_s`` each, as long as the last still starts before its deadline."""
        head = self.head(now)
        if head is None or head.count == 1:
            if head is not None:
                self.take(head, 1)
            return head
        if most > 1:
            fit = int((head.deadline_s - now) / service_s) + 1 if service_s > 0 else most
            most = min(most, head.count, fit)
        if most == head.count:
            self.take(head, most)
            return head
        head.count -= most
        self.size -= most
        self.work -= head.effort * most
        return Entry(head.effort, most, head.group, head.submit_s, head.deadline_s)

    def _remove(self, level: deque, effort: float, entry: Entry, count: int) -> None:
        """Take ``count`` requests of ``entry`` (its level's head or tail) off the books; remove
        the entry when all are gone and the level when it empties."""
        self.size -= count
        self.work -= effort * count
        if count == entry.count:
            if level[0] is entry:
                level.popleft()
            else:
                level.pop()
            if not level:
                del self.levels[effort]
                self.efforts.pop(bisect.bisect_left(self.efforts, effort))
        else:
            entry.count -= count

    def _trim(self, now: float) -> None:
        excess = self.size - self.capacity
        if now > self.next_expiry:  # expired first: oldest of each level, lowest first
            for effort in list(self.efforts):
                level = self.levels[effort]
                while excess > 0 and level and level[0].deadline_s < now:
                    head = level[0]
                    take = min(head.count, excess)
                    self._remove(level, effort, head, take)
                    self.drop(head, take, "trimmed-expired")
                    excess -= take
            self.next_expiry = min((level[0].deadline_s for level in self.levels.values()),
                                   default=math.inf)
        while excess > 0:  # then the newest of the lowest effort
            effort = self.efforts[0]
            level = self.levels[effort]
            tail = level[-1]
            take = min(tail.count, excess)
            self._remove(level, effort, tail, take)
            self.drop(tail, take, "trimmed")
            excess -= take
