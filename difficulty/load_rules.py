"""Load-driven difficulty rules: the effort (hashes) a server publishes from what it saw.

Every ``update_s`` seconds the server hands the rule the :class:`Window` of the period that
ended and publishes the effort it returns; clients read the published suggestion. The rules
are Tor's candidates for onion-service PoW, as tevador's effort_sim.py defines them
(../shared/reference/tor-effort-sim/effort_sim.md), plus ``none``:

* ``none``: always ``min_effort``.
* ``tor-v1``: rise to the median effort of the trimmed requests; else fall to the median
  effort of the handled ones (if lower).
* ``tor-v2``: rise to twice the largest trimmed effort (``min_effort`` at least); else fall
  to the median handled effort.
* ``tor-v3``: the work of every request received (trimmed, handled, still queued) over the
  requests the workers could have served in the period: an estimate of the clients' total
  hash rate per unit of capacity.

v1 and v2 keep 0 until something is trimmed; every rule clamps a non-zero effort up to
``min_effort``. Add a rule: one class with ``update(window) -> float``, one :func:`register`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Protocol

import numpy as np

NO_HANDLED = 99999999.0  # effort_sim's stand-in for the median of no handled request


@dataclass
class Window:
    """What the server saw in one update period: efforts (hashes) -> request counts of the
    ``trimmed`` (cut from a full queue, expired ones included) and ``handled`` requests, the
    total effort still ``queued`` at the update, and the requests the workers could have
    served in the period (``capacity``)."""

    capacity: float
    trimmed: Counter = field(default_factory=Counter)
    handled: Counter = field(default_factory=Counter)
    queued: float = 0.0


def weighted_median(counts: Counter) -> float:
    """The median of efforts repeated by their counts (mean of the middle two when even)."""
    efforts = np.fromiter(counts.keys(), float, len(counts))
    repeats = np.fromiter(counts.values(), np.int64, len(counts))
    return float(np.median(np.repeat(efforts, repeats)))


class Rule(Protocol):
    """A difficulty rule: the effort (hashes) to publish after ``window``."""

    def update(self, window: Window) -> float: ...


RULES: dict[str, type] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: make a rule class available as ``[difficulty] rule = name``."""
    def add(cls: type) -> type:
        RULES[name] = cls
        return cls
    return add


def make_rule(name: str, min_effort: float) -> Rule:
    """A fresh rule ``name`` (state starts at no effort) clamping to ``min_effort`` hashes."""
    return RULES[name](min_effort)


class _Clamped:
    """Shared by every rule: the ``min_effort`` floor of a non-zero effort."""

    def __init__(self, min_effort: float) -> None:
        self.min_effort = min_effort
        self.effort = 0.0

    def clamp(self, effort: float) -> float:
        """``effort``, raised to ``min_effort`` when non-zero and below it."""
        return self.min_effort if 0 < effort < self.min_effort else effort


@register("none")
class NoRule(_Clamped):
    """``none``: the floor, whatever the load."""

    def update(self, window: Window) -> float:
        return self.min_effort


class _RiseOrFall(_Clamped):
    """v1 and v2: rise to ``rise(window)`` when above, else fall to the median handled."""

    def rise(self, window: Window) -> float:
        """The effort to rise to after ``window`` (0: no reason to rise)."""
        raise NotImplementedError

    def update(self, window: Window) -> float:
        target = self.rise(window)
        if self.effort < target:
            self.effort = target
        else:
            handled = weighted_median(window.handled) if window.handled else NO_HANDLED
            self.effort = min(self.effort, handled)
        self.effort = self.clamp(self.effort)
        return self.effort


@register("tor-v1")
class TorV1(_RiseOrFall):
    """``tor-v1``: rise to the median trimmed effort."""

    def rise(self, window: Window) -> float:
        return weighted_median(window.trimmed) if window.trimmed else 0.0


@register("tor-v2")
class TorV2(_RiseOrFall):
    """``tor-v2``: rise to twice the largest trimmed effort."""

    def rise(self, window: Window) -> float:
        if not window.trimmed:
            return 0.0
        largest = max(window.trimmed)
        return self.min_effort if largest < self.min_effort else 2 * largest


@register("tor-v3")
class TorV3(_Clamped):
    """``tor-v3``: all the work received over the period's capacity."""

    def update(self, window: Window) -> float:
        work = sum(e * n for e, n in window.trimmed.items()) + sum(
            e * n for e, n in window.handled.items()) + window.queued
        return max(work / window.capacity, self.min_effort)
