"""The report's charts of a: the calibration frontier and what each attacker pays per query.

The frontier puts the legitimate p95 overhead (x) against the attackers' cost (US$, y, log
scale when it spans more than a decade), each with its 95 % CI as a bar, one point per a, the
users' target as a dashed rule and the chosen a labelled. The deterrence chart puts each
attacker's US$ per query over a user's (paired by replication, each at its own hardware)
against a, with its CI and
the :data:`~powsim.sweep.report.UNDETERRED` line: an attacker on or under it is not deterred.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from powsim.charts import log_when_wide
from powsim.sweep.report import UNDETERRED


def frontier_chart(frontier: pd.DataFrame, max_p95: float, replications: int) -> alt.LayerChart:
    """Points (a in tooltips), CI bars on both axes, the target and the chosen a's label."""
    # an overhead is never below 1, a cost never below 0: a CI reaching past them (few
    # replications) is cut there, a cost's at a tenth of the least cost drawn (a log axis)
    frontier = frontier.replace([np.inf, -np.inf], np.nan)  # vega reads no infinity
    floor = frontier["attacker_dollars"][frontier["attacker_dollars"] > 0].min() / 10
    data = frontier.assign(legit_p95_ci_low=frontier["legit_p95_ci_low"].clip(lower=1.0),
                           attacker_dollars_ci_low=frontier["attacker_dollars_ci_low"].clip(
                               lower=floor),
                           label=[f"chosen a = {a:.6g}" if c else "" for a, c in
                                  zip(frontier["a"], frontier["chosen"])])
    x = alt.X("legit_p95:Q", title="legitimate users' p95 overhead (x)", scale=alt.Scale(zero=False))
    y = alt.Y("attacker_dollars:Q", title="attackers' cost (US$, all attacker entries)",
              scale=log_when_wide(pd.concat([data["attacker_dollars_ci_low"],
                                             data["attacker_dollars_ci_high"]])))
    tooltip = [alt.Tooltip("a:Q", format=".6g"),
               alt.Tooltip("legit_p95:Q", title="p95 overhead (x)", format=".4g"),
               alt.Tooltip("legit_p95_ci_high:Q", title="its CI's upper end (x)", format=".4g"),
               alt.Tooltip("attacker_dollars:Q", title="attackers' cost (US$)", format=".4g"),
               alt.Tooltip("feasible:N", title="meets the target")]
    base = alt.Chart(data)
    layers = [
        base.mark_rule(opacity=0.5).encode(x="legit_p95_ci_low:Q", x2="legit_p95_ci_high:Q", y=y),
        base.mark_rule(opacity=0.5).encode(x=x, y="attacker_dollars_ci_low:Q",
                                           y2="attacker_dollars_ci_high:Q"),
        base.mark_point(filled=True, size=60).encode(
            x=x, y=y, color=alt.Color("feasible:N", title="meets the p95 target"), tooltip=tooltip),
        base.mark_text(color="red", align="left", dx=6, dy=-8).encode(x=x, y=y, text="label:N"),
        alt.Chart(pd.DataFrame({"target": [max_p95]})).mark_rule(
            color="black", strokeDash=[4, 4]).encode(x="target:Q")]
    return alt.layer(*layers).properties(
        width=520, height=300,
        title=alt.Title("Which a: what users pay against what attackers pay",
                        subtitle=[f"one point per a; bars: 95 % CI over {replications} "
                                  f"replications; dashed: the p95 target {max_p95:g}x"]))


def deterrence_chart(deterrence: pd.DataFrame, chosen_a: float) -> alt.LayerChart:
    """Each attacker's per-query cost over a user's against a, CI band, the 1.1x line and the
    chosen a as a rule."""
    x = alt.X("a:Q", title="charge base a (log scale)", scale=alt.Scale(type="log", nice=False))
    y = alt.Y("mean:Q", title="US$ per query over a user's (x)",
              scale=log_when_wide(pd.concat([deterrence["mean"], pd.Series([UNDETERRED])])))
    color = alt.Color("agent:N", title="attacker")
    deterrence = deterrence.replace([np.inf, -np.inf], np.nan)
    # a ratio is never below 0: a CI reaching past it is cut at a tenth of the least ratio
    floor = deterrence["mean"][deterrence["mean"] > 0].min() / 10
    base = alt.Chart(deterrence.assign(ci_low=deterrence["ci_low"].clip(lower=floor)))
    layers = [
        base.mark_area(opacity=0.2).encode(x=x, y="ci_low:Q", y2="ci_high:Q", color=color),
        base.mark_line(point=True).encode(
            x=x, y=y, color=color,
            tooltip=[alt.Tooltip("a:Q", format=".6g"), "agent:N",
                     alt.Tooltip("mean:Q", title="per-query cost over a user's", format=".4g"),
                     alt.Tooltip("ci_low:Q", format=".4g"), alt.Tooltip("ci_high:Q", format=".4g"),
                     alt.Tooltip("undeterred:N")]),
        alt.Chart(pd.DataFrame({"line": [UNDETERRED]})).mark_rule(
            color="black", strokeDash=[4, 4]).encode(y="line:Q"),
        alt.Chart(pd.DataFrame({"a": [chosen_a]})).mark_rule(color="red").encode(x=x)]
    return alt.layer(*layers).properties(
        width=520, height=260,
        title=alt.Title("Who is deterred: each attacker's US$ per query over a user's",
                        subtitle=[f"dashed: {UNDETERRED:g}x (at or under it, not deterred); "
                                  "red: the chosen a; band: 95 % CI, paired replications"]))


def intensity_chart(intensity: pd.DataFrame, slo_text: str) -> alt.LayerChart:
    """The workers ``slo_text`` needs against the botnets' summed request rate (a multiple in
    the tooltip); an intensity no worker count of the search meets has no point."""
    x = alt.X("attack_rate_hz:Q", title="attack: botnets' request rate (requests/s)",
              scale=log_when_wide(intensity["attack_rate_hz"]))
    y = alt.Y("workers_needed:Q", title="workers needed", axis=alt.Axis(tickMinStep=1),
              scale=alt.Scale(zero=True))
    drawn = intensity.replace([np.inf, -np.inf], np.nan).dropna(subset=["workers_needed"])
    return alt.Chart(drawn).mark_line(point=True).encode(
        x=x, y=y, tooltip=[alt.Tooltip("intensity:Q", title="multiple of the scenario's rate"),
                           alt.Tooltip("attack_rate_hz:Q", format=".4g"),
                           alt.Tooltip("workers_needed:Q")]).properties(
        width=520, height=260,
        title=alt.Title("How many workers against the attack's intensity",
                        subtitle=[f"smallest worker count whose 95 % CI meets {slo_text}"]))


def sensitivity_chart(sensitivity: pd.DataFrame, max_p95: float) -> alt.LayerChart:
    """The users' p95 overhead at the chosen a, one row per changed assumption, its CI as a
    bar, the target as a dashed rule; colour: whether the target still holds."""
    data = sensitivity.replace([np.inf, -np.inf], np.nan).assign(
        legit_p95_ci_low=lambda t: t["legit_p95_ci_low"].clip(lower=1.0))
    y = alt.Y("assumption:N", title=None, sort=None, axis=alt.Axis(labelLimit=400))
    x = alt.X("legit_p95:Q", title="legitimate users' p95 overhead (x)",
              scale=log_when_wide(pd.concat([data["legit_p95_ci_high"], pd.Series([max_p95])])))
    base = alt.Chart(data)
    layers = [
        base.mark_rule(opacity=0.6).encode(y=y, x="legit_p95_ci_low:Q", x2="legit_p95_ci_high:Q"),
        base.mark_point(filled=True, size=70).encode(
            y=y, x=x, color=alt.Color("holds:N", title="target holds"),
            tooltip=["assumption:N", alt.Tooltip("legit_p95:Q", format=".4g"),
                     alt.Tooltip("legit_p95_ci_high:Q", title="CI upper end", format=".4g"),
                     alt.Tooltip("legit_share_over_2x:Q", title="share over 2x", format=".3f")]),
        alt.Chart(pd.DataFrame({"target": [max_p95]})).mark_rule(
            color="black", strokeDash=[4, 4]).encode(x="target:Q")]
    return alt.layer(*layers).properties(
        width=420, title=alt.Title("Does the recommended a hold when the assumptions move?",
                                   subtitle=["users' p95 at the chosen a, held-out seeds; bars: "
                                             f"95 % CI; dashed: the target {max_p95:g}x"]))
