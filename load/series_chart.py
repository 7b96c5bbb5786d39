"""The time-series chart of a load run: what the defense did and what the clients felt.

Four panels over the run's time (s), one per figure of ``timeseries.parquet`` (mean over
replications): the published effort (hashes per puzzle), the queue (requests waiting), the
legitimate clients connecting per second, and their time-to-connect over all clients (median
and 95th percentile, s; a gap where it is not reached). Axes are logarithmic where the values
span decades; the warm-up that the
summary discards is shaded; every point has a tooltip.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from powsim.charts import log_when_wide


def series_chart(series: pd.DataFrame, interval_s: float, warmup_s: float,
                 provenance: dict[str, object]) -> alt.VConcatChart:
    """The panels of the module docstring from ``series`` (rows of
    :func:`~powsim.load.metrics.timeseries`, any replications) cut every ``interval_s``
    seconds; ``provenance`` goes into ``usermeta`` and the subtitle."""
    # A quantile not reached (more clients lost than it allows) is infinite: a gap in its line.
    mean = series.replace([np.inf, -np.inf], np.nan).groupby("t_s", as_index=False)[
        ["effort", "queue", "connected_legit", "ttc_p50_s", "ttc_p95_s"]].mean()
    mean["connect_hz"] = mean["connected_legit"] / interval_s
    ttc = mean.melt(id_vars="t_s", value_vars=["ttc_p50_s", "ttc_p95_s"], var_name="figure",
                    value_name="ttc_s").replace({"ttc_p50_s": "median", "ttc_p95_s": "95th percentile"})
    x = alt.X("t_s:Q", title="time (s)")
    warmup = alt.Chart(pd.DataFrame({"start": [0.0], "end": [warmup_s]})).mark_rect(
        color="lightgray", opacity=0.5).encode(x="start:Q", x2="end:Q")

    def panel(data: pd.DataFrame, field: str, title: str, **encodings: object) -> alt.LayerChart:
        y = alt.Y(f"{field}:Q", title=title, scale=log_when_wide(data[field].dropna()))
        line = alt.Chart(data).mark_line(point=True).encode(
            x=x, y=y, tooltip=[alt.Tooltip("t_s:Q", title="time (s)"),
                               alt.Tooltip(f"{field}:Q", title=title, format=".4g"),
                               *encodings.get("tooltip", [])],
            **{k: v for k, v in encodings.items() if k != "tooltip"})
        return alt.layer(warmup, line).properties(width=560, height=130)

    panels = [
        panel(mean, "effort", "published effort (hashes)"),
        panel(mean, "queue", "queue (requests)"),
        panel(mean, "connect_hz", "legitimate clients connecting (1/s)"),
        panel(ttc, "ttc_s", "time-to-connect, all clients (s; gap: not reached)", color=alt.Color("figure:N", title=None),
              tooltip=["figure:N"]),
    ]
    subtitle = [f"mean over {series['replication'].nunique()} replication(s), every "
                f"{interval_s:g} s; shaded: the warm-up ({warmup_s:g} s) the summary discards",
                str(provenance.get("command"))]
    return alt.vconcat(*panels).properties(
        usermeta={"powsim": provenance},
        title=alt.Title("The load run over time: effort, queue, connections, time-to-connect",
                        subtitle=subtitle))
