"""From a load run's record to tables: the per-interval series and the per-group summary.

Time-to-connect (TTC, seconds) runs from a client's first try to its labels, retries
included. Figures over a window count the clients that connected (or gave up) inside it, as
effort_sim counts the clients handled in each tick. Overheads of a connected client, both
relative to its service seconds: ``overhead_no_queue`` = (service + solve) / service (the
paper's kind: PoW added, queueing left out), ``overhead_with_queue`` = TTC / service.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from powsim.model.load import ROLES, LoadScenario
from powsim.load.record import CLIENT_FIELDS, COUNTERS, Recorder

def clients_frame(record: Recorder) -> pd.DataFrame:
    """One row per recorded request of a followed client, a stream's or a session's
    (:data:`CLIENT_FIELDS`, plus ``ttc_s``)."""
    types = {name: np.float64 for name in CLIENT_FIELDS}  # typed even when empty
    types.update(group=np.int64, connected=bool, tries=np.int64)
    frame = pd.DataFrame(record.clients, columns=list(CLIENT_FIELDS)).astype(types)
    return frame.assign(ttc_s=(frame["end_s"] - frame["first_s"]).where(frame["connected"]))


def timeseries(scenario: LoadScenario, record: Recorder) -> pd.DataFrame:
    """One row per interval: its start ``t_s``, the published ``effort`` (hashes) and the
    ``queue`` (requests) at that start, each counter split ``_legit``/``_attacker``, and the
    mean and 95th percentile TTC of the legitimate clients connected in the interval."""
    roles = np.array(scenario.roles)
    frame = pd.DataFrame({"t_s": np.arange(record.bins) * record.interval_s,
                          "effort": record.effort, "queue": record.queue})
    counts = record.counts
    for c, counter in enumerate(COUNTERS):
        for kind in ROLES:
            frame[f"{counter}_{kind}"] = counts[c, roles == kind].sum(axis=0)
    clients = clients_frame(record)
    clients = clients[clients["connected"] & (roles[clients["group"].to_numpy()] == "legit")]
    bins = (clients["end_s"] // record.interval_s).clip(upper=record.bins - 1).astype(int)
    ttc = clients.groupby(bins)["ttc_s"]
    frame["connected_legit"] = ttc.size().reindex(frame.index, fill_value=0)
    frame["ttc_mean_s"] = ttc.mean().reindex(frame.index)
    frame["ttc_p95_s"] = ttc.quantile(0.95).reindex(frame.index)
    return frame


def summary(scenario: LoadScenario, record: Recorder, window: tuple[float, float],
            workers: int) -> pd.DataFrame:
    """One row per agent group over ``window`` (seconds, [start, end), rounded to whole
    intervals): requests by fate, ``goodput_hz`` (handled requests per second), and for streams
    the clients that ended in the window (connected or gave up), their ``success_ratio``, TTC
    mean/p95/p99 of the connected and overheads. ``utilisation``: the ``workers``' busy share."""
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
            done = mine[mine["connected"]]
            row.update(clients=len(mine), connected=len(done),
                       success_ratio=len(done) / len(mine) if len(mine) else np.nan,
                       ttc_mean_s=done["ttc_s"].mean(), ttc_p95_s=done["ttc_s"].quantile(0.95),
                       ttc_p99_s=done["ttc_s"].quantile(0.99), tries_mean=done["tries"].mean(),
                       overhead_no_queue=((done["service_s"] + done["solve_s"]) / done["service_s"]).mean(),
                       overhead_with_queue=(done["ttc_s"] / done["service_s"]).mean())
        rows.append(row)
    table = pd.DataFrame(rows)
    table["utilisation"] = busy
    return table
