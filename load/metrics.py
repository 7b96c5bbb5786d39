"""From a load run's record to tables: the per-interval series and the per-group summary.

Time-to-connect (TTC, seconds) runs from a client's first try to its labels, retries
included. A client that gave up (timed out with no retry left, or lost as effort_sim loses
it) never connected: its TTC is +inf, so every TTC figure is over *all* clients. A quantile
q is the TTC by which a share q of the clients had connected (the inverted empirical CDF,
:func:`ttc_quantile`): it reads +inf ("not reached") when more than 1 - q of them are lost.
``connect_rate`` is the share that connected before giving up (within the deadline their
``timeout_s`` and ``max_retries`` set). Figures over a window count the clients that connected
or gave up inside it, as effort_sim counts the clients handled in each tick.

Overheads are ratios of sums over the connected clients, never means of per-client ratios
(a service time drawn from an exponential makes TTC / service heavy-tailed, with no finite
mean): ``overhead_no_queue`` = (sum of service + solve) / sum of service (the paper's kind: PoW
added, queueing left out), ``overhead_with_queue`` = sum of TTC / sum of service. Beside each,
the seconds it adds per request (``added_no_queue_s``: solving; ``added_with_queue_s``: TTC
minus service) and per 1,000 queries (the stream's ``queries`` per request).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from powsim.load.record import CLIENT_FIELDS, COUNTERS, Recorder
from powsim.model.load import ROLES, LoadScenario
from powsim.stats.metrics import with_derived

QUANTILES = {"ttc_p50_s": 0.50, "ttc_p95_s": 0.95, "ttc_p99_s": 0.99}


def clients_frame(record: Recorder) -> pd.DataFrame:
    """One row per recorded request of a followed client, a stream's or a session's
    (:data:`CLIENT_FIELDS`, plus ``ttc_s``: +inf for a request that never connected)."""
    types = {name: np.float64 for name in CLIENT_FIELDS}  # typed even when empty
    types.update(group=np.int64, connected=bool, tries=np.int64)
    frame = pd.DataFrame(record.clients, columns=list(CLIENT_FIELDS)).astype(types)
    ttc_s = (frame["end_s"] - frame["first_s"]).where(frame["connected"], math.inf)
    return frame.assign(ttc_s=ttc_s)


def ttc_quantile(ttc_s: np.ndarray, q: float) -> float:
    """The smallest TTC by which a share ``q`` of all clients had connected (``ttc_s`` shape
    (n,), +inf for the lost): the inverted empirical CDF (Hyndman & Fan type 1), +inf when more
    than 1 - q of them are lost, NaN for no client."""
    if len(ttc_s) == 0:
        return math.nan
    return float(np.quantile(ttc_s, q, method="inverted_cdf"))


def ttc_figures(clients: pd.DataFrame, queries: int = 1) -> dict[str, float]:
    """The TTC, connect-rate and overhead figures of ``clients`` (rows of :func:`clients_frame`)
    asking ``queries`` queries per request (see the module docstring)."""
    ttc = clients["ttc_s"].to_numpy()
    done = clients[clients["connected"]]
    service, solve = done["service_s"].sum(), done["solve_s"].sum()
    figures = {"clients": len(clients), "connected": len(done), "lost": len(clients) - len(done),
               "connect_rate": len(done) / len(clients) if len(clients) else math.nan,
               **{name: ttc_quantile(ttc, q) for name, q in QUANTILES.items()},
               "ttc_mean_s": float(ttc.mean()) if len(ttc) else math.nan,
               "ttc_mean_connected_s": done["ttc_s"].mean(), "tries_mean": done["tries"].mean()}
    added = {"no_queue": solve, "with_queue": done["ttc_s"].sum() - service}
    for name, seconds in added.items():
        figures[f"overhead_{name}"] = (service + seconds) / service if service else math.nan
        per_request = seconds / len(done) if len(done) else math.nan
        figures[f"added_{name}_s"] = per_request
        figures[f"added_{name}_s_per_1000q"] = per_request * 1000 / queries
    return figures


def timeseries(scenario: LoadScenario, record: Recorder) -> pd.DataFrame:
    """One row per interval: its start ``t_s``, the published ``effort`` (hashes) and the
    ``queue`` (requests) at that start, each counter split ``_legit``/``_attacker``, the
    legitimate clients that connected or were lost in the interval, the p50 and p95 TTC of all
    of them (+inf when more than half, or 5 %, were lost) and the mean TTC of the connected."""
    roles = np.array(scenario.roles)
    frame = pd.DataFrame({"t_s": np.arange(record.bins) * record.interval_s,
                          "effort": record.effort, "queue": record.queue})
    counts = record.counts
    for c, counter in enumerate(COUNTERS):
        for kind in ROLES:
            frame[f"{counter}_{kind}"] = counts[c, roles == kind].sum(axis=0)
    clients = clients_frame(record)
    clients = clients[roles[clients["group"].to_numpy()] == "legit"]
    bins = (clients["end_s"] // record.interval_s).clip(upper=record.bins - 1).astype(int)
    ended = clients.groupby(bins)
    frame["connected_legit"] = ended["connected"].sum().reindex(frame.index, fill_value=0)
    lost = (~clients["connected"]).groupby(bins).sum()
    frame["lost_legit"] = lost.reindex(frame.index, fill_value=0)
    for name in ("ttc_p50_s", "ttc_p95_s"):
        frame[name] = ended["ttc_s"].agg(ttc_quantile, q=QUANTILES[name]).reindex(frame.index)
    frame["ttc_mean_connected_s"] = clients[clients["connected"]].groupby(bins)["ttc_s"].mean(
        ).reindex(frame.index)
    return frame


def summary(scenario: LoadScenario, record: Recorder, window: tuple[float, float],
            workers: int) -> pd.DataFrame:
    """One row per agent group over ``window`` (seconds, [start, end), rounded to whole
    intervals): requests by fate, ``goodput_hz`` (handled requests per second), and for streams
    and sessions the :func:`ttc_figures` of the requests that ended in the window (connected
    or gave up). ``utilisation``: the ``workers``' busy share."""
    first = int(window[0] // record.interval_s)
    last = min(math.ceil(window[1] / record.interval_s), record.bins)
    span_s = (last - first) * record.interval_s
    counts = record.counts[:, :, first:last].sum(axis=2)
    clients = clients_frame(record)
    busy = record.busy_s[first:last].sum() / (span_s * workers)
    rows = []
    for group, name in enumerate(scenario.groups):
        row = {"agent": name, "kind": scenario.roles[group],
               **{counter: int(counts[c, group]) for c, counter in enumerate(COUNTERS)},
               "goodput_hz": counts[1, group] / span_s, "hashes": float(record.hashes[group])}
        if group < len(scenario.clients):
            mine = clients[(clients["group"] == group) & (clients["end_s"] >= window[0])
                           & (clients["end_s"] < window[1])]
            row.update(ttc_figures(mine, scenario.clients[group].queries))
        rows.append(row)
    table = pd.DataFrame(rows)
    table["utilisation"] = busy
    return with_derived(table, "load")
