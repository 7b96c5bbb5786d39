"""SimPy's clock with bare callbacks: the load kernel's events at the least cost each.

The load kernel schedules most of its events as plain callbacks (a solve ending, a deadline,
a worker's service end). A :class:`Call` carries just what ``simpy.Environment.step`` reads of
an event (its callbacks, and that it succeeded), so it costs one small object and one heap
entry instead of a ``Timeout``'s checks and fields. :meth:`Clock.at` puts it on the
environment's own queue at an absolute time, with SimPy's priority and insertion order, so it
runs where a timeout made at the same moment for the same time would.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush

import simpy
from simpy.events import NORMAL


class Call:
    """One callback, run by SimPy when its time comes (given this object)."""

    __slots__ = ("callbacks",)
    _ok = True  # read by Environment.step: a call never fails

    def __init__(self, action: Callable[[Call], None]) -> None:
        self.callbacks = [action]


class Clock(simpy.Environment):
    """A SimPy environment that also schedules bare callbacks."""

    def at(self, when_s: float, action: Callable[[Call], None]) -> Call:
        """Call ``action`` at simulated time ``when_s`` (seconds, not before now); the call,
        returned, stands for that moment (a worker tells its current wake-up from an old one)."""
        call = Call(action)
        heappush(self._queue, (when_s, NORMAL, next(self._eid), call))  # as Environment.schedule
        return call
