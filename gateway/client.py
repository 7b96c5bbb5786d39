"""A load driver for a running gateway: open Poisson arrivals of clients that each ask a
challenge, solve it with the multi-core solver and redeem it for labels.

Arrivals are a Poisson stream of ``rate_hz`` (seeded), bounded by ``requests`` and
``duration_s`` (no arrival after it; requests in flight finish, each within ``timeout_s`` per
call). Accounts are used round robin. The clients share this machine's cores: solves run one
at a time on the :class:`~powsim.hashcash.solver.Solver`'s threads (this machine is one
client device), while the HTTP calls of different requests overlap. Images are seeded
uniform noise (uint8, 28 x 28), the same for a given seed. Loopback or any URL the caller
gives; nothing else is contacted.

One :class:`Record` per request; :func:`summary` gives throughput, latency percentiles and
the connect rate (share of requests that got their labels; the others count as not reached).
"""

from __future__ import annotations

import base64
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from powsim.errors import InputError
from powsim.hashcash.solver import Solver


@dataclass(frozen=True)
class Load:
    """What to send: ``rate_hz`` arrivals per second for at most ``requests`` requests and
    ``duration_s`` seconds, ``queries`` images each, over ``accounts`` accounts named
    ``PREFIX-i``; ``solvers`` solver threads; ``seed`` fixes arrivals and images."""

    url: str
    rate_hz: float
    requests: int
    duration_s: float
    queries: int = 16
    accounts: int = 10
    prefix: str = "load"
    solvers: int = 1
    timeout_s: float = 60.0
    seed: int = 0


@dataclass(frozen=True)
class Record:
    """One request: when it arrived (s from the start), its account and bits, the seconds of
    each step (challenge call, solve, labels call) and in all (from its arrival: a wait for
    one of the driver's 64 calling threads included), ``outcome`` ('ok' or the
    gateway's refusal reason, or 'error: ...' for a failed call), ``account_bits`` the
    account's charge alone (bits is it combined with the load rule's effort; -1: no challenge)
    and, as the gateway reports them (NaN without labels), ``service_s`` the model's seconds
    on the batch and ``wait_s`` the seconds it waited for the model."""

    arrival_s: float
    account: str
    bits: int
    challenge_s: float
    solve_s: float
    labels_s: float
    total_s: float
    outcome: str
    account_bits: int = -1
    service_s: float = math.nan
    wait_s: float = math.nan


def arrivals(load: Load) -> np.ndarray:
    """Arrival times (s, increasing), a Poisson stream of ``load.rate_hz`` within the bounds."""
    rng = np.random.default_rng(load.seed)
    times = np.cumsum(rng.exponential(1.0 / load.rate_hz, load.requests))
    return times[times <= load.duration_s]


def drive(load: Load) -> pd.DataFrame:
    """Run ``load`` against the gateway; one row per request (the :class:`Record` fields)."""
    import httpx

    if load.rate_hz <= 0 or load.requests < 1 or load.duration_s <= 0:
        raise InputError(f"load: rate_hz {load.rate_hz}, requests {load.requests}, duration_s "
                         f"{load.duration_s}: expected positive values")
    times = arrivals(load)
    pixels = np.random.default_rng([load.seed, 1]).integers(0, 256, (load.queries, 28, 28), dtype=np.uint8)
    images = {"dtype": "uint8", "shape": [load.queries, 28, 28],
              "data": base64.b64encode(pixels.tobytes()).decode()}
    solving = threading.Lock()
    with httpx.Client(base_url=load.url, timeout=load.timeout_s) as http, Solver(load.solvers) as solver:
        def one(index: int, arrived: float) -> Record:
            account = f"{load.prefix}-{index % load.accounts}"
            t0 = time.perf_counter()
            bits, account_bits, solve_s, challenge_s, labels_s = -1, -1, 0.0, 0.0, 0.0
            service_s = wait_s = math.nan
            try:
                response = http.post("/challenge", json={"account": account, "queries": load.queries})
                challenge_s = time.perf_counter() - t0
                challenge = response.json()
                if response.status_code != 200:
                    return Record(times[index], account, bits, challenge_s, 0.0, 0.0,
                                  time.perf_counter() - arrived, challenge.get("reason", "error"))
                bits = challenge["bits"]
                account_bits = challenge.get("account_bits", bits)
                with solving:
                    solution = solver.solve(bytes.fromhex(challenge["challenge"]), bits)
                solve_s = solution.seconds
                t1 = time.perf_counter()
                response = http.post("/labels", json={
                    "account": account, "challenge": challenge["challenge"],
                    "nonce": solution.nonce_bytes.hex(), "images": images, "solve_s": solve_s})
                labels_s = time.perf_counter() - t1
                answer = response.json()
                outcome = "ok" if response.status_code == 200 else answer.get("reason", "error")
                service_s = float(answer.get("service_s", math.nan))
                wait_s = float(answer.get("wait_s", math.nan))
            except (httpx.HTTPError, ValueError, TypeError) as err:
                outcome = f"error: {type(err).__name__}"
            return Record(times[index], account, bits, challenge_s, solve_s, labels_s,
                          time.perf_counter() - arrived, outcome, account_bits, service_s, wait_s)

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=64) as pool:
            futures = []
            for index, at in enumerate(times):
                time.sleep(max(0.0, at - (time.perf_counter() - start)))
                futures.append(pool.submit(one, index, time.perf_counter()))
            records = [future.result() for future in futures]
    return pd.DataFrame(records)


def summary(records: pd.DataFrame, duration_s: float) -> dict[str, float]:
    """Throughput (labelled requests per second of ``duration_s``), latency p50/p95 (s, first
    call to labels, requests that got labels) and the connect rate (share that did)."""
    ok = records[records["outcome"] == "ok"]
    latency = ok["total_s"].to_numpy()
    return {"requests": float(len(records)), "throughput_hz": len(ok) / duration_s,
            "connect_rate": len(ok) / len(records) if len(records) else float("nan"),
            "latency_p50_s": float(np.percentile(latency, 50)) if len(ok) else float("nan"),
            "latency_p95_s": float(np.percentile(latency, 95)) if len(ok) else float("nan"),
            "service_mean_s": float(ok["labels_s"].mean()) if len(ok) else float("nan"),
            "solve_mean_s": float(ok["solve_s"].mean()) if len(ok) else float("nan")}
