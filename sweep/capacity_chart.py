"""The capacity chart: the SLO metric against workers, its 95 % CI band, the SLO line and the
answer (the smallest worker count that meets it) marked.

The metric's axis is logarithmic when its values span more than a decade (one worker's
queue can be a thousand times the others'), and says what the metric is and its unit.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from powsim.charts import log_when_wide
from powsim.stats.metrics import describe
from powsim.sweep.capacity import Slo

def capacity_chart(table: pd.DataFrame, slo: Slo, provenance: dict[str, object],
                   answer: int | None = None) -> alt.LayerChart:
    """Mean metric (line and points, with tooltips) and its CI band over worker counts, the SLO
    as a dashed rule and ``answer`` (None: no count meets it) as a green rule with its value;
    ``provenance`` goes into the spec's ``usermeta`` and the subtitle."""
    data = table.replace([np.inf, -np.inf], np.nan)
    x = alt.X("workers:Q", title="inference workers", scale=log_when_wide(data["workers"]),
              axis=alt.Axis(tickMinStep=1))
    title = f"{slo.group}: {describe(slo.metric)}"
    y = alt.Y("mean:Q", title=title, scale=log_when_wide(pd.concat(
        [data["mean"], data["ci_low"], data["ci_high"], pd.Series([slo.value])])))
    band = alt.Chart(data).mark_area(opacity=0.25).encode(x=x, y=alt.Y("ci_low:Q"), y2="ci_high:Q")
    line = alt.Chart(data).mark_line(point=True).encode(
        x=x, y=y, tooltip=[alt.Tooltip("workers:Q"),
                           alt.Tooltip("mean:Q", title=describe(slo.metric), format=".4g"),
                           alt.Tooltip("ci_low:Q", title="95 % CI low", format=".4g"),
                           alt.Tooltip("ci_high:Q", title="95 % CI high", format=".4g"),
                           alt.Tooltip("meets:N", title="meets the SLO"),
                           alt.Tooltip("lost_share:Q", title="legitimate clients lost", format=".3f"),
                           alt.Tooltip("utilisation:Q", format=".3f"),
                           alt.Tooltip("cost_per_hour_usd:Q", title="cost (US$/h)", format=".4g")])
    rule = alt.Chart(pd.DataFrame({"slo": [slo.value]})).mark_rule(color="red", strokeDash=[4, 4]
                                                                    ).encode(y="slo:Q")
    layers = [band, line, rule]
    if answer is not None:
        mark = pd.DataFrame({"workers": [answer], "label": [f"smallest meeting the SLO: {answer}"]})
        layers += [alt.Chart(mark).mark_rule(color="green", strokeWidth=2).encode(x=x),
                   alt.Chart(mark).mark_text(color="green", align="left", dx=4, baseline="top"
                                             ).encode(x=x, y=alt.value(4), text="label:N")]
    subtitle = [f"SLO {slo.text} (dashed); mean and 95 % CI over "
                f"{int(table['replications'].iloc[0])} replications", str(provenance.get("command"))]
    return alt.layer(*layers).properties(
        width=480, height=300, title=alt.Title(f"{title} against workers", subtitle=subtitle),
        usermeta={"powsim": provenance})


def intensity_chart(answers: pd.DataFrame, searched: list[int], provenance: dict[str, object]
                    ) -> alt.LayerChart:
    """Workers needed (y) against the varied key's value (x; log when numbers span a decade,
    in order otherwise) from :func:`~powsim.sweep.intensity.capacity_against`'s answers; a value
    that no searched count meets is drawn above the largest count, labelled 'none'."""
    data = answers.assign(
        shown=answers["workers_needed"].fillna(max(searched) + 1),
        label=answers["workers_needed"].map(lambda w: "none" if w != w else f"{int(w)}"))
    numeric = pd.api.types.is_numeric_dtype(data["varied_value"])
    scale = log_when_wide(data["varied_value"]) if numeric else None
    if numeric:  # the values' own range, not a rounded one (a log axis would reach 100)
        scale.nice, scale.domain = False, [float(data["varied_value"].min()),
                                           float(data["varied_value"].max())]
    x = (alt.X("varied_value:Q", title=str(data["varied_key"].iloc[0]), scale=scale)
         if numeric else alt.X("varied_value:N", title=str(data["varied_key"].iloc[0]), sort=None))
    y = alt.Y("shown:Q", title="workers needed to meet the SLO",
              scale=alt.Scale(domain=[0, max(searched) + 1]), axis=alt.Axis(tickMinStep=1))
    tooltip = [alt.Tooltip("varied_value:N", title="value"),
               alt.Tooltip("label:N", title="workers"),
               alt.Tooltip("mean:Q", format=".4g"), alt.Tooltip("ci_high:Q", format=".4g")]
    line = alt.Chart(data).mark_line(point=True).encode(x=x, y=y, tooltip=tooltip)
    text = alt.Chart(data).mark_text(dy=-10).encode(x=x, y=y, text="label:N")
    subtitle = [f"SLO {data['slo'].iloc[0]}, whole 95 % CI; searched {min(searched)}-"
                f"{max(searched)} workers ('none' above: no count met it)",
                str(provenance.get("command"))]
    return alt.layer(line, text).properties(
        width=480, height=300, usermeta={"powsim": provenance},
        title=alt.Title(f"Workers needed against {data['varied_key'].iloc[0]}", subtitle=subtitle))
