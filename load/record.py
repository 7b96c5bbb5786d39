"""What a load run records: counters per agent group and interval, worker busy time, the
published effort and queue length at each interval's start, and every legitimate client's fate.

Counters (requests, not clients): ``arrivals`` (submitted to the server), ``handled``
(served), ``trimmed`` (cut from a full queue), ``timed_out`` (expired before service:
dropped when met, or cut first from a full queue).
"""

from __future__ import annotations

import math

import numpy as np

COUNTERS = ("arrivals", "handled", "trimmed", "timed_out")
ARRIVALS, HANDLED, TRIMMED, TIMED_OUT = range(len(COUNTERS))
CLIENT_FIELDS = ("group", "first_s", "end_s", "connected", "tries", "solve_s", "wait_s", "service_s")


class Recorder:
    """Counts for ``groups`` agent groups over ``duration_s`` in bins of ``interval_s``."""

    def __init__(self, groups: int, duration_s: float, interval_s: float) -> None:
        self.interval_s = interval_s
        self.bins = max(1, math.ceil(duration_s / interval_s))
        # Plain lists while running (an increment is several times cheaper than numpy's);
        # :attr:`counts` and :attr:`busy_s` give arrays.
        self.tallies = [[[0] * self.bins for _ in range(groups)] for _ in COUNTERS]
        self.busy = [0.0] * self.bins  # worker-seconds of service ended in each bin
        self.hashes = [0.0] * groups  # work submitted by each group, hashes
        self.effort = np.zeros(self.bins)  # published effort at each bin's start, hashes
        self.queue = np.zeros(self.bins, np.int64)  # requests waiting at each bin's start
        self.clients: list[tuple] = []  # CLIENT_FIELDS of each connected or failed client

    @property
    def counts(self) -> np.ndarray:
        """Requests per counter, group and interval, shape (counters, groups, bins)."""
        return np.array(self.tallies, np.int64)

    @property
    def busy_s(self) -> np.ndarray:
        """Worker-seconds of service ended in each interval, shape (bins,)."""
        return np.array(self.busy)

    def bin(self, now: float) -> int:
        """The interval holding time ``now`` (the last one for the horizon itself)."""
        return min(int(now / self.interval_s), self.bins - 1)

    def count(self, counter: int, group: int, n: int, now: float) -> None:
        """Add ``n`` requests of ``group`` to ``counter`` at time ``now``."""
        self.tallies[counter][group][min(int(now / self.interval_s), self.bins - 1)] += n

    def client(self, group: int, first_s: float, end_s: float, connected: bool, tries: int,
               solve_s: float, wait_s: float, service_s: float) -> None:
        """A legitimate client's end at ``end_s``: ``connected`` (labels out) or gave up, after
        ``tries`` submissions, ``solve_s`` seconds solving, ``wait_s`` queued before its last
        service of ``service_s`` seconds (NaN when never served)."""
        self.clients.append((group, first_s, end_s, connected, tries, solve_s, wait_s, service_s))
