"""A lone worker with a fixed service time, serving a botnet entry's requests in runs that
only the queue's changes cut short.

One worker pops the queue's head at each service end. When the head is a botnet entry (many
identical requests), its next requests start back to back, one every ``service_s``, for as
long as nothing of a higher effort arrives: so the worker plans a run of them and is woken
once, at its end. The entry stays queued meanwhile, and :meth:`SoloWorker.settle` takes off
it the requests started by a given time, so whoever reads or changes the queue (a push and
its trimming, the sampler, the publisher) first sees the queue one request at a time would
leave. A legitimate request of a higher effort pushed during a run is its guest: it takes
the run's next slot (the botnet entry gives up its last one, so the run still ends when
planned) and its own end is an event of its own. Any other push of a higher effort cuts the
run after the request in service; trimming the entry's unstarted requests shortens it. Runs
end before the next sample or publication (they count their requests served at their end)
and before the horizon.

A run's slots start at ``start_s + i * service_s`` instead of the sums of ``service_s`` one
event after another would give, so a start can move by float rounding and a tie with
another event of the same instant can flip.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from powsim.load.queue import EffortQueue, Entry


class SoloWorker:
    """The lone worker: ``served(entry, count, seconds)`` is called when ``count`` requests
    of ``entry`` have been served (at the end of the last), ``expired(entry)`` for a client's
    request met after its client gave up on it, ``at(when_s, action)`` schedules a callback
    (returning its event), ``bound()`` is the next time a run must end before (seconds)."""

    def __init__(self, env, queue: EffortQueue, service_s: float,
                 served: Callable[[Entry, int, float], None], expired: Callable[[Entry], None],
                 at: Callable[[float, Callable[[object], None]], object],
                 bound: Callable[[], float]) -> None:
        self.env, self.queue, self.service_s = env, queue, service_s
        self.served, self.expired, self.at, self.bound = served, expired, at, bound
        self.entry: Entry | None = None  # in service (a run's entry stays queued)
        self.start_s = 0.0  # when its first request started
        self.started = self.planned = 0  # slots started, slots the run will serve
        self.queued = 0  # the run's entry's requests still queued (started or not)
        self.wake: object = None  # the pending wake-up; an older one is left to pass
        self.idle = True  # the queue starts empty
        self.guest: Entry | None = None  # a legitimate request given a slot of the run
        self.guest_slot = 0
        self.guest_end: object = None  # its end's event
        self.guests = 0  # the run's slots given to guests

    def settle(self, now: float) -> None:
        """Take off the queue the run's requests started before ``now`` (a slot starting at
        ``now`` itself comes after: its pop would be an event made after any other of this
        instant, as SimPy orders a one-request-at-a-time worker's)."""
        if self.started < self.planned:
            target = min(self.planned, math.ceil((now - self.start_s) / self.service_s))
            if target > self.started:
                own = target - self.started
                if self.guest is not None and self.guest_slot == self.started:
                    self._start_guest()
                    own -= 1
                if own:
                    self.queue.take(self.entry, own)
                    self.queued -= own
                self.started = target

    def pushed(self, entry: Entry) -> None:
        """``entry`` was just pushed (the queue settled before): wake up, or give it the run's
        next slot, or cut the run short after the request in service if ``entry`` goes first."""
        if self.idle:  # serve at once (a later push of this instant comes after it)
            self.idle = False
            self._next()
        elif self.started < self.planned and entry.effort > self.entry.effort:
            if self.guest is None and entry.client is not None and self.started < self.planned - 1:
                self.guest, self.guest_slot = entry, self.started
                self.guests += 1
                self.guest_end = self.at(self.start_s + (self.started + 1) * self.service_s,
                                         self._guest_done)
            else:
                self._unseat_guest()
                self._replan(self.started)

    def cut(self, entry: Entry, count: int) -> None:
        """``count`` unstarted requests of ``entry`` were trimmed: a run of it ends sooner, a
        guest loses its slot."""
        if self.started >= self.planned:
            return
        if entry is self.entry:
            self.queued -= count
        elif entry is self.guest:
            self._unseat_guest()
        else:
            return
        seated = self.guest is not None and self.guest_slot == self.started
        self._replan(min(self.planned, self.started + seated + self.queued))

    def _start_guest(self) -> None:
        guest = self.guest
        self.queue.take(guest, 1)
        guest.client.entry = None  # type: ignore[union-attr]
        guest.client.wait_s = self.start_s + self.guest_slot * self.service_s - guest.submit_s  # type: ignore[union-attr]

    def _unseat_guest(self) -> None:
        """A guest not started yet loses its slot (and stays queued)."""
        if self.guest is not None and self.guest_slot == self.started:
            self.guest = self.guest_end = None
            self.guests -= 1

    def _guest_done(self, event: object) -> None:
        if event is not self.guest_end:
            return
        self.settle(self.env.now)
        guest, self.guest, self.guest_end = self.guest, None, None
        self.served(guest, 1, self.service_s)

    def _replan(self, planned: int) -> None:
        if planned != self.planned:
            self.planned = planned
            self.wake = self.at(max(self.env.now, self.start_s + planned * self.service_s),
                                self._wake)

    def _wake(self, event: object) -> None:
        if event is not self.wake:
            return
        entry = self.entry
        if entry is not None:
            if self.started < self.planned:
                self.settle(self.env.now)
            self.entry = None
            own = self.planned - self.guests
            self.served(entry, own, own * self.service_s)
        self._next()

    def _next(self) -> None:
        """Pop the next request (or plan a run of the head entry's), or go idle."""
        queue, now, service_s = self.queue, self.env.now, self.service_s
        while True:
            entry = queue.head(now)
            if entry is None:
                self.idle, self.wake = True, None
                return
            client, count = entry.client, entry.count
            queue.take(entry, 1)
            if client is None:
                fit = int(min((entry.deadline_s - now) / service_s, count)) + 1  # starts by it
                room = max(1, math.ceil((self.bound() - now) / service_s) - 1)
                planned, self.queued = min(count, fit, room), count - 1
                break
            if client.entry is entry:
                client.entry, client.wait_s = None, now - entry.submit_s
                planned, self.queued = 1, 0
                break
            self.expired(entry)  # its client gave up on it
        self.entry, self.start_s, self.started, self.planned = entry, now, 1, planned
        self.guests = 0
        self.wake = self.at(now + planned * service_s, self._wake)
