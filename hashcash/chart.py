"""Charts of real trials against the geometric law: ECDF per k, and a QQ plot.

Trials are shown divided by their mean 2^k, so every k shares one axis (Geometric(2^-k)
/ 2^k tends to Exp(1)).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
from scipy import stats


def _frames(trials: dict[int, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per k: the ECDF beside the geometric CDF at each sorted trial, and QQ pairs."""
    curves, pairs = [], []
    for bits, sample in trials.items():
        law, scale = stats.geom(2.0**-bits), 2.0**bits
        ordered = np.sort(sample)
        n = len(ordered)
        curves.append(pd.DataFrame({"bits": bits, "trials / 2^k": ordered / scale,
                                    "real trials (ECDF)": np.arange(1, n + 1) / n,
                                    "Geometric(2^-k) CDF": law.cdf(ordered)}))
        pairs.append(pd.DataFrame({"bits": bits, "geometric quantile / 2^k": law.ppf((np.arange(n) + 0.5) / n) / scale,
                                   "real quantile / 2^k": ordered / scale}))
    return pd.concat(curves, ignore_index=True), pd.concat(pairs, ignore_index=True)


def validation_chart(trials: dict[int, np.ndarray], provenance: dict[str, object]
                     ) -> alt.VConcatChart:
    """ECDF of real trials against the geometric CDF, one panel per k, above a QQ plot.

    ``provenance`` goes into the spec's ``usermeta`` and, briefly, into the subtitle.
    """
    curves, pairs = _frames(trials)
    long = curves.melt(id_vars=["bits", "trials / 2^k"], var_name="curve", value_name="probability")
    ecdf = alt.Chart(long).mark_line(interpolate="step-after").encode(
        x=alt.X("trials / 2^k:Q"), y=alt.Y("probability:Q"),
        # one legend: the dash repeats the colour's distinction (two legends would list it twice)
        color=alt.Color("curve:N", title=None), strokeDash=alt.StrokeDash("curve:N", legend=None),
        tooltip=["bits:O", alt.Tooltip("trials / 2^k:Q", format=".3f"), "curve:N",
                 alt.Tooltip("probability:Q", format=".3f")],
    ).properties(width=180, height=140).facet(facet=alt.Facet("bits:O", title="bits k"), columns=5)
    top = float(max(pairs["geometric quantile / 2^k"].max(), pairs["real quantile / 2^k"].max()))
    x_title, y_title = "geometric quantile / 2^k", "real quantile / 2^k"
    diagonal = alt.Chart(pd.DataFrame({"x": [0.0, top], "y": [0.0, top]})).mark_line(color="gray").encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("y:Q", title=y_title))
    qq = alt.Chart(pairs).mark_point(size=12).encode(
        x=alt.X(f"{x_title}:Q", title=x_title), y=alt.Y(f"{y_title}:Q", title=y_title),
        color=alt.Color("bits:O", title="bits k"),
        tooltip=["bits:O", alt.Tooltip(f"{x_title}:Q", format=".3f"),
                 alt.Tooltip(f"{y_title}:Q", format=".3f")])
    subtitle = f"{provenance.get('command')} (seed {provenance.get('seed')}, {provenance.get('created')})"
    return alt.vconcat(ecdf, (diagonal + qq).properties(width=400, height=400, title="QQ plot")).properties(
        title=alt.Title("Real HashCash trials against Geometric(2^-k)", subtitle=subtitle),
        usermeta={"powsim": provenance}).resolve_scale(color="independent")
