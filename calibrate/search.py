"""The choice of a: most attacker cost while legitimate users stay under a target.

Input: a sweep over ``defense.a`` (one row per a x agent entry, each figure's mean and CI
over replications, see :mod:`powsim.sweep.table`). The objective is the attackers'
cost: the sum over attacker entries (every entry but the legitimate group) of their dollars,
each at its own hardware. The constraint: the legitimate group's p95 overhead, at the upper
end of its confidence interval (not the mean), is at most ``max_p95``. Points whose
attacker cost is within ``tolerance`` (1 %) of the best feasible cost are equally good (the
target-time clip makes attacker cost flat from some a on), and among them the smallest a,
the least harm to users, is chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from powsim.errors import InputError, ParameterError

A_KEY = "defense.a"
TOLERANCE = 0.01


def pareto_table(sweep: pd.DataFrame, legit: str, max_p95: float, key: str = A_KEY,
                 tolerance: float = TOLERANCE) -> pd.DataFrame:
    """One row per a (ascending): the legitimate group's overhead figures (``legit_*``), each
    attacker's overhead and dollars (``ATTACKER_overhead``, ``ATTACKER_dollars``), the total
    ``attacker_dollars`` and ``attacker_hashes``, and flags ``feasible``, ``saturated``
    (attacker cost within ``tolerance`` of the grid's maximum) and ``chosen``."""
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
        "legit_dollars_per_member": mine["dollars_per_member"]})
    for name, rows in attackers.groupby("agent", sort=False):
        rows = rows.set_index(key)
        table[f"{name}_overhead"] = rows["overhead"]
        table[f"{name}_dollars"] = rows["dollars"]
        table[f"{name}_hashes"] = rows["hashes"]
    totals = attackers.groupby(key)[["dollars", "hashes"]].sum()
    table["attacker_dollars"] = totals["dollars"]
    table["attacker_hashes"] = totals["hashes"]
    # A NaN bound (one replication) is not evidence that the constraint holds.
    table["feasible"] = table["legit_p95_ci_high"] <= max_p95
    best = table["attacker_dollars"].max()
    table["saturated"] = table["attacker_dollars"] >= (1 - tolerance) * best
    table["chosen"] = False
    feasible = table[table["feasible"]]
    if feasible.empty:
        low = table["legit_p95_ci_high"].idxmin()
        raise ParameterError(
            f"{{max_p95}}: {max_p95:g}, no a in the grid keeps the legitimate p95 overhead's "
            f"upper bound under it (lowest {table.loc[low, 'legit_p95_ci_high']:.4g} at a = "
            f"{low:.6g}); widen the grid, raise the target or tune reference_hash_rate")
    good = feasible["attacker_dollars"] >= (1 - tolerance) * feasible["attacker_dollars"].max()
    table.loc[feasible.index[good.to_numpy()].min(), "chosen"] = True
    return table.rename_axis("a").reset_index()


def attacker_names(table: pd.DataFrame) -> list[str]:
    """The attacker entries of a :func:`pareto_table`, in order."""
    return [c.removesuffix("_overhead") for c in table.columns
            if c.endswith("_overhead") and not c.startswith("legit_")]


def chosen_row(table: pd.DataFrame) -> pd.Series:
    """The chosen point of a :func:`pareto_table`."""
    return table[table["chosen"].astype(bool)].iloc[0]


def larger_a_gain(table: pd.DataFrame) -> float:
    """The largest relative rise in attacker cost that any feasible a above the chosen one
    offers (0 when none: the chosen a is as good as any larger feasible a)."""
    chosen = chosen_row(table)
    above = table[(table["a"] > chosen["a"]) & table["feasible"].astype(bool)]
    if above.empty:
        return 0.0
    return float(np.max(above["attacker_dollars"] / chosen["attacker_dollars"] - 1))
