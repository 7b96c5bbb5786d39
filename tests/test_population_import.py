"""`powsim population import`: the laws of a synthetic request log drawn from known laws are
recovered within their standard errors, CSV and parquet give one block, the block loads and
runs as a scenario's users, and every bad log is one line, exit 2, and no file."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powsim.cli import main

REPO = Path(__file__).resolve().parents[1]
# The laws the synthetic log is drawn from (issue 19, item 5).
MEMBERS, MEDIAN, SIGMA, RATE_HZ, THINK_S = 400, 500.0, 1.0, 0.5, 5.0
MIX = {"browser": 0.7, "phone-browser": 0.3}
BATCH = 64  # queries per request, the last request of a member taking the rest
AGENTS = {"browser": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
          "phone-browser": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148 Safari/604.1"}


def synthetic_log(seed: int = 7, members: int = MEMBERS) -> pd.DataFrame:
    """One row per request (time, account, queries, device, user_agent), accounts interleaved
    in time order: members arrive as a Poisson stream, ask a lognormal number of queries in
    requests of BATCH, an exponential think time apart, on a device drawn from MIX."""
    rng = np.random.default_rng(seed)
    starts = np.cumsum(rng.exponential(1 / RATE_HZ, members))
    totals = np.maximum(np.round(MEDIAN * np.exp(SIGMA * rng.standard_normal(members))), 1)
    devices = rng.choice(list(MIX), members, p=list(MIX.values()))
    rows = []
    for member, (start, total, device) in enumerate(zip(starts, totals.astype(int), devices)):
        sizes = [BATCH] * ((total - 1) // BATCH) + [total - BATCH * ((total - 1) // BATCH)]
        times = start + np.concatenate([[0.0], np.cumsum(rng.exponential(THINK_S, len(sizes) - 1))])
        rows += [(t, f"acct-{member:04d}", q, device, AGENTS[device]) for t, q in zip(times, sizes)]
    frame = pd.DataFrame(rows, columns=["time", "account", "queries", "device", "user_agent"])
    return frame.sort_values("time", kind="stable").reset_index(drop=True)
