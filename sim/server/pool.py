"""A pool of identical workers that schedules exactly the events of ``simpy.Resource``, cheaper.

The DES's server holds each batch on an inference worker and a cost worker. ``simpy.Resource``
does so with a request event, a release event and generic put/get queues that it rescans on
every trigger; profiled, that machinery cost more than the model's own logic. This pool keeps
its protocol event for event, so the simulation's schedule (and every output) is the same:

* :meth:`WorkerPool.request` returns an event; a worker is granted (the event succeeds, i.e.
  is scheduled now) at once when one is free and the waiting line is empty, else the
  request joins the line (FIFO);
* :meth:`WorkerPool.release` frees the worker at once and schedules a release event; when
  that event is processed, the head of the line is granted if a worker is free.

Like ``simpy.Resource``, each trigger (a request, a processed release) grants at most the
head of the line. A grant, or a release with nobody in line, whose event would be the next
one processed is taken at once (:meth:`Clock.go_on_now`: its id drawn, nothing scheduled).
Counts are workers (``capacity`` >= 1).
"""

from __future__ import annotations

from collections import deque

import simpy

from powsim.sim.clock import Clock, Moment


class WorkerPool:
    """``capacity`` workers on ``env``; ``busy`` of them granted, ``waiting`` requests in line."""

    __slots__ = ("env", "capacity", "busy", "waiting")

    def __init__(self, env: Clock, capacity: int) -> None:
        self.env, self.capacity, self.busy = env, capacity, 0
        self.waiting: deque[simpy.Event] = deque()

    def request(self) -> simpy.Event | Moment | None:
        """An event that succeeds when a worker is granted to the caller, or None when the
        worker is granted now and that event would be the next processed (:meth:`Clock.go_on_now`):
        the caller goes on at once, the event's id taken."""
        if not self.waiting and self.busy < self.capacity:  # granted now: the head at once
            self.busy += 1
            if self.env.go_on_now():
                return None
            return self.env.later(0)  # an event succeeded now, as succeed() schedules it
        turn = simpy.Event(self.env)
        self.waiting.append(turn)
        self._grant_head()
        return turn

    def release(self) -> None:
        """Give back a granted worker; the line moves when the release event is processed.
        With nobody in line and that event the next processed (:meth:`Clock.go_on_now`), it
        would grant nobody: its id is taken and nothing scheduled, provided that the caller,
        before it next yields, neither requests from this pool nor starts or interrupts a
        process (the server's ``answer`` never does)."""
        self.busy -= 1
        if not self.waiting and self.env.go_on_now():
            return
        self.env.later(0).callbacks.append(self._grant_head)

    def _grant_head(self, _event: simpy.Event | None = None) -> None:
        if self.waiting and self.busy < self.capacity:
            self.busy += 1
            self.waiting.popleft().succeed()
