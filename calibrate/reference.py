"""The legitimate reference: expected cumulative privacy cost as a function of queries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powsim.errors import InputError
from powsim.traces.format import Trace


@dataclass(frozen=True)
class LinearReference:
    """Ordinary least squares fit P = intercept + slope * Q of a legitimate user's curve.

    ``intercept`` is in privacy-cost units (sum of epsilons), ``slope`` in cost per query.
    """

    intercept: float
    slope: float
    r_squared: float

    def expected_cost(self, queries: np.ndarray | float) -> np.ndarray | float:
        """Expected cumulative cost after ``queries`` queries (any shape, same shape back)."""
        return self.intercept + self.slope * np.asarray(queries, dtype=np.float64)


def fit_reference(curve: Trace) -> LinearReference:
    """Fit P = b0 + b1 * Q by ordinary least squares on a legitimate curve trace."""
    if curve.kind != "curve":
        raise InputError(f"{curve.source}: the legitimate reference must be a curve trace, "
                         f"got a {curve.kind} trace")
    return fit_line(curve.data["queries"].to_numpy(dtype=np.float64),
                    curve.data["cost"].to_numpy(dtype=np.float64), curve.source)


def fit_line(queries: np.ndarray, cost: np.ndarray, source: str) -> LinearReference:
    """Fit P = b0 + b1 * Q by ordinary least squares on cumulative ``queries`` and ``cost``
    (1-d arrays of one length, one point per curve row or per batch) read from ``source``."""
    if np.unique(queries).size < 2:
        raise InputError(f"{source}: field 'queries' needs at least two distinct values "
                         "to fit the legitimate reference")
    # scipy.stats.linregress's own arithmetic on numpy (the same doubles, tested): importing
    # scipy.stats costs every simulating process about 0.45 s.
    x_mean, y_mean = np.mean(queries), np.mean(cost)
    ss_x, ss_xy, _, ss_y = np.cov(queries, cost, bias=1).flat
    slope = ss_xy / ss_x
    if ss_x == 0.0 or ss_y == 0.0:
        r = np.nan if ss_xy == 0 else 0.0
    else:
        r = min(max(ss_xy / np.sqrt(ss_x * ss_y), -1.0), 1.0)
    return LinearReference(float(y_mean - slope * x_mean), float(slope), float(r**2))
