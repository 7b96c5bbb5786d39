"""``powsim report``: the three answers a user brings, as tables with confidence intervals.

1. What my users pay: at the recommended a, on held-out seeds, each entry's overhead
   quantiles (ratios), the seconds the PoW adds per member and per 1,000 queries, the hashes
   per query and US$ per member, beside the population's assumptions (query-volume law,
   device mix, arrival rate, the reference hash rate the defense is tuned for).
2. Which a: the calibration frontier (:func:`~powsim.sweep.calibration.calibrate`): per a,
   the legitimate p95 overhead and the attackers' cost in US$, each with its CI over
   replications, and the chosen a; beside it, each attacker's US$ per query over the
   legitimate group's (each at its own hardware, paired by replication), and the attackers
   the defense does not deter (paying at most :data:`UNDETERRED` times a user's per-query
   cost); and how the answer moves when the population's assumptions do
   (:mod:`powsim.sweep.report_sensitivity`).
3. How many workers: capacity (:func:`~powsim.sweep.capacity.capacity`) at the recommended a.

Every figure is a mean over replications with its Student-t 95 % interval
(:func:`~powsim.stats.confidence.interval`). The runs are those of ``calibrate`` itself: its
sweep points are cached in a private folder and read back, so nothing is simulated twice.
A load scenario has no a to calibrate: its report is :mod:`powsim.sweep.report_load`'s.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from powsim.calibrate.search import A_KEY
from powsim.errors import InputError
from powsim.model.load import LoadScenario
from powsim.model.overrides import Override
from powsim.model.read import read_scenario
from powsim.model.scenario import Scenario
from powsim.sweep.calibration import Calibration, Targets, calibrate, check_roles
from powsim.sweep.capacity import Slo, capacity, smallest
from powsim.sweep.executor import Executor
from powsim.sweep.grid import Axis
from powsim.sweep.report_load import (check_legit, client_runs, client_table, cost_ratios,
                                      has_intensity, intensity_table, legit_group,
                                      load_assumptions)
from powsim.sweep.runner import POINTS, Sweep, run_sweep
from powsim.sweep.report_sensitivity import COLUMNS, sensitivity_table
from powsim.sweep.table import figure_intervals, intervals

UNDETERRED = 1.1  # an attacker paying at most this times a user's US$ per query is not deterred
# What the users' table reports per entry (metrics of powsim.stats.metrics, with their units).
USER_FIGURES = ("overhead_median", "overhead_p95", "share_over_2x", "added_s_per_member",
                "added_s_per_1000q", "hashes_per_query", "dollars_per_member")


@dataclass(frozen=True)
class Plan:
    """A report of ``scenario`` (``fixed`` overrides applied): ``legit`` the legitimate entry,
    ``grid`` the values of a (:func:`~powsim.sweep.calibration.a_axis`), ``targets`` the
    users' targets and the knee (:class:`~powsim.sweep.calibration.Targets`), ``slo`` and
    ``workers`` for capacity, ``replications`` runs per point from ``seed`` (the held-out
    check on ``seed + 1``)."""

    scenario: Path
    legit: str
    grid: Axis
    targets: Targets
    slo: Slo
    workers: list[int]
    replications: int
    seed: int = 0
    fixed: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Answers:
    """The report's tables (see the module docstring), the chosen a and the workers needed; a
    load scenario has no a (``frontier`` and ``chosen_a`` None; ``deterrence`` one row per
    attacker group, :func:`~powsim.sweep.report_load.cost_ratios`) and may have an
    ``intensity`` table (:func:`~powsim.sweep.report_load.intensity_table`)."""

    assumptions: pd.DataFrame
    users: pd.DataFrame
    capacity: pd.DataFrame
    workers_needed: int | None
    frontier: pd.DataFrame | None = None
    deterrence: pd.DataFrame | None = None
    chosen_a: float | None = None
    intensity: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables the report writes, by file name, in the page's order."""
        tables = {"assumptions.csv": self.assumptions, "users.csv": self.users,
                  "frontier.csv": self.frontier, "deterrence.csv": self.deterrence,
                  "sensitivity.csv": self.sensitivity,
                  "capacity.csv": self.capacity, "intensity.csv": self.intensity}
        return {name: table for name, table in tables.items() if table is not None}

    def undeterred(self) -> list[str]:
        """Attackers paying at most :data:`UNDETERRED` x a user's per-query cost at the chosen a."""
        if self.deterrence is None:
            return []
        rows = self.deterrence[self.deterrence["undeterred"]]
        if self.chosen_a is not None:
            rows = rows[rows["a"] == self.chosen_a]
        return list(dict.fromkeys(rows["agent"]))


def legit_name(scenario: Scenario | LoadScenario) -> str:
    """The first legitimate entry of ``scenario`` (the default ``--legit``): a kind = "legit"
    entry, or a load scenario's first followed legitimate group."""
    if isinstance(scenario, LoadScenario):
        return legit_group(scenario)
    names = [agent.name for agent in scenario.agents if agent.kind == "legit"]
    if not names:
        raise InputError(f"{scenario.source}: [[agents]]: no kind = \"legit\" entry, expected "
                         "one (the users whose cost the report answers for)")
    return names[0]


def assumptions(scenario: Scenario, legit: str) -> pd.DataFrame:
    """The population's laws and the defense's settings the answers rest on: rows of
    (assumption, value), all as written in the scenario (none fitted by this report)."""
    agent = next(a for a in scenario.agents if a.name == legit)
    queries = (agent.queries.describe() if agent.queries is not None
               else f"replays trace {Path(agent.trace.source).name} ({len(agent.trace.data):,} queries)")
    rows = [("members of the legitimate entry", f"{agent.count:,}"),
            ("query-volume law (queries per member)", queries),
            ("device mix", agent.mix.describe() if agent.mix is not None else agent.hardware.name),
            ("arrival rate (members/s)", f"{agent.arrival_rate_hz:g}" if agent.arrival_rate_hz
             else "all at start"),
            ("think time between batches (s)", f"{agent.think_s:g}"),
            ("reference hash rate (hashes/s)", f"{scenario.defense.reference_hash_rate_hz:g}"),
            ("policy", scenario.defense.policy),
            ("a in the scenario", f"{scenario.defense.parameters.a:g}"),
            ("server workers in the scenario", f"{scenario.server.workers}")]
    rows += [(f"attacker {a.name}", f"{a.kind} on {a.hardware.name}, {a.accounts:,} account(s)")
             for a in scenario.agents if a.name != legit]
    return pd.DataFrame(rows, columns=["assumption", "value"])


def users_table(held: pd.DataFrame) -> pd.DataFrame:
    """What every entry pays at the chosen a on held-out seeds (long: agent x figure)."""
    return figure_intervals(held, ["agent", "kind"], USER_FIGURES)


def frontier_table(calibration: Calibration) -> pd.DataFrame:
    """Per a (ascending, tuning seeds): the legitimate p95 overhead and share over 2x and the
    attackers' summed US$, each with its CI over replications, and calibrate's ``feasible``
    and ``chosen`` flags (a view of the calibration table)."""
    tuning = calibration.table[calibration.table["seeds"] == "tuning"]
    return tuning[["a", *COLUMNS, "feasible", "chosen"]].astype(
        {"a": float, "feasible": bool, "chosen": bool}).reset_index(drop=True)


def deterrence_table(runs: pd.DataFrame, legit: str) -> pd.DataFrame:
    """Per a x attacker: its US$ per query over the legitimate group's in the same replication
    (paired; each at its own hardware), mean and CI, and ``undeterred`` (mean at most
    :data:`UNDETERRED`)."""
    derived = runs.set_index([A_KEY, "replication"])
    users = derived[derived["agent"] == legit]["dollars_per_query"]
    others = derived[derived["agent"] != legit]
    ratios = others.assign(cost_ratio=others["dollars_per_query"] / users).reset_index()
    table = intervals(ratios.rename(columns={A_KEY: "a"}), ["a", "agent"], ["cost_ratio"])
    table["undeterred"] = table["mean"] <= UNDETERRED
    return table.drop(columns="figure")


def build(plan: Plan, executor: Executor, progress: bool = False) -> Answers:
    """Calibrate a on ``plan``'s grid, check it on held-out seeds, find the workers needed at
    that a, and gather the tables (:class:`Answers`); a load scenario's answers are
    :func:`build_load`'s."""
    scenario = read_scenario(plan.scenario, plan.fixed)
    if isinstance(scenario, LoadScenario):
        return build_load(scenario, plan, executor, progress)
    check_roles(scenario, plan.legit)
    sweep = Sweep(plan.scenario, (plan.grid,), plan.replications, plan.seed, fixed=plan.fixed)
    with tempfile.TemporaryDirectory(prefix="powsim-report-") as cache:
        (Path(cache) / POINTS).mkdir()
        result = calibrate(sweep, plan.legit, plan.targets, 0.95, plan.seed + 1, executor,
                           Path(cache), progress)
        chosen = float(result.row("tuning")["a"])
        runs, _ = run_sweep(sweep, executor, Path(cache), progress=False)
        check = replace(sweep, axes=(Axis(A_KEY, (chosen,)),), seed=plan.seed + 1)
        held, _ = run_sweep(check, executor, Path(cache), progress=False)
        sensitivity = sensitivity_table(sweep, scenario, plan.legit, chosen, held,
                                        plan.targets.max_p95, executor, Path(cache), progress)
    at_chosen = read_scenario(plan.scenario, (*plan.fixed, Override(A_KEY, chosen)))
    workers = capacity(at_chosen, plan.slo, plan.workers, plan.replications, plan.seed, executor,
                       progress)
    return Answers(assumptions(scenario, plan.legit), users_table(held), workers,
                   smallest(workers), frontier_table(result),
                   deterrence_table(runs, plan.legit), chosen, sensitivity=sensitivity)


def build_load(scenario: LoadScenario, plan: Plan, executor: Executor, progress: bool = False
               ) -> Answers:
    """A load scenario's answers: what its legitimate clients pay at its worker count, the
    workers its SLO needs, and (when a botnet has a rate) the workers against intensity."""
    check_legit(scenario, plan.legit)
    workers = capacity(scenario, plan.slo, plan.workers, plan.replications, plan.seed, executor,
                       progress)
    intensity = (intensity_table(scenario, plan.slo, plan.workers, plan.replications, plan.seed,
                                 executor, progress) if has_intensity(scenario) else None)
    runs = client_runs(scenario, plan.replications, plan.seed, executor)
    deterrence = cost_ratios(runs, scenario, plan.legit)
    deterrence["undeterred"] = deterrence["mean"] <= UNDETERRED
    return Answers(load_assumptions(scenario), client_table(runs, scenario), workers,
                   smallest(workers), deterrence=deterrence, intensity=intensity)
