"""The simulator against the real gateway: the same load, measured and simulated.

For each arrival rate, :func:`~powsim.gateway.client.drive` sends a seeded Poisson stream to
the running gateway and measures throughput (labelled requests per second of the arrival
window), latency p50/p95 (first call to labels) and the connect rate, and
:class:`~powsim.gateway.sharing.Meter` what the client and the gateway used. The load kernel
(:mod:`powsim.load.engine`, sampled mode) then simulates the same stream with what was
measured: one worker (the gateway serialises inference) whose service is exponential with
the mean of the level's shared service time (:func:`~powsim.gateway.sharing.shared_service_s`:
the gateway's CPU seconds per request at the lowest level, slowed by the share of the cores
the client took at this level), the clients' hash rate (expected trials 2^bits over
solve seconds, pooled over every level), the mean account charge of each level (2^bits of
the account's charge: charges grow with ledgers) and the scenario's ``[difficulty]`` rule;
every simulated latency gets a fixed delay, the median time of the two HTTP calls at the
lowest level less the service (round trips, JSON and base64 on both sides: work outside
the one server the kernel queues for).
Real figures get normal-approximation (throughput: Poisson count) or bootstrap (percentiles)
95 % intervals, simulated ones the interval of the replications' mean.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from powsim.errors import InputError

from powsim.gateway.client import Load, drive, summary
from powsim.gateway.sharing import Meter, shared_service_s
from powsim.hashcash.hardware import Hardware
from powsim.model.load import DifficultyRule, LoadScenario, LoadServer, Stream
from powsim.load.engine import LoadRun
from powsim.load.metrics import clients_frame

TAIL_S = 120.0  # simulated seconds after the last arrival, for requests in flight to finish
BOOTSTRAP = 1000
Z95 = 1.959963984540054


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and normal 95 % interval of the mean of ``values``."""
    mean = float(np.mean(values))
    half = Z95 * float(np.std(values, ddof=1)) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return mean, mean - half, mean + half


def real_row(records: pd.DataFrame, duration_s: float, rng: np.random.Generator) -> dict:
    """Measured figures of one level with their 95 % intervals."""
    figures = summary(records, duration_s)
    ok = records.loc[records["outcome"] == "ok", "total_s"].to_numpy()
    row = {"source": "real", "throughput_hz": figures["throughput_hz"],
           "connect_rate": figures["connect_rate"]}
    half = Z95 * math.sqrt(len(ok)) / duration_s
    row.update(throughput_lo=row["throughput_hz"] - half, throughput_hi=row["throughput_hz"] + half)
    for q in (50, 95):
        value = float(np.percentile(ok, q)) if len(ok) else math.nan
        boot = [np.percentile(rng.choice(ok, len(ok)), q) for _ in range(BOOTSTRAP)] if len(ok) else [math.nan]
        row.update({f"latency_p{q}_s": value, f"latency_p{q}_lo": float(np.percentile(boot, 2.5)),
                    f"latency_p{q}_hi": float(np.percentile(boot, 97.5))})
    return row


def simulated_row(rate_hz: float, duration_s: float, service_s: float, hash_rate_hz: float,
                  effort_hashes: float, replications: int, seed: int,
                  difficulty: DifficultyRule = DifficultyRule(), delay_s: float = 0.0) -> dict:
    """The load kernel's figures for the same stream, mean and 95 % interval over replications;
    ``delay_s`` a fixed delay added to every latency (what the kernel has no queue for)."""
    scenario = LoadScenario(
        LoadServer(workers=1, service_s=service_s, service="exponential"), difficulty,
        (Stream("clients", rate_hz, Hardware("measured-client", hash_rate_hz, 0.0, 0.0),
                timeout_s=math.inf, retry="none", end_s=duration_s, account_effort=effort_hashes),),
        (), duration_s + TAIL_S, 0.0)
    runs = []
    for replication in range(replications):
        clients = clients_frame(LoadRun(scenario, "sampled", seed, replication).run())
        done = clients.loc[clients["connected"], "ttc_s"].to_numpy() + delay_s
        runs.append((len(done) / duration_s, np.percentile(done, 50), np.percentile(done, 95),
                     len(done) / len(clients) if len(clients) else math.nan))
    runs = np.array(runs)
    row = {"source": "simulated"}
    for column, name in enumerate(("throughput", "latency_p50", "latency_p95")):
        mean, lo, hi = _interval(runs[:, column])
        key = f"{name}_hz" if name == "throughput" else f"{name}_s"
        row.update({key: mean, f"{name}_lo": lo, f"{name}_hi": hi})
    row["connect_rate"] = float(np.mean(runs[:, 3]))
    return row


def validate(load: Load, rates_hz: list[float], replications: int = 20,
             difficulty: DifficultyRule = DifficultyRule()) -> pd.DataFrame:
    """Real and simulated figures at each rate of ``rates_hz`` (``load`` gives the rest; the
    gateway's scenario's load rule is ``difficulty``), one row per (rate, source), with the
    measured inputs of the simulation as columns."""
    measured, usage = {}, {}
    for i, rate in enumerate(sorted(rates_hz)):
        meter = Meter(load.url)
        measured[rate] = drive(Load(load.url, rate, load.requests, load.duration_s, load.queries,
                                    load.accounts, f"{load.prefix}{i}", load.solvers,
                                    load.timeout_s, load.seed + i))
        usage[rate] = meter.done(int((measured[rate]["outcome"] == "ok").sum()))
    ok = pd.concat(measured.values()).query("outcome == 'ok'")
    free_s = usage[min(measured)].server_cpu_s
    if not math.isfinite(free_s) or free_s <= 0:
        raise InputError(f"{load.url}: the gateway served no request at {min(measured):g}/s (or its "
                         "/metrics has no process_cpu_seconds_total), expected some to measure its "
                         "service from")
    calls = measured[min(measured)].query("outcome == 'ok'")
    delay_s = max(float((calls["challenge_s"] + calls["labels_s"]).median()) - free_s, 0.0)
    hash_rate_hz = float((2.0 ** ok["bits"]).sum() / ok["solve_s"].sum())
    rng = np.random.default_rng(load.seed)
    rows = []
    for rate, records in measured.items():
        effort = float((2.0 ** records.query("outcome == 'ok'")["account_bits"]).mean())
        service_s = shared_service_s(free_s, usage[rate].client_share)
        inputs = {"rate_hz": rate, "service_s": service_s, "client_hash_rate_hz": hash_rate_hz,
                  "effort_hashes": effort, "delay_s": delay_s, "client_cpu_share": usage[rate].client_share,
                  "server_service_s": usage[rate].service_s,
                  "server_cpu_per_request_s": usage[rate].server_cpu_s}
        rows.append({**inputs, **real_row(records, load.duration_s, rng)})
        rows.append({**inputs, **simulated_row(rate, load.duration_s, service_s, hash_rate_hz,
                                               effort, replications, load.seed, difficulty,
                                               delay_s)})
    table = pd.DataFrame(rows)
    real = table[table["source"] == "real"].set_index("rate_hz")
    for name in ("throughput_hz", "latency_p50_s", "latency_p95_s"):
        table[f"{name.rsplit('_', 1)[0]}_error"] = [
            row[name] / real.loc[row["rate_hz"], name] - 1 if row["source"] == "simulated" else math.nan
            for _, row in table.iterrows()]
    return table
