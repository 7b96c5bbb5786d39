"""Callbacks at a simulated time on SimPy's clock, at the least cost per event.

The load kernel schedules most of its events as plain callbacks (a solve ending, a deadline,
a worker's service end). A :class:`Call` carries just what ``simpy.Environment.step`` reads of
an event (its callbacks, and that it succeeded), so it costs one small object and one heap
push instead of a ``Timeout``'s checks and fields; it is scheduled with the environment's own
``schedule``, so the time, priority and order of events are SimPy's, as a timeout's would be.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL


class Call:
    """One callback, run by SimPy when its time comes (given this object)."""

    __slots__ = ("callbacks",)
    _ok = True  # read by Environment.step: a call never fails

    def __init__(self, action: Callable[[Call], None]) -> None:
        self.callbacks = [action]


def at(env: simpy.Environment, when_s: float, action: Callable[[Call], None]) -> Call:
    """Call ``action`` at simulated time ``when_s`` (seconds, not before now); the call,
    returned, stands for that moment (a worker tells its current wake-up from an old one)."""
    call = Call(action)
    env.schedule(call, NORMAL, when_s - env.now)  # type: ignore[arg-type]
    return call
