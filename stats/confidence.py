"""The confidence interval of a mean over replications: the one every table reports.

Replications are independent runs on independent random streams, so the mean of a figure
over R of them has a Student-t interval with R - 1 degrees of freedom:
mean +- t_{(1+level)/2, R-1} * s / sqrt(R), s the sample standard deviation. With fewer than
two replications the interval is undefined (NaN).
"""

from __future__ import annotations

import numpy as np
from scipy import special


def half_width(std: np.ndarray | float, count: np.ndarray | int, level: float = 0.95) -> np.ndarray:
    """Half-width of the Student-t ``level`` interval of a mean of ``count`` replications whose
    sample standard deviation is ``std`` (arrays broadcast; NaN where ``count`` < 2)."""
    count = np.asarray(count, dtype=np.float64)
    # scipy.stats.t.ppf's own function (the same doubles), without importing scipy.stats
    t = special.stdtrit(np.maximum(count - 1, 1), 0.5 + level / 2)
    return np.where(count > 1, t * np.asarray(std, dtype=np.float64) / np.sqrt(count), np.nan)


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of ``values``, shape (replications,): the mean and its ``level``
    Student-t interval (NaN bounds with one replication)."""
    values = np.asarray(values, dtype=np.float64)
    mean = float(np.mean(values))
    half = float(half_width(np.std(values, ddof=1) if len(values) > 1 else np.nan, len(values), level))
    return mean, mean - half, mean + half
