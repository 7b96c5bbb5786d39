"""The gateway's clock: wall seconds that never run backwards and fail closed when broken.

Challenges are stamped and checked with the wall clock (seconds since the epoch), which an
operator or NTP can step. :class:`SteadyClock` reads it through a ratchet: a step back
returns the largest time already seen, so a challenge that has expired stays expired (the
step back can only make challenges expire early, never revive one). A reading that is not a
finite number (NaN, infinity) is passed on as NaN: HashCash refuses every solution under it
(``EXPIRED``) and the gateway refuses to issue challenges until the clock is back.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class SteadyClock:
    """``wall()`` (seconds) made non-decreasing; NaN while ``wall`` reads NaN or infinity."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        self._latest = -math.inf

    def __call__(self) -> float:
        now = float(self._wall())
        if not math.isfinite(now):
            return math.nan
        with self._lock:
            self._latest = max(self._latest, now)
            return self._latest
