"""Write altair charts that open offline: HTML with vega inlined (no CDN), and PNG."""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt

from powsim.atomic import atomic_path


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
