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
from powsim.calibrate.search import (A_KEY, TOLERANCE, UNDETERRED, attacker_names,
                                     pareto_table, undeterred_lines)
from powsim.errors import InputError, ParameterError
from powsim.model.load import LoadScenario
from powsim.model.scenario import MAX_A, Scenario
from powsim.sweep.executor import Executor
from powsim.sweep.grid import Axis
from powsim.sweep.robust import BASE, Robust, Variant, robust_a, sensitivity_table
from powsim.sweep.runner import Sweep, run_sweep
from powsim.sweep.table import sweep_table


@dataclass(frozen=True)
class Calibration:
    """The Pareto table (column ``seeds``: 'tuning' rows, one per a, then the chosen a's
    'held-out' row) and the held-out sweep's own table; with varied assumptions, the
    sensitivity table and the robust a (:mod:`powsim.sweep.robust`; no held-out check when
    it is 'none')."""

    table: pd.DataFrame
    holdout: pd.DataFrame | None
    sensitivity: pd.DataFrame | None = None
    robust: Robust | None = None

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


@dataclass(frozen=True)
class Targets:
    """What the user asks of a: the legitimate p95 overhead and share of users over 2x at
    most ``max_p95`` and ``max_share`` (upper CI bounds), and the knee's ``tolerance``."""

    max_p95: float
    max_share: float = 1.0
    tolerance: float = TOLERANCE

    def __post_init__(self) -> None:
        if not 0 < self.tolerance < 1:
            raise ParameterError(f"{{tolerance}}: {self.tolerance:g}, expected a relative "
                                 "tolerance strictly between 0 and 1 (e.g. 0.05)")
        if not 0 <= self.max_share <= 1:
            raise ParameterError(f"{{max_share}}: {self.max_share:g}, expected a share from 0 to 1")


def calibrate(sweep: Sweep, legit: str, targets: Targets, confidence: float, holdout_seed: int,
              executor: Executor, out: Path | None = None, progress: bool = True,
              variants: list[Variant] | None = None) -> Calibration:
    """Choose a on ``sweep`` (one axis over a) and re-simulate the choice on ``holdout_seed``.
    With ``variants`` (:mod:`powsim.sweep.robust`; the first is the base) the grid is swept
    under each, the robust a is the choice and :attr:`Calibration.sensitivity` is filled."""
    if not 0 < confidence < 1:
        raise ParameterError(f"{{confidence}}: {confidence}, expected 0 < confidence < 1")
    if holdout_seed == sweep.seed:
        raise ParameterError(f"{{holdout_seed}}: {holdout_seed}, the tuning seed; expected "
                         "another seed (fresh users)")
    variants = variants or [Variant(BASE, None)]
    sweeps = {v.label: replace(sweep, fixed=(*sweep.fixed, *v.fixed)) for v in variants}
    for each in sweeps.values():
        each.points  # every variant's every point is checked before any run
    tables = {label: _frontier_of(each, legit, targets, confidence, executor, out, progress,
                                  require=len(variants) == 1)
              for label, each in sweeps.items()}
    table = tables[BASE]
    robust, sensitivity = None, None
    if len(variants) > 1:
        robust = robust_a(tables, targets.max_p95, targets.max_share)
        sensitivity = sensitivity_table(variants, tables, robust)
        table["chosen"] = table["a"] == robust.a
        if robust.a is None:
            return Calibration(table.assign(seeds="tuning"), None, sensitivity, robust)
    chosen = float(table.loc[table["chosen"], "a"].iloc[0])
    check = replace(sweep, axes=(Axis(A_KEY, (chosen,)),), seed=holdout_seed)
    held_runs, _ = run_sweep(check, executor, out, progress)
    holdout = sweep_table(held_runs, check.keys, confidence)
    # Scored without the constraints so that a failing check is reported, not refused.
    held = pareto_table(holdout, held_runs, legit, float("inf"), float("inf"), targets.tolerance,
                        confidence).assign(seeds="held-out")
    held["feasible"] = ((held["legit_p95_ci_high"] <= targets.max_p95)
                        & (held["legit_share_over_2x_ci_high"] <= targets.max_share))
    held["saturated"] = bool(table.loc[table["chosen"], "saturated"].iloc[0])
    return Calibration(pd.concat([table.assign(seeds="tuning"), held], ignore_index=True),
                       holdout, sensitivity, robust)


def _frontier_of(sweep: Sweep, legit: str, targets: Targets, confidence: float,
                 executor: Executor, out: Path | None, progress: bool, require: bool
                 ) -> pd.DataFrame:
    """Run ``sweep`` and score its frontier (:func:`~powsim.calibrate.search.pareto_table`)."""
    runs, _ = run_sweep(sweep, executor, out, progress)
    return pareto_table(sweep_table(runs, sweep.keys, confidence), runs, legit, targets.max_p95,
                        targets.max_share, targets.tolerance, confidence, require=require)


def describe(result: Calibration, targets: Targets, confidence: float) -> str:
    """The recommendation as lines of text: a and the rule that chose it, the legitimate p95
    and share over 2x with their CIs on tuning and held-out seeds, each attacker's overhead and
    dollars beside the paper's a, the attackers not deterred and, with varied assumptions, the
    robust a per variant."""
    tuning = result.table[result.table["seeds"] == "tuning"]
    rule = (f"largest attacker cost with the legitimate p95 overhead's {confidence:.0%} upper "
            f"bound <= {targets.max_p95:g}x and share over 2x's <= {targets.max_share:g}; "
            f"smallest a whose paired CI keeps its attacker cost within "
            f"{targets.tolerance:.3g} of that")
    if result.robust is not None:
        lines = [f"robust a = {_a(result.robust.a)} over {len(result.sensitivity)} variants: "
                 f"{result.robust.reason}", f"  rule per variant: {rule}"]
        lines += [f"  {row.variant}: own a = {_a(row.chosen_a_alone)}" + (
            "" if result.robust.a is None else
            f"; at a = {result.robust.a:.6g}: p95 {row.legit_p95:.4g}x (CI "
            f"{row.legit_p95_ci_low:.4g}-{row.legit_p95_ci_high:.4g}), "
            f"{row.legit_share_over_2x:.1%} over 2x (up to {row.legit_share_over_2x_ci_high:.1%}),"
            f" attackers US$ {row.attacker_dollars:.4g} (CI {row.attacker_dollars_ci_low:.4g}-"
            f"{row.attacker_dollars_ci_high:.4g})") for row in result.sensitivity.itertuples()]
        if result.robust.a is None:
            return "\n".join(lines)
    else:
        lines = [f"recommended a = {result.row('tuning')['a']:.6g} ({rule})"]
    paper = tuning[tuning["a"] == PAPER_A].iloc[0]
    for label, row in (("tuning seeds", result.row("tuning")),
                       ("held-out seeds", result.row("held-out")),
                       (f"paper's a = {PAPER_A}, tuning seeds", paper)):
        verdict = "meets" if row["feasible"] else "FAILS"
        lines.append(f"  {label}: legitimate p95 overhead {row['legit_p95']:.4g}x "
                     f"(CI {row['legit_p95_ci_low']:.4g}-{row['legit_p95_ci_high']:.4g}), "
                     f"{row['legit_share_over_2x']:.1%} of users above 2x (up to "
                     f"{row['legit_share_over_2x_ci_high']:.1%}), {verdict} the targets; "
                     f"median {row['legit_median']:.4g}x; attackers US$ "
                     f"{row['attacker_dollars']:.4g} (CI {row['attacker_dollars_ci_low']:.4g}-"
                     f"{row['attacker_dollars_ci_high']:.4g})")
        for name in attacker_names(result.table):
            lines.append(f"    {name}: overhead {row[f'{name}_overhead']:.4g}x "
                         f"({row[f'{name}_vs_legit']:.2f}x a user's per-query cost), US$ "
                         f"{row[f'{name}_dollars']:.4g} (CI {row[f'{name}_dollars_ci_low']:.4g}-"
                         f"{row[f'{name}_dollars_ci_high']:.4g})")
    lines += undeterred_lines(tuning) or ["every attacker pays more than "
                                          f"{UNDETERRED:g}x a user's per-query cost"]
    return "\n".join(lines)


def _a(value: float | None) -> str:
    return "none" if value is None or value != value else f"{value:.6g}"
