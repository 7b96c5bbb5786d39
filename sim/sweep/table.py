"""A sweep's tidy table: one row per grid point x agent entry, the mean and confidence
interval of each summary figure over the point's replications."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

FIGURES = ("queries", "overhead", "overhead_median", "overhead_p95", "overhead_p99",
           "overhead_max", "share_over_2x", "bits_mean", "hashes", "time_pow_s", "dollars",
           "kwh", "hashes_per_member", "time_pow_s_per_member", "dollars_per_member",
           "kwh_per_member")
ENTRY_COLUMNS = ("agent", "kind", "hardware", "members", "accounts")


def sweep_table(runs: pd.DataFrame, keys: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Aggregate ``runs`` (one row per point x replication x entry: the swept ``keys``,
    ``replication`` and the summary columns) into one row per point x entry.

    Each figure F gets ``F`` (the mean over replications), ``F_ci_low`` and ``F_ci_high``
    (the Student-t ``confidence`` interval of the mean; NaN with one replication);
    ``replications`` counts them. Rows keep the order of the points, then of the entries.
    """
    grouped = runs.groupby([*keys, *ENTRY_COLUMNS], sort=False, dropna=False)
    table = grouped[list(FIGURES)].mean()
    count = grouped["replication"].count()
    spread = grouped[list(FIGURES)].std()
    t = np.where(count > 1, stats.t.ppf(0.5 + confidence / 2, np.maximum(count - 1, 1)), np.nan)
    half = spread.mul(t / np.sqrt(count), axis=0)
    for figure in FIGURES:
        table[f"{figure}_ci_low"] = table[figure] - half[figure]
        table[f"{figure}_ci_high"] = table[figure] + half[figure]
    table["replications"] = count
    return table.reset_index()
