"""The capacity chart: the SLO metric against workers, its 95 % CI band and the SLO line."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from powsim.sweep.capacity import Slo


def capacity_chart(table: pd.DataFrame, slo: Slo, provenance: dict[str, object]) -> alt.LayerChart:
    """Mean metric (line and points) with its CI band over worker counts, the SLO as a rule;
    ``provenance`` goes into the spec's ``usermeta`` and the subtitle."""
    data = table.replace([np.inf, -np.inf], np.nan)
    x = alt.X("workers:Q", title="workers", axis=alt.Axis(tickMinStep=1))
    title = f"{slo.group}.{slo.metric}"
    band = alt.Chart(data).mark_area(opacity=0.25).encode(
        x=x, y=alt.Y("ci_low:Q", title=title), y2="ci_high:Q")
    line = alt.Chart(data).mark_line(point=True).encode(
        x=x, y="mean:Q", tooltip=["workers", "mean", "ci_low", "ci_high", "lost_share",
                                  "utilisation", "cost_per_hour_usd"])
    rule = alt.Chart(pd.DataFrame({"slo": [slo.value]})).mark_rule(color="red", strokeDash=[4, 4]
                                                                    ).encode(y="slo:Q")
    subtitle = (f"SLO {slo.text}; mean and 95 % CI over {int(table['replications'].iloc[0])} "
                f"replications; {provenance.get('command')}")
    return (band + line + rule).properties(
        width=480, height=300, title=alt.Title(f"{title} against workers", subtitle=subtitle),
        usermeta={"powsim": provenance})
