"""The scenario's load rule on the real gateway: the effort it publishes, from what it saw.

The same rules as the load kernel (:mod:`powsim.difficulty.load_rules`), driven by the
gateway's clock instead of simulated time. The first reading of a finite clock publishes
the rule's effort on an empty window (the kernel's publish at time 0), then every
``update_s`` seconds the window of the period that ended is handed to the rule and a fresh
one opened; an event is filed in the window of its own period (the periods that ended are
closed first). The window's entries are efforts in hashes (2^bits of the request's
challenge) and counts: ``handled`` when labels are served, ``trimmed`` when a verified-tag
request is refused because the queue is full (the kernel's trim; a request that waited too
long is not trimmed, as the kernel does not count expired ones), and ``queued`` the work of
the requests verified but not yet answered (waiting for the model or in it: at most one
request's more than the kernel's queue, which excludes the one in service). ``capacity``
is the scenario's ``[server]``: workers / service_s x update_s requests per period.

A challenge pays the account's charge and the published effort combined by
``[difficulty] combine``: the larger (``max``) or the sum (``sum``) in hashes, as the
kernel's ``_combined``; the gateway turns the combined hashes into whole bits on the
reference client (:class:`~powsim.calibrate.difficulty.Difficulty`). Periods with nothing
in them after the first empty one are skipped, not replayed: an empty window handed to any
registered rule after an empty window leaves its effort where it is (tests check).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from powsim.difficulty.load_rules import Window, make_rule
from powsim.model.load import DifficultyRule


class LoadEffort:
    """``difficulty``'s rule published every ``update_s`` seconds of ``clock`` (seconds; NaN
    while broken: nothing is published or filed) for a server of ``capacity_hz`` requests/s."""

    def __init__(self, difficulty: DifficultyRule, capacity_hz: float,
                 clock: Callable[[], float]) -> None:
        self.difficulty, self.clock = difficulty, clock
        self.rule = make_rule(difficulty.rule, difficulty.min_effort)
        self.capacity = capacity_hz * difficulty.update_s
        self.published = 0.0
        self.queued = 0.0
        self.window = Window(self.capacity)
        self._next_s = math.nan  # when the current period ends (NaN: nothing published yet)
        self._lock = threading.Lock()
        self.effort()

    def _advance(self) -> bool:
        """Close the periods that ended by now (lock held); False while the clock is broken."""
        now = float(self.clock())
        if not math.isfinite(now):
            return False
        update_s = self.difficulty.update_s
        if math.isnan(self._next_s):
            self._publish()
            self._next_s = now + update_s
        empty = 0
        while now >= self._next_s:
            if empty >= 2:  # an empty window after an empty one changes nothing: skip to now
                self._next_s += math.floor((now - self._next_s) / update_s + 1) * update_s
                break
            empty = empty + 1 if not (self.window.handled or self.window.trimmed) else 0
            self._publish()
            self._next_s += update_s
        return True

    def _publish(self) -> None:
        self.window.queued = self.queued
        self.published = self.rule.update(self.window)
        self.window = Window(self.capacity)

    def effort(self) -> float:
        """The published effort now (hashes)."""
        with self._lock:
            self._advance()
            return self.published

    def combined(self, account_hashes: float, load_hashes: float) -> float:
        """The effort (hashes) of a challenge whose account charge is ``account_hashes`` under
        the published ``load_hashes`` (:meth:`effort`)."""
        if self.difficulty.combine == "sum":
            return account_hashes + load_hashes
        return max(account_hashes, load_hashes)

    def enter(self, effort: float) -> None:
        """A verified request of ``effort`` hashes waits for the model."""
        with self._lock:
            self._advance()
            self.queued += effort

    def handled(self, effort: float, served: bool = True) -> None:
        """A request that :meth:`enter` ed leaves: served (``handled``) or given up (not)."""
        with self._lock:
            if self._advance() and served:
                self.window.handled[effort] += 1
            self.queued = max(self.queued - effort, 0.0)

    def trimmed(self, effort: float) -> None:
        """A request of ``effort`` hashes is refused because the queue is full."""
        with self._lock:
            if self._advance():
                self.window.trimmed[effort] += 1
