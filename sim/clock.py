"""The DES's environment: SimPy's schedule, processed in SimPy's order, at less cost per event.

Every batch of the DES schedules eight events (think, two worker grants, two services, two
releases, the solve), all timeouts in effect: events already succeeded, due a delay from now.
Two things make them cheaper here than ``env.timeout`` on a plain ``simpy.Environment``:

* :meth:`Clock.later` makes such an event, a :class:`Moment`, with just what SimPy reads of
  one (``step``: its callbacks and that it succeeded; a process that yields it: its callbacks
  and value), under ``Environment.schedule``'s key (due time, priority NORMAL, the next event
  id): no ``Timeout`` fields, checks or method calls.
* Events due now with priority NORMAL (half of a batch's: the grants and releases) wait in a
  FIFO line beside the heap instead of in it. Their keys are appended in increasing order
  (the clock never goes back, ids only grow), so the line is sorted, and :meth:`Clock.step`
  takes the smaller of its head and the heap's: the events are processed in exactly the order
  of SimPy's single heap, while each of these skips a push and a pop on a heap of one entry per
  waiting actor (about 100 in the benchmark, 7 levels) for an append and a pop at the ends.

Every event still takes one id from the environment's counter, so event counts are SimPy's,
also for an event that would be the very next one processed and only resume the process
that scheduled it, which may go on at once instead (:meth:`Clock.go_on_now`).
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, Event, EventPriority


class Moment:
    """A succeeded event (value None) due at some time: what :meth:`Clock.later` returns.
    One process at most waits for it, with no other callback after its own."""

    __slots__ = ("callbacks",)
    _ok = True  # read by Environment.step and Process._resume: it never fails
    _value = None  # what a process that yields it receives
    # No __init__: later() sets ``callbacks``, a list, None once processed (a Python frame fewer).


class Clock(simpy.Environment):
    """A ``simpy.Environment`` whose events due now wait in a sorted FIFO line beside the heap."""

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self._due_now: deque[tuple] = deque()

    def later(self, delay_s: float) -> Moment:
        """An event processed ``delay_s`` simulated seconds (>= 0) from now, where
        ``self.timeout(delay_s)`` made now would be: a process may yield it, or a callback be
        appended to its ``callbacks``."""
        moment = Moment()
        moment.callbacks = []
        entry = (self._now + delay_s, NORMAL, next(self._eid), moment)  # Environment.schedule's key
        if delay_s:
            heappush(self._queue, entry)
        else:
            self._due_now.append(entry)
        return moment

    def go_on_now(self) -> bool:
        """Whether an event that the active process schedules now with priority NORMAL would be
        the next one processed, right after this resumption: nothing is due now, the heap's
        head is later, and the process was resumed by a :class:`Moment` (so the event being
        processed has no callback left after the process's). Processing such an event next
        would only resume the process, so when this is true the event's id is taken here and
        the process goes on at once, nothing scheduled: the same run in the same order."""
        queue, process = self._queue, self._active_proc
        if (not self._due_now and (not queue or queue[0][0] > self._now)
                and process is not None and type(process._target) is Moment):
            next(self._eid)
            return True
        return False

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """SimPy's ``schedule``, events due now with priority NORMAL put in the line."""
        entry = (self._now + delay, priority, next(self._eid), event)
        if delay == 0 and priority == NORMAL:
            self._due_now.append(entry)
        else:
            heappush(self._queue, entry)

    def peek(self) -> float:
        """Time of the next event (infinity when none)."""
        heads = [entries[0][0] for entries in (self._queue, self._due_now) if entries]
        return min(heads, default=simpy.core.Infinity)

    def step(self) -> None:
        """Process the next event: SimPy's ``step``, its next entry the smaller of the line's
        head and the heap's."""
        step_lined(self, self._due_now)


def step_lined(env: simpy.Environment, line: deque[tuple]) -> None:
    """``Environment.step`` for an environment whose events wait in its heap and in ``line``
    (keys in increasing order): take the smaller head, run its callbacks, and raise its
    failure if nobody handled it."""
    queue = env._queue
    if line and (not queue or line[0] < queue[0]):  # keys differ: ids are unique
        env._now, _, _, event = line.popleft()
    elif queue:
        env._now, _, _, event = heappop(queue)
    else:
        raise EmptySchedule
    callbacks, event.callbacks = event.callbacks, None
    try:
        for callback in callbacks:
            callback(event)
    except StopSimulation:  # as SimPy: the remaining callbacks run when the run resumes
        event.callbacks = callbacks[callbacks.index(callback) + 1:]
        env.schedule(event, EventPriority(-1))
        raise
    if not event._ok and not hasattr(event, "_defused"):  # a failure nobody handled
        exc = type(event._value)(*event._value.args)
        exc.__cause__ = event._value
        raise exc
