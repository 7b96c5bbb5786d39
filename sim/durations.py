"""Random durations other than solve times: think times, arrivals, exponential service.

One rule for every mode: ``expected`` replaces a random duration by its mean, ``sampled``
draws it (exponentially, from the agent's own stream).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Durations:
    """Draws durations: exponential with the given mean when ``sampled``, else the mean."""

    sampled: bool

    def draw(self, mean_s: float, rng: np.random.Generator) -> float:
        """A duration in seconds with mean ``mean_s`` (0 stays 0 and draws nothing)."""
        if not self.sampled or mean_s == 0:
            return mean_s
        # numpy's exponential(mean_s) is mean_s x standard_exponential(), the same double: one call fewer
        return mean_s * rng.standard_exponential()
