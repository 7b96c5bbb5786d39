"""How the recommended a's answer moves when the assumptions under it move.

At the chosen a, on the held-out seed, the scenario is run again with one assumption changed
at a time: the legitimate members' query-volume median (a lognormal law) times
:data:`MEDIAN_FACTORS`, the reference hash rate the defense is tuned for times
:data:`RATE_FACTORS`, and (with a device mix) every member on the mix's slowest device. Each
variant gives the users' p95 overhead, their share over 2x and the attackers' summed US$,
each with its CI over replications (:func:`figures_by`), and whether the p95 target
still holds at its CI's upper end. The issue this answers: an a tuned on a median session of
500 queries can put the p95 near 4x when sessions are four times longer.
"""

from __future__ import annotations

import pandas as pd

from powsim.calibrate.search import A_KEY, frontier_figures
from powsim.model.overrides import Override
from powsim.model.scenario import Scenario
from powsim.sweep.executor import Executor
from powsim.sweep.grid import Axis
from powsim.sweep.runner import Sweep, run_sweep
from powsim.sweep.table import sweep_table

MEDIAN_FACTORS = (0.25, 4.0)
RATE_FACTORS = (0.5, 2.0)
FIGURES = ("legit_p95", "legit_share_over_2x", "attacker_dollars")
COLUMNS = [f"{figure}{end}" for figure in FIGURES for end in ("", "_ci_low", "_ci_high")]
BASE = "as in the scenario"


def figures_by(runs: pd.DataFrame, key: str, legit: str) -> pd.DataFrame:
    """Per value of ``key`` in ``runs`` (per-replication summaries; column ``value``),
    :data:`COLUMNS` of calibrate's frontier
    (:func:`~powsim.calibrate.search.frontier_figures`)."""
    table = frontier_figures(sweep_table(runs, [key]), runs, legit, key)
    return table[COLUMNS].rename_axis("value").reset_index()


def variants(scenario: Scenario, legit: str) -> list[tuple[str, Override]]:
    """The changed assumptions (see the module docstring) as (label, override)."""
    index = [agent.name for agent in scenario.agents].index(legit)
    agent = scenario.agents[index]
    found = []
    if agent.queries is not None and agent.queries.law == "lognormal":
        found += [(f"query-volume median x{f:g} ({agent.queries.first * f:g} queries)",
                   Override(f"agents.{index}.queries.median", agent.queries.first * f))
                  for f in MEDIAN_FACTORS]
    rate = scenario.defense.reference_hash_rate_hz
    found += [(f"reference hash rate x{f:g} ({rate * f:g} hashes/s)",
               Override("defense.reference_hash_rate", rate * f)) for f in RATE_FACTORS]
    if agent.mix is not None:
        slowest = min(agent.mix.profiles, key=lambda h: h.hash_rate_hz)
        found.append((f"every member on {slowest.name}",
                      Override(f"agents.{index}.hardware", slowest.name)))
    return found


def sensitivity_table(sweep: Sweep, scenario: Scenario, legit: str, chosen: float,
                      held: pd.DataFrame, max_p95: float, executor: Executor,
                      cache: object = None, progress: bool = False) -> pd.DataFrame:
    """One row per assumption (the scenario's own first, from ``held``: the chosen a's
    held-out runs), the :func:`figures_by` at ``chosen`` on ``sweep``'s held-out seed
    (seed + 1), and ``holds`` (the p95's CI upper end at most ``max_p95``)."""
    rows = [figures_by(held, A_KEY, legit).assign(assumption=BASE)]
    for label, override in variants(scenario, legit):
        check = Sweep(sweep.scenario, (Axis(override.key, (override.value,)),),
                      sweep.replications, sweep.seed + 1,
                      fixed=(*sweep.fixed, Override(A_KEY, chosen)))
        runs, _ = run_sweep(check, executor, cache, progress)
        rows.append(figures_by(runs, override.key, legit).assign(assumption=label))
    table = pd.concat(rows, ignore_index=True).drop(columns="value")
    table.insert(0, "assumption", table.pop("assumption"))
    table["holds"] = table["legit_p95_ci_high"] <= max_p95
    return table
