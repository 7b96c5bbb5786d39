"""The chart of a calibration: what each a costs the legitimate users and the attackers.

Two panels share a logarithmic axis of a (the grid is spaced in log), so that every grid
point stands apart even where the attackers' cost saturates at the clip: above, the
legitimate users' p95 overhead (x) with its CI and the target; below, the attackers' cost
(US$, log scale when it spans more than a decade) with its CI. A third panel is the frontier
itself: the attackers' cost against the legitimate p95, each with its CI (bars on both
axes), the chosen point ringed and labelled. The chosen a is a red rule with its value
written beside it in the first two panels; every point has a tooltip. A table without a
chosen a (robust calibration that found none) has no rule and no label.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from powsim.charts import log_when_wide


def pareto_chart(table: pd.DataFrame, max_p95: float, provenance: dict[str, object]
                 ) -> alt.VConcatChart:
    """The two panels of the module docstring. ``table`` is a
    :func:`~powsim.calibrate.search.pareto_table` with a ``seeds`` column ('tuning' or
    'held-out'); ``provenance`` goes into ``usermeta`` and the subtitle."""
    # an overhead is never below 1: a CI reaching below it (few replications) is cut there
    tuning = table[table["seeds"] == "tuning"].assign(
        point=lambda t: t["saturated"].map({True: "attacker cost saturated (clip)",
                                            False: "attacker cost below the clip"}),
        legit_p95_ci_low=lambda t: t["legit_p95_ci_low"].clip(lower=1.0))
    picked = tuning.loc[tuning["chosen"].astype(bool), "a"]
    x = alt.X("a:Q", title="charge base a (log scale)", scale=alt.Scale(
        type="log", domain=[float(tuning["a"].min()), float(tuning["a"].max())], nice=False))
    tooltip = [alt.Tooltip("a:Q", format=".6g"),
               alt.Tooltip("legit_p95:Q", title="legitimate p95 overhead (x)", format=".4g"),
               alt.Tooltip("legit_p95_ci_high:Q", title="its CI's upper end (x)", format=".4g"),
               alt.Tooltip("attacker_dollars:Q", title="attackers' cost (US$)", format=".4g"),
               alt.Tooltip("attacker_dollars_ci_low:Q", title="its CI's lower end", format=".4g"),
               alt.Tooltip("legit_share_over_2x_ci_high:Q", title="share over 2x, CI's upper end",
                           format=".3g"),
               alt.Tooltip("undeterred:N", title="attackers not deterred"),
               alt.Tooltip("feasible:N", title="meets the target")]
    mark = pd.DataFrame({"a": picked.to_list(), "label": [f"chosen a = {a:.6g}" for a in picked]})
    rule = alt.Chart(mark).mark_rule(color="red", strokeWidth=2).encode(x=x)
    label = alt.Chart(mark).mark_text(color="red", align="left", dx=4, dy=-6, baseline="bottom"
                                      ).encode(x=x, y=alt.value(0), text="label:N")

    y_legit = alt.Y("legit_p95:Q", title="legitimate users' p95 overhead (x)",
                    scale=log_when_wide(tuning["legit_p95"]))
    legit = alt.layer(
        alt.Chart(tuning).mark_rule(opacity=0.5).encode(x=x, y=alt.Y("legit_p95_ci_low:Q"),
                                                         y2="legit_p95_ci_high:Q"),
        alt.Chart(tuning).mark_point(filled=True, size=50).encode(
            x=x, y=y_legit, color=alt.Color("feasible:N", title="meets the targets"),
            tooltip=tooltip),
        alt.Chart(table[table["seeds"] == "held-out"]).mark_point(
            size=200, color="red", strokeWidth=2).encode(
            x=x, y=y_legit, shape=alt.value("diamond"), tooltip=tooltip),
        alt.Chart(pd.DataFrame({"target": [max_p95]})).mark_rule(
            color="black", strokeDash=[4, 4]).encode(y="target:Q"),
        rule, label).properties(width=560, height=220)

    y_cost = alt.Y("attacker_dollars:Q", title="attackers' cost (US$, all attacker entries)",
                   scale=log_when_wide(tuning["attacker_dollars"]))
    cost_bars = alt.Chart(tuning).mark_rule(opacity=0.5).encode(
        x=x, y=alt.Y("attacker_dollars_ci_low:Q"), y2="attacker_dollars_ci_high:Q")
    cost = alt.layer(
        cost_bars,
        alt.Chart(tuning).mark_point(filled=True, size=50).encode(
            x=x, y=y_cost, shape=alt.Shape("point:N", title=None), tooltip=tooltip),
        rule, label).properties(width=560, height=220)
    frontier = _frontier(tuning, tooltip, max_p95)

    subtitle = [f"{provenance.get('command')} (seed {provenance.get('seed')}, "
                f"{provenance.get('created')})",
                f"dashed line: the p95 target {max_p95:g}x; bars: 95 % CIs over "
                "replications; red diamond: the chosen a on held-out seeds"]
    return alt.vconcat(legit, cost, frontier).properties(
        usermeta={"powsim": provenance},
        title=alt.Title("Which a? What it costs legitimate users (above) and attackers (below)",
                        subtitle=subtitle))


def _frontier(tuning: pd.DataFrame, tooltip: list[alt.Tooltip], max_p95: float) -> alt.LayerChart:
    """Attackers' cost (y) against the legitimate p95 (x), CIs as bars on both axes."""
    x = alt.X("legit_p95:Q", title="legitimate users' p95 overhead (x)",
              scale=log_when_wide(tuning["legit_p95"]))
    y = alt.Y("attacker_dollars:Q", title="attackers' cost (US$)",
              scale=log_when_wide(tuning["attacker_dollars"]))
    chosen = tuning[tuning["chosen"].astype(bool)].assign(
        label=lambda t: [f"chosen a = {a:.6g}" for a in t["a"]])
    base = alt.Chart(tuning)
    return alt.layer(
        base.mark_rule(opacity=0.4).encode(x="legit_p95_ci_low:Q", x2="legit_p95_ci_high:Q", y=y),
        base.mark_rule(opacity=0.4).encode(x=x, y="attacker_dollars_ci_low:Q",
                                           y2="attacker_dollars_ci_high:Q"),
        base.mark_point(filled=True, size=50).encode(
            x=x, y=y, color=alt.Color("feasible:N", title="meets the targets"), tooltip=tooltip),
        alt.Chart(pd.DataFrame({"target": [max_p95]})).mark_rule(
            color="black", strokeDash=[4, 4]).encode(x="target:Q"),
        alt.Chart(chosen).mark_point(size=260, color="red", strokeWidth=2).encode(x=x, y=y),
        alt.Chart(chosen).mark_text(color="red", align="left", dx=10, dy=-10).encode(
            x=x, y=y, text="label:N"),
    ).properties(width=560, height=260, title="The frontier: what each a costs both sides")
