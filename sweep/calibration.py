"""``powsim calibrate``: sweep a, choose it (:mod:`powsim.calibrate.search`), then check the
choice on held-out seeds.

The grid is swept on seeds derived from ``seed``; the chosen a is then simulated again on
``holdout_seed`` (fresh users: new queries, devices and arrivals; fresh puzzles), with as
many replications, and both are reported. The paper's a = 1.0075 is always part of the grid
so that the choice can be compared with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from powsim.calibrate.charge import PAPER_A
from powsim.calibrate.search import A_KEY, pareto_table
from powsim.errors import InputError, ParameterError
from powsim.model.load import LoadScenario
from powsim.model.scenario import MAX_A, Scenario
from powsim.sweep.executor import Executor
from powsim.sweep.grid import Axis
from powsim.sweep.runner import Sweep, run_sweep
from powsim.sweep.table import sweep_table


@dataclass(frozen=True)
class Calibration:
    """The Pareto table (column ``seeds``: 'tuning' rows, one per a, then the chosen a's
    'held-out' row) and the held-out sweep's own table."""

    table: pd.DataFrame
    holdout: pd.DataFrame

    def row(self, seeds: str) -> pd.Series:
        """The chosen a on ``seeds`` ('tuning' or 'held-out')."""
        rows = self.table[(self.table["seeds"] == seeds) & self.table["chosen"].astype(bool)]
        return rows.iloc[0]


def a_axis(axis: Axis) -> Axis:
    """The grid over a, with the paper's a added, ascending; only ``defense.a`` is accepted,
    with numbers from 1 to MAX_A."""
    if axis.key != A_KEY:
        raise ParameterError(f"{{grid}}: key {axis.key!r}, expected {A_KEY} (calibrate "
                         "chooses a; use 'powsim sweep' for other keys)")
    for value in axis.values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                1 <= value <= MAX_A):
            raise ParameterError(f"{{grid}}: value {value!r} of {A_KEY}, expected a number "
                                 f"from 1 to {MAX_A:g}")
    return Axis(A_KEY, tuple(sorted({*map(float, axis.values), PAPER_A})))


def check_roles(scenario: Scenario | LoadScenario, legit: str) -> None:
    """Before any run: ``scenario`` runs in the per-account kernel, ``legit`` names a kind =
    "legit" entry of it and at least one other entry is there for the defense to act on."""
    if isinstance(scenario, LoadScenario):
        raise InputError(f"{scenario.source}: a load scenario (stream, sessions, botnet agents), "
                         "expected a per-account one: calibrate chooses a from the members' "
                         "overheads, which the per-account kernel measures")
    names = [agent.name for agent in scenario.agents]
    kinds = {agent.name: agent.kind for agent in scenario.agents}
    if legit not in kinds:
        raise ParameterError(f"{{legit}}: {legit!r}, expected one of the scenario's agents: "
                             f"{', '.join(names)}")
    if kinds[legit] != "legit":
        raise ParameterError(f"{{legit}}: {legit!r} is a {kinds[legit]} entry, expected a "
                             "kind = \"legit\" entry")
    if len(names) == 1:
        raise InputError(f"{scenario.source}: [[agents]]: only the legitimate group '{legit}', "
                         "expected at least one attacker entry to measure the defense's effect on")


def calibrate(sweep: Sweep, legit: str, max_p95: float, confidence: float, holdout_seed: int,
              executor: Executor, out: Path | None = None, progress: bool = True) -> Calibration:
    """Choose a on ``sweep`` (one axis over a) and re-simulate the choice on ``holdout_seed``."""
    if not 0 < confidence < 1:
        raise ParameterError(f"{{confidence}}: {confidence}, expected 0 < confidence < 1")
    if holdout_seed == sweep.seed:
        raise ParameterError(f"{{holdout_seed}}: {holdout_seed}, the tuning seed; expected "
                         "another seed (fresh users)")
    runs, _ = run_sweep(sweep, executor, out, progress)
    table = pareto_table(sweep_table(runs, sweep.keys, confidence), legit, max_p95)
    chosen = float(table.loc[table["chosen"], "a"].iloc[0])
    check = replace(sweep, axes=(Axis(A_KEY, (chosen,)),), seed=holdout_seed)
    held_runs, _ = run_sweep(check, executor, out, progress)
    holdout = sweep_table(held_runs, check.keys, confidence)
    # Scored without the constraint so that a failing check is reported, not refused.
    held = pareto_table(holdout, legit, float("inf")).assign(seeds="held-out")
    held["feasible"] = held["legit_p95_ci_high"] <= max_p95
    held["saturated"] = bool(table.loc[table["chosen"], "saturated"].iloc[0])
    return Calibration(pd.concat([table.assign(seeds="tuning"), held], ignore_index=True),
                       holdout)


def describe(result: Calibration, max_p95: float, confidence: float) -> str:
    """The recommendation as lines of text: a, the legitimate p95 with its CI on tuning and
    held-out seeds, and each attacker's overhead and dollars, beside the paper's a."""
    from powsim.calibrate.search import attacker_names

    tuning = result.table[result.table["seeds"] == "tuning"]
    paper = tuning[tuning["a"] == PAPER_A].iloc[0]
    lines = [f"recommended a = {result.row('tuning')['a']:.6g} (largest attacker cost with the "
             f"legitimate p95 overhead's {confidence:.0%} upper bound <= {max_p95:g}x; "
             "smallest a within 1 % of that cost)"]
    for label, row in (("tuning seeds", result.row("tuning")),
                       ("held-out seeds", result.row("held-out")),
                       (f"paper's a = {PAPER_A}, tuning seeds", paper)):
        verdict = "meets" if row["feasible"] else "FAILS"
        lines.append(f"  {label}: legitimate p95 overhead {row['legit_p95']:.4g}x "
                     f"(CI {row['legit_p95_ci_low']:.4g}-{row['legit_p95_ci_high']:.4g}, "
                     f"{verdict} the target), median {row['legit_median']:.4g}x, "
                     f"{row['legit_share_over_2x']:.1%} of users above 2x")
        for name in attacker_names(result.table):
            lines.append(f"    {name}: overhead {row[f'{name}_overhead']:.4g}x, "
                         f"US$ {row[f'{name}_dollars']:.4g}")
    return "\n".join(lines)
