"""Write altair charts that open offline: HTML with vega inlined (no CDN), and PNG."""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import pandas as pd

from powsim.atomic import atomic_path

DECADE = 10.0  # a ratio of largest to smallest value beyond which an axis is logarithmic


def log_when_wide(values: pd.Series) -> alt.Scale:
    """A log scale when the positive finite ``values`` span more than :data:`DECADE` (so no
    one point squeezes the others into a line), else a linear one that need not start at 0."""
    positive = values[(values > 0) & (values < float("inf"))]
    wide = len(positive) > 1 and positive.max() / positive.min() > DECADE
    return alt.Scale(type="log") if wide else alt.Scale(zero=False)


def save_chart(chart: alt.TopLevelMixin, stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``chart`` as ``stem.html`` (vega, vega-lite and vega-embed inlined, so it renders
    without a network) and ``stem.png`` (via vl-convert), each atomically; returns the paths."""
    paths = []
    for fmt in ("html", "png"):
        path = Path(f"{stem}.{fmt}")
        options = {"inline": True} if fmt == "html" else {}
        with atomic_path(path) as tmp, alt.data_transformers.disable_max_rows():
            chart.save(str(tmp), format=fmt, **options)
        paths.append(path)
    return paths


def embed_script() -> str:
    """vega, vega-lite and vega-embed as one script, the bundle :func:`save_chart` inlines, for
    a page that holds several charts and opens without a network."""
    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    return import_vl_convert().javascript_bundle(vl_version=vl_version_for_vl_convert())


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """``chart``'s vega-lite spec with its data inlined, whatever its number of rows."""
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()
