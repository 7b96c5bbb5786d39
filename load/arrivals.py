"""A stream's arrivals: when its clients come and on which hardware.

``expected`` mode spaces arrivals evenly at 1 / rate and deals a hardware mix's profiles in
proportion (each client goes to the profile furthest behind its share); ``sampled`` mode
draws Poisson gaps and each client's profile from the stream's own generator. Arrival times
are sums of the gaps in order (as one timeout after another would give). A stream with
``arrivals_s`` replays those times in either mode (no gap is drawn).
"""

from __future__ import annotations

import math

import numpy as np

from powsim.model.load import Stream


class Arrivals:
    """Stream ``stream``'s arrivals up to ``horizon_s`` (seconds), from ``rng`` when
    ``sampled``: ``next_s`` is the next one's time; there is none at or after ``end_s``."""

    __slots__ = ("rng", "sampled", "gap_s", "rates", "shares", "given", "single", "next_s",
                 "end_s", "replay")

    def __init__(self, stream: Stream, rng: np.random.Generator, sampled: bool,
                 horizon_s: float) -> None:
        self.rng, self.sampled = rng, sampled
        self.gap_s = 1 / stream.rate_hz
        self.rates = np.array([h.hash_rate_hz for h, _ in stream.mix] or [stream.hardware.hash_rate_hz])
        self.shares = np.array([share for _, share in stream.mix] or [1.0])
        self.given = np.zeros(len(self.shares))  # clients per profile so far (expected mode)
        self.single = float(self.rates[0]) if len(self.rates) == 1 else None  # no mix
        self.next_s = stream.start_s
        self.end_s = min(stream.end_s, horizon_s)
        self.replay = iter(stream.arrivals_s) if stream.arrivals_s else None
        if self.replay is not None:
            self.next_s = next(self.replay)

    def hash_rate_hz(self) -> float:
        """The hash rate of the arriving client's hardware (its profile dealt or drawn now)."""
        shares = self.shares
        if self.single is not None:
            return self.single
        if self.sampled:
            return float(self.rates[int(self.rng.choice(len(shares), p=shares))])
        profile = int(np.argmax(shares * (self.given.sum() + 1) - self.given))
        self.given[profile] += 1
        return float(self.rates[profile])

    def gap(self) -> float:
        """Seconds to the next arrival (drawn now when sampled, +inf after the last replayed
        one); ``next_s`` moves on by it."""
        if self.replay is not None:
            following = next(self.replay, math.inf)
            gap_s, self.next_s = following - self.next_s, following
            return gap_s
        gap_s = float(self.rng.exponential(self.gap_s)) if self.sampled else self.gap_s
        self.next_s += gap_s
        return gap_s
