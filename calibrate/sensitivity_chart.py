"""The chart of a robust calibration: how each varied assumption moves the choice of a.

One column of points per variant (the base, then each ``KEY=VALUE``), coloured by the varied
key. Three panels: each variant's own chosen a beside the robust a (red rule); at the robust
a, the legitimate users' p95 overhead with its CI and the target; and the attackers' cost
(US$) with its CI. Input: :func:`~powsim.sweep.robust.sensitivity_table`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from powsim.charts import log_when_wide


def sensitivity_chart(table: pd.DataFrame, max_p95: float, provenance: dict[str, object]
                      ) -> alt.VConcatChart:
    """The panels of the module docstring; ``provenance`` goes into ``usermeta`` and the
    subtitle."""
    table = table.assign(key=table["key"].replace("", "(base)"))
    x = alt.X("variant:N", title="variant (varied assumption = value)", sort=None,
              axis=alt.Axis(labelAngle=-30, labelLimit=260))
    color = alt.Color("key:N", title="varied key")
    tooltip = [alt.Tooltip(c, format=".4g") if c not in ("variant", "key") else alt.Tooltip(c)
               for c in ("variant", "key", "chosen_a_alone", "robust_a", "legit_p95",
                         "legit_p95_ci_high", "legit_share_over_2x_ci_high", "attacker_dollars")]
    robust = table["robust_a"].dropna()
    own = alt.Chart(table).mark_point(filled=True, size=70).encode(
        x=x, y=alt.Y("chosen_a_alone:Q", title="own chosen a", scale=alt.Scale(zero=False)),
        color=color, tooltip=tooltip)
    layers = [own]
    if len(robust):
        layers.append(alt.Chart(pd.DataFrame({"robust": [float(robust.iloc[0])]})).mark_rule(
            color="red", strokeWidth=2).encode(y="robust:Q"))
    panels = [alt.layer(*layers).properties(width=560, height=180,
                                            title="each variant's own a; red: the robust a")]
    if len(robust):
        panels.append(_with_ci(table, x, color, tooltip, "legit_p95",
                               "legitimate p95 overhead at the robust a (x)", max_p95))
        panels.append(_with_ci(table, x, color, tooltip, "attacker_dollars",
                               "attackers' cost at the robust a (US$)", None))
    subtitle = [f"{provenance.get('command')} (seed {provenance.get('seed')}, "
                f"{provenance.get('created')})",
                "bars: 95 % CIs over replications; dashed line: the p95 target"]
    return alt.vconcat(*panels).properties(
        usermeta={"powsim": provenance},
        title=alt.Title("Does the choice of a hold when its assumptions move?",
                        subtitle=subtitle))


def _with_ci(table: pd.DataFrame, x: alt.X, color: alt.Color, tooltip: list, figure: str,
             title: str, target: float | None) -> alt.LayerChart:
    """``figure`` per variant with its CI bars (and a dashed ``target`` line when given)."""
    y = alt.Y(f"{figure}:Q", title=title, scale=log_when_wide(table[figure].astype(float)))
    layers = [alt.Chart(table).mark_rule(opacity=0.6).encode(
                  x=x, y=f"{figure}_ci_low:Q", y2=f"{figure}_ci_high:Q", color=color),
              alt.Chart(table).mark_point(filled=True, size=70).encode(
                  x=x, y=y, color=color, tooltip=tooltip)]
    if target is not None:
        layers.append(alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            color="black", strokeDash=[4, 4]).encode(y="target:Q"))
    return alt.layer(*layers).properties(width=560, height=200)
