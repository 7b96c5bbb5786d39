"""Capacity against an assumption: the workers an SLO needs at each value of one varied key.

``capacity --vary KEY=VALUES`` (e.g. ``agents.1.max_rate_hz=3,6,12``, the botnet's rate)
runs :func:`~powsim.sweep.capacity.capacity` on the scenario with ``KEY=VALUE`` for each value
(the same worker counts, seed and replications: replication r meets the same clients at every
value), so the answer is read as a function of the attack's intensity, not one number at one
assumed rate. Every value's scenario is read (and so checked) before any run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from powsim.model.overrides import Override
from powsim.model.read import read_scenario
from powsim.sweep.capacity import capacity, parse_slo, smallest
from powsim.sweep.executor import Executor
from powsim.sweep.grid import Axis

VARIED = ("varied_key", "varied_value")  # the columns naming a row's variant


def capacity_against(path: Path, slo_text: str, axis: Axis, workers: list[int],
                     replications: int, seed: int, executor: Executor | None = None,
                     progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Capacity's table for each value of ``axis`` (its rows with :data:`VARIED` columns first)
    and the answers: one row per value, ``workers_needed`` (NaN: no count in ``workers`` meets
    the SLO) with the metric's mean and CI and the lost share at that count."""
    scenarios = [read_scenario(path, (Override(axis.key, value),)) for value in axis.values]
    tables, answers = [], []
    for value, scenario in zip(axis.values, scenarios):
        slo = parse_slo(slo_text, scenario)
        table = capacity(scenario, slo, workers, replications, seed, executor, progress)
        table.insert(0, VARIED[1], value)
        table.insert(0, VARIED[0], axis.key)
        tables.append(table)
        answer = smallest(table)
        at = table[table["workers"] == answer]
        answers.append({VARIED[0]: axis.key, VARIED[1]: value, "slo": slo.text,
                        "workers_needed": float("nan") if answer is None else answer,
                        **{column: at[column].iloc[0] if len(at) else float("nan")
                           for column in ("mean", "ci_low", "ci_high", "lost_share")
                           if column in table}})
    return pd.concat(tables, ignore_index=True), pd.DataFrame(answers)
