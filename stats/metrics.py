"""The metric registry: every figure a summary reports that a sweep aggregates, an SLO names
or a table prints, with its unit, its meaning and the kernels that compute it.

A metric is computed by its kernel's summary (:func:`powsim.sim.summary.summarize`,
:func:`powsim.load.metrics.summary`) into the column ``column``; this registry is what the
rest reads: the SLO grammar (``GROUP.NAME OP VALUE``, :func:`metric`), capacity and its chart
(:func:`describe`), and the sweep's aggregated figures (:func:`columns`). A metric that is a
function of other summary figures is one entry here with its ``derive`` function (added to
both kernels' summaries by :func:`with_derived`: one file to touch); a metric that needs the
kernel's raw events is its column in that kernel's summary plus its entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from powsim.errors import ParameterError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ENGINES = ("account", "load")


@dataclass(frozen=True)
class Metric:
    """``name`` (as an SLO names it) of summary column ``column`` in ``unit``, computed by the
    ``engines`` ('account': per-account kernel, 'load': load kernel); ``followed`` metrics
    exist only for agents whose requests are followed one by one (the load kernel's streams
    and sessions, not botnets); ``derive``, when given, computes the column from a summary's
    other columns (:class:`SummaryColumns`, one value per agent entry) as an array of the same
    length."""

    name: str
    column: str
    unit: str
    description: str
    engines: tuple[str, ...]
    followed: bool = False
    derive: Callable[[SummaryColumns], np.ndarray] | None = None


METRICS: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    """Make ``metric`` nameable in SLOs and aggregated by sweeps."""
    METRICS[metric.name] = metric
    return metric


def metric(name: str, engine: str) -> Metric:
    """The metric ``name`` of ``engine``'s summaries; :class:`ParameterError` naming ``slo``
    with the engine's metrics otherwise."""
    found = METRICS.get(name)
    if found is None or engine not in found.engines:
        names = ", ".join(m.name for m in METRICS.values() if engine in m.engines)
        raise ParameterError(f"{{slo}}: metric {name!r}, expected one of {names} (the "
                             f"{engine} kernel's)")
    return found


def columns(engine: str) -> list[str]:
    """The summary columns of ``engine`` that sweeps average over replications (each once)."""
    return list(dict.fromkeys(m.column for m in METRICS.values() if engine in m.engines))


def derived_columns(engine: str) -> list[str]:
    """The columns of ``engine``'s derived metrics (:func:`with_derived`), in order."""
    return list(dict.fromkeys(m.column for m in METRICS.values() if m.derive and engine in m.engines))


class SummaryColumns(dict):
    """A summary's columns as numpy arrays (one value per agent entry), each read from the
    frame on first use: what a derived metric computes from (numpy's arithmetic on a handful
    of rows costs microseconds where pandas' costs tens)."""

    def __init__(self, summary: pd.DataFrame) -> None:
        super().__init__()
        self.summary = summary

    def __missing__(self, column: str) -> np.ndarray:
        self[column] = values = self.summary[column].to_numpy()
        return values


def with_derived(summary: pd.DataFrame, engine: str) -> pd.DataFrame:
    """``summary`` (one row per agent entry of an ``engine`` kernel's run) with the column of
    every derived metric of ``engine`` appended, in the registry's order."""
    import numpy as np
    import pandas as pd

    derive = {m.column: m.derive for m in METRICS.values() if m.derive and engine in m.engines}
    if not derive:
        return summary
    columns = SummaryColumns(summary)
    with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is inf, 0 / 0 NaN, as in pandas
        derived = pd.DataFrame({column: f(columns) for column, f in derive.items()}, index=summary.index)
    return pd.concat([summary, derived], axis=1)


def _answered(columns: SummaryColumns) -> np.ndarray:
    """The entries' queries answered, NaN where none was (no per-query figure)."""
    import numpy as np

    queries = columns["queries"].astype(np.float64)
    return np.where(queries > 0, queries, np.nan)


def by_column(column: str) -> Metric | None:
    """The metric whose summary column is ``column`` (None if none is)."""
    return next((m for m in METRICS.values() if m.column == column), None)


def describe(column: str) -> str:
    """What ``column`` measures and its unit, for a chart's axis: ``95th percentile
    time-to-connect, the lost never connecting (s)``; the column itself if unknown."""
    found = by_column(column)
    return f"{found.description} ({found.unit})" if found else column


_ACCOUNT, _LOAD, _BOTH = ("account",), ("load",), ENGINES
for _metric in (
    # Per-account kernel: what members pay, per agent entry.
    Metric("queries", "queries", "queries", "queries answered", _ACCOUNT),
    Metric("overhead", "overhead", "ratio", "time with PoW over time without, all members pooled", _ACCOUNT),
    Metric("overhead_median", "overhead_median", "ratio", "members' median overhead", _ACCOUNT),
    Metric("overhead_p95", "overhead_p95", "ratio", "members' 95th percentile overhead", _ACCOUNT),
    Metric("overhead_p99", "overhead_p99", "ratio", "members' 99th percentile overhead", _ACCOUNT),
    Metric("overhead_max", "overhead_max", "ratio", "largest member overhead", _ACCOUNT),
    Metric("share_over_2x", "share_over_2x", "share", "members paying over 2x", _ACCOUNT),
    Metric("queue_mean", "queue_mean_s", "s", "mean wait of a batch for a worker", _ACCOUNT),
    Metric("queue_p95", "queue_p95_s", "s", "95th percentile wait of a batch for a worker", _ACCOUNT),
    Metric("bits_mean", "bits_mean", "bits", "mean puzzle difficulty", _ACCOUNT),
    Metric("hashes", "hashes", "hashes", "expected trials paid", _BOTH),
    Metric("time_pow_s", "time_pow_s", "s", "members' time with PoW, summed", _ACCOUNT),
    Metric("dollars", "dollars", "USD", "hashing and fees, all members", _ACCOUNT),
    Metric("kwh", "kwh", "kWh", "energy of the hashing, all members", _ACCOUNT),
    *(Metric(f"{total}_per_member", f"{total}_per_member", unit, f"{meaning} per member", _ACCOUNT,
             derive=lambda columns, total=total: columns[total] / columns["members"])
      for total, unit, meaning in (("hashes", "hashes", "hashes"),
                                   ("time_pow_s", "s", "time with PoW"),
                                   ("dollars", "USD", "dollars"), ("kwh", "kWh", "energy"))),
    Metric("added_s_per_member", "added_s_per_member", "s", "seconds of PoW added per member",
           _ACCOUNT, derive=lambda columns: (columns["time_pow_s"] - columns["time_s"])
           / columns["members"]),
    Metric("added_s_per_1000q", "added_s_per_1000q", "s", "seconds of PoW added per 1,000 queries",
           _ACCOUNT, derive=lambda columns: 1000 * (columns["time_pow_s"] - columns["time_s"])
           / _answered(columns)),
    Metric("hashes_per_query", "hashes_per_query", "hashes", "hashes paid per query", _ACCOUNT,
           derive=lambda columns: columns["hashes"] / _answered(columns)),
    Metric("dollars_per_query", "dollars_per_query", "USD", "US$ per query (hashing and fees)",
           _ACCOUNT, derive=lambda columns: columns["dollars"] / _answered(columns)),
    # Load kernel: requests by fate, per agent group over the steady-state window.
    Metric("arrivals", "arrivals", "requests", "requests submitted", _LOAD),
    Metric("handled", "handled", "requests", "requests served", _LOAD),
    Metric("trimmed", "trimmed", "requests", "requests cut from a full queue", _LOAD),
    Metric("timed_out", "timed_out", "requests", "requests expired before service", _LOAD),
    Metric("goodput", "goodput_hz", "requests/s", "requests served per second", _LOAD),
    Metric("connect_rate", "connect_rate", "share", "clients connected before giving up", _LOAD, True),
    Metric("success_ratio", "connect_rate", "share", "connect_rate's former name", _LOAD, True),
    Metric("ttc_p50", "ttc_p50_s", "s", "median time-to-connect, the lost never connecting",
           _LOAD, True),
    Metric("ttc_p95", "ttc_p95_s", "s", "95th percentile time-to-connect, the lost never connecting",
           _LOAD, True),
    Metric("ttc_p99", "ttc_p99_s", "s", "99th percentile time-to-connect, the lost never connecting",
           _LOAD, True),
    Metric("ttc_mean", "ttc_mean_s", "s", "mean time-to-connect of all clients (inf: one is lost)",
           _LOAD, True),
    Metric("ttc_mean_connected", "ttc_mean_connected_s", "s", "mean time-to-connect of the connected",
           _LOAD, True),
    Metric("clients", "clients", "clients", "clients that connected or gave up", _LOAD, True),
    Metric("connected", "connected", "clients", "clients that connected", _LOAD, True),
    Metric("lost", "lost", "clients", "clients that gave up", _LOAD, True),
    Metric("tries_mean", "tries_mean", "tries", "submissions per connected client", _LOAD, True),
    Metric("overhead_no_queue", "overhead_no_queue", "ratio",
           "(service + solve) over service, sums over connected clients", _LOAD, True),
    Metric("overhead_with_queue", "overhead_with_queue", "ratio",
           "time-to-connect over service, sums over connected clients", _LOAD, True),
    Metric("added_no_queue", "added_no_queue_s", "s", "solving seconds added per request", _LOAD, True),
    Metric("added_with_queue", "added_with_queue_s", "s", "seconds added per request, queue included",
           _LOAD, True),
    Metric("added_no_queue_per_1000q", "added_no_queue_s_per_1000q", "s",
           "solving seconds added per 1,000 queries", _LOAD, True),
    Metric("added_with_queue_per_1000q", "added_with_queue_s_per_1000q", "s",
           "seconds added per 1,000 queries, queue included", _LOAD, True),
    Metric("utilisation", "utilisation", "share", "workers' busy share", _LOAD),
):
    register_metric(_metric)
