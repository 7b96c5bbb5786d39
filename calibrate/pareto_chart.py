"""The Pareto chart of a calibration: legitimate p95 overhead against attacker cost across a."""

from __future__ import annotations

import altair as alt
import pandas as pd


def pareto_chart(table: pd.DataFrame, max_p95: float, provenance: dict[str, object]
                 ) -> alt.LayerChart:
    """Each grid a as a point (attacker dollars, legitimate p95 with its CI), the target as a
    rule, the clip's saturated points as squares and the chosen a (tuned and held-out seeds)
    ringed in red. ``table`` is a :func:`~powsim.calibrate.search.pareto_table` with a
    ``seeds`` column ('tuning' or 'held-out'); ``provenance`` goes into ``usermeta`` and the
    subtitle."""
    data = table.assign(
        point=lambda t: t["saturated"].map({True: "attacker cost saturated (clip)",
                                            False: "attacker cost below the clip"}))
    tuning = data[data["seeds"] == "tuning"]
    x = alt.X("attacker_dollars:Q", scale=alt.Scale(type="log"),
              title="attackers' cost (US$, sum over attacker entries, each at its hardware)")
    y_title = "legitimate users' p95 overhead (x)"
    y = alt.Y("legit_p95:Q", title=y_title)
    tooltip = ["a:Q", "legit_p95:Q", "legit_p95_ci_high:Q", "attacker_dollars:Q", "seeds:N"]
    errors = alt.Chart(tuning).mark_rule(opacity=0.5).encode(
        x=x, y=alt.Y("legit_p95_ci_low:Q", title=y_title), y2="legit_p95_ci_high:Q")
    points = alt.Chart(tuning).mark_point(filled=True, size=60).encode(
        x=x, y=y, color=alt.Color("a:Q", scale=alt.Scale(type="log", scheme="viridis"),
                                  title="a"),
        shape=alt.Shape("point:N", title=None), tooltip=tooltip)
    chosen = alt.Chart(data[data["chosen"].astype(bool)]).mark_point(
        size=300, color="red", strokeWidth=2).encode(
        x=x, y=y, strokeDash=alt.StrokeDash("seeds:N", title="chosen a, on seeds"),
        tooltip=tooltip)
    target = alt.Chart(pd.DataFrame({"target": [max_p95]})).mark_rule(
        color="red", strokeDash=[4, 4]).encode(y="target:Q")
    subtitle = (f"{provenance.get('command')} (seed {provenance.get('seed')}, "
                f"{provenance.get('created')}); dashed line: the p95 target {max_p95:g}x; "
                "bars: CI of the p95 over replications")
    return (errors + points + chosen + target).properties(
        width=560, height=380, usermeta={"powsim": provenance},
        title=alt.Title("Which a? Legitimate p95 overhead against attackers' cost", subtitle=subtitle))
