"""The warm-up to discard, found from the data: MSER-5.

MSER-5 (White 1997; White, Cobb & Spratt 2000; Franklin & White 2008): cut the output series
into batches of 5 consecutive observations, Z_1..Z_m their means; for each truncation of the
first d batches the statistic MSER(d) = sum_{j>d} (Z_j - mean(Z_{d+1..m}))^2 / (m - d)^2, the
squared standard error of the truncated mean up to a constant; discard the d that minimises it,
searched over d <= m/2 (past half the run the statistic rewards throwing data away). The run
ships the series a load run has whatever its rates: each legitimate client's time-to-connect
in order of arrival, a lost client at the seconds it waited before giving up (its TTC is
infinite; its waiting time still tracks the congestion it met).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BATCH = 5


def mser5(series: np.ndarray) -> int:
    """How many leading observations of ``series`` (shape (n,), finite) MSER-5 discards: a
    multiple of 5, at most half of the batched run; 0 for fewer than two batches."""
    m = len(series) // BATCH
    if m < 2:
        return 0
    z = np.asarray(series[:m * BATCH], float).reshape(m, BATCH).mean(axis=1)
    # Sums over the tail j >= d of z and z^2, for d = 0..m-1, from the right.
    count = np.arange(m, 0, -1)
    tail, tail_sq = np.cumsum(z[::-1])[::-1], np.cumsum((z * z)[::-1])[::-1]
    squares = tail_sq - tail * tail / count  # sum of (z_j - tail mean)^2 over j >= d
    statistic = squares / count ** 2
    return BATCH * int(np.argmin(statistic[:m // 2 + 1]))


def mser5_warmup_s(clients: pd.DataFrame) -> float:
    """The warm-up (seconds) MSER-5 finds in the legitimate clients' waits (rows of
    :func:`~powsim.load.metrics.clients_frame`): the arrival of the first client kept; 0
    when no client ended."""
    ordered = clients.sort_values("first_s", kind="stable")
    if ordered.empty:
        return 0.0
    waited = (ordered["end_s"] - ordered["first_s"]).to_numpy()
    cut = mser5(waited)
    return float(ordered["first_s"].iloc[cut]) if cut else 0.0

