"""A legitimate client followed request by request through a load run."""

from __future__ import annotations

import math

import numpy as np

from powsim.model.load import Sessions, Stream


class Client:
    """A client followed request by request (a stream's, or a session's member or ring): its
    agent, the account charge and effort of its current request, tries, the entry it waits
    on, and its clocks. A session's client goes on to its next request once connected."""

    __slots__ = ("group", "agent", "hash_rate_hz", "rng", "first_s", "effort", "tries", "entry",
                 "solve_s", "wait_s", "service_s", "request", "charge")

    def __init__(self, group: int, agent: Stream | Sessions, hash_rate_hz: float,
                 rng: np.random.Generator, now: float) -> None:
        self.group, self.agent, self.hash_rate_hz = group, agent, hash_rate_hz
        self.rng, self.request = rng, 0
        self.charge = agent.charges[0] if isinstance(agent, Sessions) else agent.account_effort
        self.start(now)

    def start(self, now: float) -> None:
        """Begin the current request at ``now``: no tries, no work, no waiting yet."""
        self.first_s, self.effort, self.tries, self.entry = now, 0.0, 0, None
        self.solve_s, self.wait_s, self.service_s = 0.0, math.nan, math.nan

    def next_request(self) -> bool:
        """Move to a session's next request (False when it has none left)."""
        charges = getattr(self.agent, "charges", ())
        self.request += 1
        if self.request >= len(charges):
            return False
        self.charge = charges[self.request]
        return True
