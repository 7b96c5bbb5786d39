"""Replications of a load scenario: the tables ``powsim simulate`` and ``powsim capacity`` use.

Every table carries the run's parameters as columns (``admission``, ``rule``, ``workers``,
``mode``, ``seed``, ``replication``), so runs concatenate into one tidy table. The summary's
steady-state window starts after ``[load] warmup_s`` when the scenario gives it, else after
the warm-up MSER-5 finds in the run (:mod:`powsim.load.warmup`); both are columns
(``window_start_s``, ``warmup``: 'given' or 'mser-5'), and ``mser5_warmup_s`` is reported
either way, so a given warm-up shorter than the data's transient shows.
"""

from __future__ import annotations

import pandas as pd

from powsim import progress as bars
from powsim.load.engine import LoadRun
from powsim.load.metrics import clients_frame, summary, timeseries
from powsim.load.warmup import mser5_warmup_s
from powsim.model.load import LoadScenario


def run_tables(scenario: LoadScenario, mode: str, seed: int, replication: int,
               workers: int | None = None, interval_s: float = 60.0, progress: bool = False
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(timeseries, summary over the steady-state window [warm-up, duration_s)) of one run
    (with ``progress``, a bar of its simulated time)."""
    workers = workers or scenario.server.workers
    record = LoadRun(scenario, mode, seed, replication, workers, interval_s).run(progress)
    found_s = mser5_warmup_s(clients_frame(record))
    given = scenario.warmup_s is not None
    window = (scenario.warmup_s if given else found_s, scenario.duration_s)
    parameters = {"admission": scenario.server.admission, "rule": scenario.difficulty.rule,
                  "workers": workers, "mode": mode, "seed": seed, "replication": replication}
    series = timeseries(scenario, record).assign(**parameters)
    table = summary(scenario, record, window, workers).assign(
        **parameters, window_start_s=window[0], window_end_s=window[1],
        warmup="given" if given else "mser-5", mser5_warmup_s=found_s)
    return series, table


def replicate(scenario: LoadScenario, mode: str, seed: int, replications: int,
              workers: int | None = None, interval_s: float = 60.0, progress: bool = False
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables of ``replications`` runs (expected mode has no randomness: one run); with
    ``progress``, a bar of the runs, or of the one run's simulated time (:mod:`powsim.progress`)."""
    count = replications if mode == "sampled" else 1
    runs = []
    with bars.bar(count, "simulate", "run", enabled=progress and count > 1) as bar:
        for r in range(count):
            runs.append(run_tables(scenario, mode, seed, r, workers, interval_s,
                                   progress and count == 1))
            bar.update()
    return (pd.concat([s for s, _ in runs], ignore_index=True),
            pd.concat([t for _, t in runs], ignore_index=True))
