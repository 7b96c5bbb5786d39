"""A sweep's tidy table: one row per grid point x agent entry, the mean and confidence
interval of each summary figure over the point's replications."""

from __future__ import annotations

import pandas as pd

from powsim.stats.confidence import half_width, interval
from powsim.stats.metrics import by_column, columns

ENTRY_COLUMNS = ("agent", "kind", "hardware", "members", "accounts")


def figures(runs: pd.DataFrame) -> list[str]:
    """The figures a sweep aggregates: the registered metrics of the runs' kernel
    (:mod:`powsim.stats.metrics`; per-account summaries count ``members``) that they hold."""
    engine = "account" if "members" in runs else "load"
    return [column for column in columns(engine) if column in runs]


def sweep_table(runs: pd.DataFrame, keys: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Aggregate ``runs`` (one row per point x replication x entry: the swept ``keys``,
    ``replication`` and the summary columns) into one row per point x entry.

    Each figure F gets ``F`` (the mean over replications), ``F_ci_low`` and ``F_ci_high``
    (the Student-t ``confidence`` interval of the mean; NaN with one replication);
    ``replications`` counts them. Rows keep the order of the points, then of the entries.
    """
    measured = figures(runs)
    entries = [c for c in ENTRY_COLUMNS if c in runs]
    grouped = runs.groupby([*keys, *entries], sort=False, dropna=False)
    table = grouped[measured].mean()
    count = grouped["replication"].count()
    spread = grouped[measured].std()
    half = pd.DataFrame(half_width(spread.to_numpy(), count.to_numpy()[:, None], confidence),
                        index=spread.index, columns=spread.columns)
    for figure in measured:
        table[f"{figure}_ci_low"] = table[figure] - half[figure]
        table[f"{figure}_ci_high"] = table[figure] + half[figure]
    table["replications"] = count
    return table.reset_index()


def intervals(runs: pd.DataFrame, by: list[str], figures: list[str]) -> pd.DataFrame:
    """The long form: one row per group of ``by`` x figure of ``figures``, its ``mean``,
    ``ci_low`` and ``ci_high`` (Student-t 95 %) over the group's rows (one per replication)."""
    rows = []
    for key, group in runs.groupby(by, sort=False):
        for figure in figures:
            mean, low, high = interval(group[figure].to_numpy())
            rows.append({**dict(zip(by, key)), "figure": figure, "mean": mean, "ci_low": low,
                         "ci_high": high})
    return pd.DataFrame(rows)


def figure_intervals(runs: pd.DataFrame, by: list[str], figures: tuple[str, ...]) -> pd.DataFrame:
    """:func:`intervals` of registered metrics' columns ``figures``, with each one's ``unit``
    (:mod:`powsim.stats.metrics`) after the figure's name."""
    table = intervals(runs, by, list(figures))
    table.insert(len(by) + 1, "unit", [by_column(figure).unit for figure in table["figure"]])
    return table
