"""The DES's timeouts at the least cost each: SimPy's schedule, a smaller event.

Every batch of the DES schedules eight events (think, two worker grants, two services, two
releases, the solve), all of them timeouts in effect: events that have already succeeded,
due a delay from now. :func:`later` makes such an event with just what SimPy reads of one
(``Environment.step`` its callbacks and that it succeeded; a process that yields it, its
callbacks and value) and puts it on the environment's own queue with ``Environment.schedule``'s
entry (due time, NORMAL priority, the next event id). It is therefore processed exactly where
``env.timeout(delay_s)`` made at the same moment would be, and counts as one event in the same
counter, for about two thirds of the cost (no ``Timeout`` fields, checks or method calls).
"""

from __future__ import annotations

from heapq import heappush

import simpy
from simpy.events import NORMAL


class Moment:
    """A succeeded event (value None) due at some time: what :func:`later` returns."""

    __slots__ = ("callbacks",)
    _ok = True  # read by Environment.step and Process._resume: it never fails
    _value = None  # what a process that yields it receives
    # No __init__: later() sets ``callbacks``, a list, None once processed (a Python frame fewer).


def later(env: simpy.Environment, delay_s: float) -> Moment:
    """An event processed ``delay_s`` simulated seconds (>= 0) from now, as ``env.timeout(delay_s)``:
    a process may yield it, or a callback be appended to its ``callbacks``."""
    moment = Moment()
    moment.callbacks = []
    heappush(env._queue, (env._now + delay_s, NORMAL, next(env._eid), moment))  # as Environment.schedule
    return moment
