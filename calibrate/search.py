"""The choice of a: most attacker cost while legitimate users stay under the user's targets.

Input: a sweep over ``defense.a`` (one row per a x agent entry, each figure's mean and CI
over replications, see :mod:`powsim.sweep.table`) and its per-replication rows. The
objective is the attackers' cost: the sum over attacker entries (every entry but the
legitimate group) of their dollars, each at its own hardware. The constraints hold at the
upper end of their confidence intervals (not the mean): the legitimate group's p95
overhead at most ``max_p95`` and its share of users paying over 2x at most ``max_share``.

The knee: the best feasible a has the largest mean attacker cost; an a is as good when its
cost is within ``tolerance`` (relative) of the best's, shown by the paired replications.
Replication r meets the same users and attackers at every a (common random numbers), so
d_r = cost_r(a) - cost_r(best) has a Student-t interval (:mod:`powsim.stats.confidence`);
a qualifies when that interval's lower end, over the best's mean cost, is at least
``-tolerance``. Among the qualifying a the smallest, the least harm to users, is chosen.

An attacker is not deterred at an a when it pays per query at most :data:`UNDETERRED`
times what a legitimate user pays: its overhead (time with PoW over time without, all
members pooled) over the legitimate group's (both per query, served alike).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from powsim.errors import InputError, ParameterError
from powsim.stats.confidence import interval

A_KEY = "defense.a"
TOLERANCE = 0.01
UNDETERRED = 1.1  # an attacker paying at most this times a user's per-query cost


def attacker_costs(runs: pd.DataFrame, legit: str, key: str = A_KEY) -> pd.DataFrame:
    """The attackers' total dollars per replication: one row per a (ascending), one column
    per replication index, from a sweep's per-replication rows ``runs``."""
    attackers = runs[runs["agent"] != legit]
    return attackers.groupby([key, "replication"])["dollars"].sum().unstack().sort_index()


def pareto_table(sweep: pd.DataFrame, runs: pd.DataFrame, legit: str, max_p95: float,
                 max_share: float = 1.0, tolerance: float = TOLERANCE,
                 confidence: float = 0.95, key: str = A_KEY, require: bool = True
                 ) -> pd.DataFrame:
    """One row per a (ascending): the legitimate group's figures (``legit_*`` with the CIs of
    the p95 and of the share over 2x), each attacker's overhead, dollars with CI and ratio to
    a user's per-query cost (``ATTACKER_overhead``, ``ATTACKER_dollars[_ci_low|_ci_high]``,
    ``ATTACKER_vs_legit``), the total ``attacker_dollars`` with its CI, the paired shortfall
    from the best feasible a (``shortfall``, ``shortfall_ci_low``, ``shortfall_ci_high``:
    relative, <= 0 below the best), ``undeterred`` (names, comma-separated) and flags
    ``feasible``, ``saturated`` (mean cost within ``tolerance`` of the grid's maximum) and
    ``chosen``. With no feasible a: :class:`ParameterError` naming the closest point, or, with
    ``require`` False, no row chosen (:func:`infeasible_reason` says why)."""
    table = frontier_figures(sweep, runs, legit, key, confidence)
    # A NaN bound (one replication) is not evidence that a constraint holds.
    table["feasible"] = ((table["legit_p95_ci_high"] <= max_p95)
                         & (table["legit_share_over_2x_ci_high"] <= max_share))
    best = table["attacker_dollars"].max()
    table["saturated"] = table["attacker_dollars"] >= (1 - tolerance) * best
    table["chosen"] = False
    for column in ("shortfall", "shortfall_ci_low", "shortfall_ci_high"):
        table[column] = np.nan
    feasible = table.index[table["feasible"]]
    if len(feasible) == 0:
        if require:
            raise ParameterError(f"{{max_p95}}: {infeasible_reason(table, max_p95, max_share)}")
        return table.rename_axis("a").reset_index()
    top = table.loc[feasible, "attacker_dollars"].idxmax()
    costs = attacker_costs(runs, legit, key)
    scale = table.loc[top, "attacker_dollars"]
    for a in feasible:
        mean, low, high = interval((costs.loc[a] - costs.loc[top]).to_numpy(), confidence)
        # the best against itself differs by exactly 0 (no interval to estimate)
        low, high = (0.0, 0.0) if a == top else (low, high)
        table.loc[a, ["shortfall", "shortfall_ci_low", "shortfall_ci_high"]] = (
            mean / scale, low / scale, high / scale)
    good = table.loc[feasible, "shortfall_ci_low"] >= -tolerance
    table.loc[good[good].index.min(), "chosen"] = True
    return table.rename_axis("a").reset_index()


def frontier_figures(sweep: pd.DataFrame, runs: pd.DataFrame, legit: str, key: str = A_KEY,
                     confidence: float = 0.95) -> pd.DataFrame:
    """The figures of :func:`pareto_table` without its flags, one row per value of ``key``
    (ascending, the index): ``sweep`` a sweep table over ``key``, ``runs`` its
    per-replication rows."""
    if legit not in set(sweep["agent"]):
        raise ParameterError(f"{{legit}}: {legit!r}, expected one of the scenario's agents: "
                             f"{', '.join(dict.fromkeys(sweep['agent']))}")
    mine = sweep[sweep["agent"] == legit].set_index(key).sort_index()
    attackers = sweep[sweep["agent"] != legit]
    if attackers.empty:
        raise InputError(f"scenario: only the legitimate group '{legit}', expected at least one "
                         "attacker entry to measure the defense's effect on")
    table = pd.DataFrame({
        "legit_p95": mine["overhead_p95"], "legit_p95_ci_low": mine["overhead_p95_ci_low"],
        "legit_p95_ci_high": mine["overhead_p95_ci_high"],
        "legit_median": mine["overhead_median"], "legit_p99": mine["overhead_p99"],
        "legit_share_over_2x": mine["share_over_2x"],
        "legit_share_over_2x_ci_low": mine["share_over_2x_ci_low"],
        "legit_share_over_2x_ci_high": mine["share_over_2x_ci_high"],
        "legit_overhead": mine["overhead"],
        "legit_dollars_per_member": mine["dollars_per_member"]})
    names = list(dict.fromkeys(attackers["agent"]))
    for name in names:
        rows = attackers[attackers["agent"] == name].set_index(key)
        table[f"{name}_overhead"] = rows["overhead"]
        table[f"{name}_vs_legit"] = rows["overhead"] / table["legit_overhead"]
        for suffix in ("", "_ci_low", "_ci_high"):
            table[f"{name}_dollars{suffix}"] = rows[f"dollars{suffix}"]
        table[f"{name}_hashes"] = rows["hashes"]
    costs = attacker_costs(runs, legit, key)
    bounds = np.array([interval(costs.loc[a].to_numpy(), confidence) for a in table.index])
    table["attacker_dollars"], table["attacker_dollars_ci_low"], table[
        "attacker_dollars_ci_high"] = bounds.T
    table["attacker_hashes"] = attackers.groupby(key)["hashes"].sum()
    table["undeterred"] = [", ".join(n for n in names if table.loc[a, f"{n}_vs_legit"]
                                     <= UNDETERRED) for a in table.index]
    return table


def infeasible_reason(table: pd.DataFrame, max_p95: float, max_share: float) -> str:
    """Why no a of a :func:`pareto_table` meets the targets: the closest point's bounds."""
    low = table.set_index("a") if "a" in table else table
    closest = (low["legit_p95_ci_high"] / max_p95).combine(
        low["legit_share_over_2x_ci_high"] / max(max_share, 1e-12), max).idxmin()
    row = low.loc[closest]
    return (f"{max_p95:g} with --max-share-over-2x {max_share:g}: no a in the grid keeps the "
            "legitimate p95 overhead's and share over 2x's upper bounds under them (closest "
            f"a = {closest:.6g}: p95 up to {row['legit_p95_ci_high']:.4g}, share up to "
            f"{row['legit_share_over_2x_ci_high']:.4g}); widen the grid, raise a target or tune "
            "reference_hash_rate")


def attacker_names(table: pd.DataFrame) -> list[str]:
    """The attacker entries of a :func:`pareto_table`, in order."""
    return [c.removesuffix("_overhead") for c in table.columns
            if c.endswith("_overhead") and not c.startswith("legit_")]


def chosen_row(table: pd.DataFrame) -> pd.Series:
    """The chosen point of a :func:`pareto_table`."""
    return table[table["chosen"].astype(bool)].iloc[0]


def undeterred_lines(table: pd.DataFrame) -> list[str]:
    """Plain statements of every attacker that pays at most :data:`UNDETERRED` times a
    user's per-query cost at the chosen a of a :func:`pareto_table` (tuning rows)."""
    chosen = chosen_row(table)
    lines = []
    for name in attacker_names(table):
        ratio = chosen[f"{name}_vs_legit"]
        if not ratio <= UNDETERRED:
            continue
        ratios = table[f"{name}_vs_legit"]
        where = ("at every a in the grid" if (ratios <= UNDETERRED).all() else
                 f"at the chosen a = {chosen['a']:.6g}")
        lines.append(f"NOT DETERRED: {name} pays {ratio:.2f}x a legitimate user's per-query "
                     f"cost {where} (range {ratios.min():.2f}-{ratios.max():.2f}x; deterred "
                     f"means above {UNDETERRED:g}x)")
    return lines


def larger_a_gain(table: pd.DataFrame) -> float:
    """The largest relative rise in mean attacker cost that any feasible a above the chosen
    one offers (0 when none: the chosen a is as good as any larger feasible a)."""
    chosen = chosen_row(table)
    above = table[(table["a"] > chosen["a"]) & table["feasible"].astype(bool)]
    if above.empty:
        return 0.0
    return float(np.max(above["attacker_dollars"] / chosen["attacker_dollars"] - 1))
