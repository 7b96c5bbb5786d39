"""SimPy's clock with bare callbacks: the load kernel's events at the least cost each.

The load kernel schedules most of its events as plain callbacks (a solve ending, a deadline,
a worker's service end). A :class:`Call` carries just what ``simpy.Environment.step`` reads of
an event (its callbacks, and that it succeeded), so it costs one small object and one heap
entry instead of a ``Timeout``'s checks and fields. :meth:`Clock.at` puts it on the
environment's own queue at an absolute time, with SimPy's priority and insertion order, so it
runs where a timeout made at the same moment for the same time would.

Calls made under :meth:`Clock.gathered` (many at one moment for scattered times: a
publication's arrivals, each submitting when its solve ends) are not pushed on the heap: they
are sorted by that same key into a line beside it, and :meth:`Clock.step` takes the smaller of
the line's head and the heap's, so they run in exactly the heap's order while each skips a
push and a pop on a heap of every pending event.
"""

from __future__ import annotations

import contextlib
import heapq
from collections import deque
from collections.abc import Callable, Iterator
from heapq import heappush

import simpy
from simpy.core import Infinity
from simpy.events import NORMAL

from powsim.sim.clock import step_lined


class Call:
    """One callback, run by SimPy when its time comes (given this object)."""

    __slots__ = ("callbacks",)
    _ok = True  # read by Environment.step: a call never fails

    def __init__(self, action: Callable[[Call], None]) -> None:
        self.callbacks = [action]


class Clock(simpy.Environment):
    """A SimPy environment that also schedules bare callbacks, some in a sorted line."""

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self._line: deque[tuple] = deque()  # gathered calls' keys, sorted
        self._gathering: list[tuple] | None = None

    def at(self, when_s: float, action: Callable[[Call], None]) -> Call:
        """Call ``action`` at simulated time ``when_s`` (seconds, not before now); the call,
        returned, stands for that moment (a worker tells its current wake-up from an old one)."""
        call = Call(action)
        entry = (when_s, NORMAL, next(self._eid), call)  # Environment.schedule's key
        if self._gathering is None:
            heappush(self._queue, entry)
        else:
            self._gathering.append(entry)
        return call

    @contextlib.contextmanager
    def gathered(self) -> Iterator[None]:
        """Put the calls made inside into the sorted line instead of the heap (see the module
        docstring)."""
        self._gathering = []
        try:
            yield
        finally:
            batch, self._gathering = sorted(self._gathering), None  # keys differ: ids are unique
            self._line = deque(heapq.merge(self._line, batch) if self._line else batch)

    def peek(self) -> float:
        """Time of the next event (infinity when none)."""
        heads = [entries[0][0] for entries in (self._queue, self._line) if entries]
        return min(heads, default=Infinity)

    def step(self) -> None:
        """Process the next event: SimPy's ``step``, its next entry the smaller of the line's
        head and the heap's."""
        step_lined(self, self._line)
