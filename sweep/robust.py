"""Robust calibration: the a that meets the targets under every varied assumption.

``--vary KEY=VALUES`` (repeatable) names assumptions the calibration rests on (the users'
query-volume median, the device mix, the reference hash rate...). Each value of each key is a
variant: the calibration's grid over a swept with ``KEY=VALUE`` as one more fixed override
(the other keys as the scenario has them); the scenario as written is the variant 'base'.
Each variant's frontier chooses its own a (:func:`~powsim.calibrate.search.pareto_table`).

The robust a is the largest of the variants' own choices when that a meets the targets in
every variant; otherwise the largest a that meets them in every variant (less attacker cost
than some variant's knee, but no variant's users above their targets); 'none', with the
variant that fails and why, when no a of the grid meets them in every variant.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from powsim.calibrate.search import attacker_names, infeasible_reason
from powsim.errors import ParameterError
from powsim.model.overrides import Override
from powsim.sweep.grid import Axis, parse_axis

BASE = "base"


@dataclass(frozen=True)
class Variant:
    """One varied assumption: ``label`` ('base' or 'KEY=VALUE') and its override (None for
    the base)."""

    label: str
    override: Override | None

    @property
    def fixed(self) -> tuple[Override, ...]:
        """The override as a tuple of fixed overrides (empty for the base)."""
        return () if self.override is None else (self.override,)


def parse_vary(texts: list[str]) -> list[Variant]:
    """The variants of options ``--vary KEY=VALUES`` (values as in ``--grid``): the base first,
    then each key's values in order. One error naming ``vary`` for an empty or repeated key."""
    axes: list[Axis] = []
    for text in texts:
        try:
            axis = parse_axis(text)
        except ParameterError as err:
            raise ParameterError(err.template.replace("{grid}", "{vary}", 1)) from None
        if axis.key in (a.key for a in axes):
            raise ParameterError(f"{{vary}}: key {axis.key!r} given twice, expected each key "
                                 "once (one --vary KEY=V1,V2,...)")
        axes.append(axis)
    return [Variant(BASE, None), *(Variant(f"{axis.key}={_text(value)}", Override(axis.key, value))
                                   for axis in axes for value in axis.values)]


def _text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Robust:
    """The robust a (None: 'none') and ``reason``, a sentence on how it was found."""

    a: float | None
    reason: str


def robust_a(tables: dict[str, pd.DataFrame], max_p95: float, max_share: float) -> Robust:
    """The rule of the module docstring over ``tables``, one
    :func:`~powsim.calibrate.search.pareto_table` (``require`` False) per variant label, all on
    one grid of a."""
    for label, table in tables.items():
        if not table["feasible"].any():
            return Robust(None, f"variant {label}: {infeasible_reason(table, max_p95, max_share)}")
    own = {label: float(table.loc[table["chosen"], "a"].iloc[0]) for label, table in tables.items()}
    everywhere = set.intersection(*(set(t.loc[t["feasible"], "a"]) for t in tables.values()))
    largest = max(own.values())
    holder = max(own, key=own.get)
    if largest in everywhere:
        return Robust(largest, f"the largest variant's own choice ({holder}); it meets the "
                               "targets in every variant")
    if not everywhere:
        return Robust(None, "no a of the grid meets the targets in every variant at once "
                            "(each variant alone has one); narrow the varied values or relax "
                            "a target")
    common = max(everywhere)
    return Robust(common, f"the largest a meeting the targets in every variant; {holder}'s own "
                          f"choice {largest:.6g} fails them in another variant")


def sensitivity_table(variants: list[Variant], tables: dict[str, pd.DataFrame],
                      robust: Robust) -> pd.DataFrame:
    """One row per variant: its key and value, its own chosen a (NaN: none feasible), and at
    the robust a (NaN rows when 'none') the legitimate p95 and share over 2x and the
    attackers' cost, each with its CI, whether the targets hold there and the attackers not
    deterred."""
    shown = ["legit_p95", "legit_p95_ci_low", "legit_p95_ci_high", "legit_share_over_2x",
             "legit_share_over_2x_ci_low", "legit_share_over_2x_ci_high", "attacker_dollars",
             "attacker_dollars_ci_low", "attacker_dollars_ci_high", "feasible", "undeterred"]
    rows = []
    for variant in variants:
        table = tables[variant.label]
        chosen = table.loc[table["chosen"].astype(bool), "a"]
        row = {"variant": variant.label,
               "key": "" if variant.override is None else variant.override.key,
               "value": "" if variant.override is None else _text(variant.override.value),
               "chosen_a_alone": float(chosen.iloc[0]) if len(chosen) else float("nan"),
               "robust_a": float("nan") if robust.a is None else robust.a}
        at = table[table["a"] == robust.a]
        row.update({column: at[column].iloc[0] if len(at) else None for column in shown})
        for name in attacker_names(table):
            row[f"{name}_dollars"] = at[f"{name}_dollars"].iloc[0] if len(at) else None
        rows.append(row)
    return pd.DataFrame(rows)
