"""Where a worker's service times come from: fixed at the mean, drawn, or replayed."""

from __future__ import annotations

import numpy as np

from powsim.model.load import LoadServer


class ServiceTimes:
    """The service times (seconds) of ``server``'s requests: ``fixed_s`` the mean when every
    request takes it (None otherwise); :meth:`next` the next one, drawn from ``rng``
    (exponential, when ``sampled`` and the server's ``service`` says so) or replayed from the
    server's ``service_times_s`` in order, the mean after the last."""

    __slots__ = ("mean_s", "rng", "replay", "fixed_s")

    def __init__(self, server: LoadServer, rng: np.random.Generator, sampled: bool) -> None:
        self.mean_s = server.service_s
        self.rng = rng if sampled and server.service == "exponential" else None
        self.replay = iter(server.service_times_s) if server.service_times_s else None
        self.fixed_s = self.mean_s if self.rng is None and self.replay is None else None

    def next(self) -> float:
        """The next request's service time (s)."""
        if self.replay is not None:
            return next(self.replay, self.mean_s)
        if self.rng is not None:
            return float(self.rng.exponential(self.mean_s))
        return self.mean_s
