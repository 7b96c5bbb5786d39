"""One sweep task: simulate one grid point once (one replication), in any process.

A task is described by plain values (the scenario's path, the point's overrides, mode, seed,
replication), so it runs the same in this process, in a local worker process or on a
remote dask worker. Each process prepares a point's model once and keeps the last
:data:`MODELS_KEPT` (more than a task's points).
The scenario's kernel follows from the model (:func:`~powsim.model.read.read_scenario`): a
per-account scenario gives its summary (one row per agent entry), a load scenario its
per-group summary (:func:`~powsim.load.metrics.summary`).

Seeds: replication r of every point draws from ``SeedSequence(seed, spawn_key=(r,))``, the
stream a plain ``powsim simulate --seed S --replications R`` gives its r-th run. Points thus
share common random numbers: replication r meets the same users (queries, devices, arrival
times) at every point, so a difference between points is the parameter's, not the draw's.
The result depends only on (point, seed, r), never on which worker ran it.
"""

from __future__ import annotations

import functools
import json

import pandas as pd

from powsim.load.runs import run_tables
from powsim.model.load import LoadScenario
from powsim.model.overrides import Override
from powsim.model.read import read_scenario
from powsim.sim.run import Model, prepare, simulate
from powsim.sim.summary import summarize

MODELS_KEPT = 16  # points whose prepared model a process keeps: a sweep task's (sweep/runner.py)


def point_key(overrides: tuple[Override, ...]) -> str:
    """A canonical text of a point's overrides (JSON), usable as a cache key."""
    return json.dumps([[key, value] for key, value in overrides], sort_keys=True)


@functools.lru_cache(maxsize=MODELS_KEPT)
def _model(scenario: str, key: str) -> Model | LoadScenario:
    overrides = tuple(Override(k, v) for k, v in json.loads(key))
    read = read_scenario(scenario, overrides)
    return read if isinstance(read, LoadScenario) else prepare(read)


def run_task(scenario: str, overrides: tuple[Override, ...], mode: str, seed: int,
             replication: int) -> pd.DataFrame:
    """The summary of replication ``replication`` of the scenario at ``scenario`` with
    ``overrides`` applied: one row per agent entry (per-account:
    :data:`~powsim.sim.summary.SUMMARY_COLUMNS`; load: the per-group summary)."""
    model = _model(scenario, point_key(overrides))
    if isinstance(model, LoadScenario):
        summary = run_tables(model, mode, seed, replication)[1]
        return summary.assign(replication=replication)
    return summarize(model, simulate(model, mode, seed, replication)).assign(replication=replication)


def run_tasks(scenario: str, runs: list[tuple[tuple[Override, ...], int]], mode: str, seed: int
              ) -> tuple[pd.DataFrame, list[int]]:
    """:func:`run_task` of each (overrides, replication) of ``runs``, in one task: their rows in
    one frame, in that order (a frame costs about 0.1 ms to send back from a worker, whatever
    its rows), and each run's number of rows."""
    frames = [run_task(scenario, overrides, mode, seed, replication) for overrides, replication in runs]
    return pd.concat(frames, ignore_index=True), [len(frame) for frame in frames]
