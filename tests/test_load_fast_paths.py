"""The load kernel's fast paths change no law: the Tor examples (one worker, fixed service,
puzzle-first) give the same distributions with them as one event per arrival and the general
worker (one request at a time, runs only up to the next scheduled event).

The fast paths (load/solo.py: a lone worker's runs, cut only by the queue's changes, a
preempting legitimate request served in the run's next slot; LoadRun._arrive_until: arrivals
brought by each publication) move service starts by float
rounding (start + k x service_s against sums of service_s), schedule events at other moments
(so ties within one instant can fall the other way) and draw a stream's random numbers in
another order (a window's arrivals at once), so records differ run by run; each run is still
the same model. Checked on 20 seeds (common to both), per replication: the mean TTC of the
connected legitimate clients, their share connected, their mean queue wait, and the requests
served per group. Per figure: two-sample Kolmogorov-Smirnov between the 20 and 20
replications' values (p >= 0.01), and the fast mean within the reference's 99 % confidence
interval of the mean (t with 19 degrees of freedom: each replication is independent, so the
bound follows from their spread).

The runs are shortened to 900 simulated seconds (attack from 150 s to 750 s, three
publications) to keep the file fast; the multi-worker examples (capacity-under-attack,
sybil-botnet-under-load) take neither fast path and give records identical to the kernel
before them (benchmarks/same_outputs.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from powsim.load.engine import LoadRun
from powsim.load.record import HANDLED
from powsim.model.load_parse import load_load_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SEEDS = range(20)
DURATION_S = 900.0
FIGURES = ("mean TTC", "connected share", "mean wait", "legit served", "attacker served")


def _short(name: str):
    scenario = load_load_scenario(EXAMPLES / name)
    end_s = DURATION_S - 150
    botnets = tuple(dataclasses.replace(b, end_s=min(b.end_s, end_s)) for b in scenario.botnets)
    return dataclasses.replace(scenario, duration_s=DURATION_S, botnets=botnets)


def _figures(scenario, seed: int, fast: bool) -> list[float]:
    run = LoadRun(scenario, "sampled", seed=seed)
    assert run.solo is not None and run.windowed  # the fast paths apply here
    if not fast:  # the reference: the general worker, one event per arrival
        run.solo, run.windowed = None, False
    record = run.run()
    clients = np.array(record.clients, float)
    connected = clients[:, 3] == 1
    ttc_s = clients[connected, 2] - clients[connected, 1]
    served = record.counts[HANDLED].sum(axis=1)
    return [ttc_s.mean(), connected.mean(), np.nanmean(clients[connected, 6]),
            float(served[0]), float(served[1])]


@pytest.mark.parametrize("name", ["tor-small-botnet.toml", "tor-large-botnet.toml",
                                  "tor-precomputed.toml"])
def test_fast_paths_keep_the_distributions(name):
    scenario = _short(name)
    fast = np.array([_figures(scenario, seed, True) for seed in SEEDS])
    reference = np.array([_figures(scenario, seed, False) for seed in SEEDS])
    n = len(SEEDS)
    for i, figure in enumerate(FIGURES):
        ks = stats.ks_2samp(fast[:, i], reference[:, i])
        assert ks.pvalue >= 0.01, (figure, ks)
        half = stats.t.ppf(0.995, n - 1) * reference[:, i].std(ddof=1) / np.sqrt(n)
        assert abs(fast[:, i].mean() - reference[:, i].mean()) <= half, (figure, fast[:, i].mean(),
                                                                         reference[:, i].mean(), half)
