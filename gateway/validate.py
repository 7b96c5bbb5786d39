"""The simulator against the real gateway: the same load, measured and simulated.

First a probe: a light stream (:data:`PROBE_RATE_HZ`, or the lowest rate if lower) for
``probe_s`` seconds measures what the model's queue does not explain, each request's seconds
outside it (its two HTTP calls, JSON and base64 on both sides, the verification, pricing:
the request's total less its solve, its wait for the model and its service, both as the
gateway reports them) and the model's service time on a quiet gateway. Then, for each
arrival rate, :func:`~powsim.gateway.client.drive` sends a seeded Poisson stream and
measures throughput (labelled requests per second from the first arrival to the last
labels: the arrival rate below saturation, the service rate above), latency p50/p95
(arrival to labels) and the connect rate, and :class:`~powsim.gateway.sharing.Meter` what
the client and the gateway used.

The load kernel (:mod:`powsim.load.engine`, sampled mode) then simulates the same load, the
level's arrival times replayed (two Poisson draws would blur the comparison: past
saturation they move the backlog by a factor), with one worker (the gateway serialises
inference), the clients' hash rate (2^bits over solve seconds, pooled over every level), the
level's mean account charge (2^bits of the account's charge: charges grow with ledgers) and
the scenario's ``[difficulty]`` rule; each simulated latency gets a probe request's outside
seconds, drawn at random. Two rows per level differ in the service:

* ``simulated``: fixed at the level's mean service time as the gateway reported it (its
  spread, ``service_cv``, is 0.1-0.5): a rate, what a capacity plan would use;
* ``trace-driven``: the level's service times replayed in the order the requests came (Law
  and Kelton's correlated inspection: model and system driven by the same input data), so
  that what remains between it and the real row is the kernel's queue and request path.

The shared-cores model (:func:`~powsim.gateway.sharing.shared_service_s`: the probe's
service slowed by the client's share of the cores) is the service one would predict without
measuring at the level; its figure and error are columns beside the measured one.

Real figures get normal-approximation (throughput: Poisson count) or bootstrap (percentiles)
95 % intervals, simulated ones the interval of the replications' mean.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from powsim.errors import InputError

from powsim.gateway.client import Load, drive
from powsim.gateway.sharing import Meter, Usage, shared_service_s
from powsim.hashcash.hardware import Hardware
from powsim.model.load import DifficultyRule, LoadScenario, LoadServer, Stream
from powsim.load.engine import LoadRun
from powsim.load.metrics import clients_frame

TAIL_S = 120.0  # simulated seconds after the last arrival, for requests in flight to finish
BOOTSTRAP = 1000
Z95 = 1.959963984540054
PROBE_RATE_HZ = 5.0  # the probe's arrivals per second: the model's queue stays empty


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and normal 95 % interval of the mean of ``values``."""
    mean = float(np.mean(values))
    half = Z95 * float(np.std(values, ddof=1)) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return mean, mean - half, mean + half


def busy_throughput_hz(arrivals_s: np.ndarray, done_s: np.ndarray) -> float:
    """Requests served per second from the first arrival to the last completion (``done_s``,
    of the served requests; both in seconds): the arrival rate when the server keeps up, its
    service rate when a backlog builds."""
    if len(done_s) == 0:
        return 0.0
    return len(done_s) / (float(np.max(done_s)) - float(np.min(arrivals_s)))


def real_row(records: pd.DataFrame, rng: np.random.Generator) -> dict:
    """Measured figures of one level with their 95 % intervals."""
    ok = records[records["outcome"] == "ok"]
    latency = ok["total_s"].to_numpy()
    throughput = busy_throughput_hz(records["arrival_s"].to_numpy(), (ok["arrival_s"] + ok["total_s"]).to_numpy())
    half = Z95 * throughput / math.sqrt(len(ok)) if len(ok) else math.nan  # a Poisson count
    row = {"source": "real", "throughput_hz": throughput, "throughput_lo": throughput - half,
           "throughput_hi": throughput + half, "connect_rate": len(ok) / len(records)}
    for q in (50, 95):
        value = float(np.percentile(latency, q)) if len(ok) else math.nan
        boot = [np.percentile(rng.choice(latency, len(latency)), q) for _ in range(BOOTSTRAP)] if len(ok) else [math.nan]
        row.update({f"latency_p{q}_s": value, f"latency_p{q}_lo": float(np.percentile(boot, 2.5)),
                    f"latency_p{q}_hi": float(np.percentile(boot, 97.5))})
    return row


def simulated_row(arrivals_s: np.ndarray, duration_s: float, service_s: float,
                  hash_rate_hz: float, effort_hashes: float, outside_s: np.ndarray,
                  replications: int, seed: int, difficulty: DifficultyRule = DifficultyRule(),
                  service_times_s: tuple[float, ...] = ()) -> dict:
    """The load kernel's figures for the stream arriving at ``arrivals_s`` (s, increasing),
    mean and 95 % interval over replications; every latency gets one of ``outside_s`` (s,
    drawn with replacement: what the kernel has no queue for). The service is fixed at
    ``service_s`` (source 'simulated') or, trace-driven, ``service_times_s`` replayed in order
    (source 'trace-driven')."""
    stream = Stream("clients", len(arrivals_s) / duration_s,
                    Hardware("measured-client", hash_rate_hz, 0.0, 0.0), timeout_s=math.inf,
                    retry="none", end_s=duration_s, account_effort=effort_hashes,
                    arrivals_s=tuple(float(t) for t in arrivals_s))
    server = LoadServer(workers=1, service_s=service_s, service="fixed", service_times_s=service_times_s)
    scenario = LoadScenario(server, difficulty, (stream,), (), duration_s + TAIL_S, 0.0)
    runs = []
    for replication in range(replications):
        clients = clients_frame(LoadRun(scenario, "sampled", seed, replication).run())
        done = clients[clients["connected"]]
        outside = np.random.default_rng([seed, replication]).choice(outside_s, len(done))
        latency = done["ttc_s"].to_numpy() + outside
        runs.append((busy_throughput_hz(clients["first_s"].to_numpy(), done["first_s"].to_numpy() + latency),
                     np.percentile(latency, 50), np.percentile(latency, 95),
                     len(done) / len(clients) if len(clients) else math.nan))
    runs = np.array(runs)
    row = {"source": "trace-driven" if service_times_s else "simulated"}
    for column, name in enumerate(("throughput", "latency_p50", "latency_p95")):
        mean, lo, hi = _interval(runs[:, column])
        key = f"{name}_hz" if name == "throughput" else f"{name}_s"
        row.update({key: mean, f"{name}_lo": lo, f"{name}_hi": hi})
    row["connect_rate"] = float(np.mean(runs[:, 3]))
    return row


def _level(load: Load, rate_hz: float, prefix: str, seed: int, duration_s: float
           ) -> tuple[pd.DataFrame, Usage]:
    """Drive one level and meter it: its records and :class:`~powsim.gateway.sharing.Usage`."""
    meter = Meter(load.url)
    records = drive(Load(load.url, rate_hz, load.requests, duration_s, load.queries, load.accounts,
                         prefix, load.solvers, load.timeout_s, seed))
    return records, meter.done(int((records["outcome"] == "ok").sum()))


def _probe(load: Load, rate_hz: float, probe_s: float) -> tuple[np.ndarray, float]:
    """The probe's seconds outside the model's queue per labelled request, and its mean
    service time (s); refused when it got no labels (or no service time) to measure."""
    records, _ = _level(load, rate_hz, f"{load.prefix}probe", load.seed + 1000, probe_s)
    ok = records[(records["outcome"] == "ok") & np.isfinite(records["service_s"])]
    if ok.empty:
        raise InputError(f"{load.url}: the gateway labelled no request of the probe ({rate_hz:g}/s "
                         f"for {probe_s:g} s) with its service time, expected some to measure from")
    outside = (ok["total_s"] - ok["solve_s"] - ok["wait_s"] - ok["service_s"]).clip(lower=0.0).to_numpy()
    return outside, float(ok["service_s"].mean())


def validate(load: Load, rates_hz: list[float], replications: int = 20,
             difficulty: DifficultyRule = DifficultyRule(), probe_s: float = 10.0) -> pd.DataFrame:
    """Real and simulated figures at each rate of ``rates_hz`` (``load`` gives the rest; the
    gateway's scenario's load rule is ``difficulty``), one row per (rate, source), with the
    measured inputs of the simulation as columns."""
    outside_s, quiet_service_s = _probe(load, min(PROBE_RATE_HZ, min(rates_hz)), probe_s)
    measured = {rate: _level(load, rate, f"{load.prefix}{i}", load.seed + i, load.duration_s)
                for i, rate in enumerate(sorted(rates_hz))}
    ok = pd.concat(records for records, _ in measured.values()).query("outcome == 'ok'")
    hash_rate_hz = float((2.0 ** ok["bits"]).sum() / ok["solve_s"].sum())
    rng = np.random.default_rng(load.seed)
    rows = []
    for rate, (records, usage) in measured.items():
        served = records.query("outcome == 'ok'")
        if served.empty or not np.isfinite(served["service_s"]).any():
            raise InputError(f"{load.url}: the gateway labelled no request at {rate:g}/s with its "
                             "service time, expected some to measure its service from")
        service_s = float(served["service_s"].mean())
        model_s = shared_service_s(quiet_service_s, usage.client_share)
        effort = float((2.0 ** served["account_bits"]).mean())
        inputs = {"rate_hz": rate, "arrivals": len(records), "service_s": service_s,
                  "service_cv": float(served["service_s"].std() / service_s),
                  "service_model_s": model_s, "service_model_error": model_s / service_s - 1,
                  "client_cpu_share": usage.client_share,
                  "server_cpu_per_request_s": usage.server_cpu_s,
                  "outside_p50_s": float(np.median(outside_s)),
                  "outside_p95_s": float(np.percentile(outside_s, 95)),
                  "client_hash_rate_hz": hash_rate_hz, "effort_hashes": effort}
        rows.append({**inputs, **real_row(records, rng)})
        same = (np.sort(records["arrival_s"].to_numpy()), load.duration_s, service_s, hash_rate_hz,
                effort, outside_s, replications, load.seed, difficulty)
        rows.append({**inputs, **simulated_row(*same)})
        order = served.sort_values("arrival_s", kind="stable")["service_s"]  # FIFO: served as they came
        rows.append({**inputs, **simulated_row(*same, tuple(order.fillna(service_s)))})
    table = pd.DataFrame(rows)
    real = table[table["source"] == "real"].set_index("rate_hz")
    for name in ("throughput_hz", "latency_p50_s", "latency_p95_s"):
        table[f"{name.rsplit('_', 1)[0]}_error"] = [
            row[name] / real.loc[row["rate_hz"], name] - 1 if row["source"] != "real" else math.nan
            for _, row in table.iterrows()]
    return table
