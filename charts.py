"""Write altair charts that open offline: HTML with vega inlined (no CDN), and PNG."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import altair as alt
import pandas as pd

from powsim.atomic import atomic_path, write_text_atomic
from powsim.user_cache import user_cache

DECADE = 10.0  # a ratio of largest to smallest value beyond which an axis is logarithmic


def log_when_wide(values: pd.Series) -> alt.Scale:
    """A log scale when the positive finite ``values`` span more than :data:`DECADE` (so no
    one point squeezes the others into a line), else a linear one that need not start at 0."""
    positive = values[(values > 0) & (values < float("inf"))]
    wide = len(positive) > 1 and positive.max() / positive.min() > DECADE
    return alt.Scale(type="log") if wide else alt.Scale(zero=False)


def save_chart(chart: alt.TopLevelMixin, stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``chart`` as ``stem.html`` (vega, vega-lite and vega-embed inlined, so it renders
    without a network: altair's inline page, with :func:`embed_script`'s kept bundle) and
    ``stem.png`` (via vl-convert), each atomically; returns the paths."""
    paths = []
    for fmt in ("html", "png"):
        path = Path(f"{stem}.{fmt}")
        options = {"template": _Inline(embed_script())} if fmt == "html" else {}
        with atomic_path(path) as tmp, alt.data_transformers.disable_max_rows():
            chart.save(str(tmp), format=fmt, **options)
        paths.append(path)
    return paths


class _Inline:
    """altair's inline HTML template (what ``save(..., inline=True)`` renders, byte for byte)
    with ``script`` as its bundle, instead of the one altair would have vl-convert make."""

    def __init__(self, script: str) -> None:
        self.script = script

    def render(self, **fields: object) -> str:
        from altair.utils.html import INLINE_HTML_TEMPLATE

        return INLINE_HTML_TEMPLATE.render(**fields, vegaembed_script=self.script)


def embed_script() -> str:
    """vega, vega-lite and vega-embed as one script (about 0.9 MB), the bundle :func:`save_chart`
    inlines, also for a page that holds several charts and opens without a network.

    vl-convert takes about 1 s of CPU to bundle it, once per process, so it is kept in the user
    cache (:mod:`powsim.user_cache`), named by vl-convert's and vega-lite's versions, behind a
    first line holding its SHA-256: a kept file that does not match is bundled again. A cache
    that cannot be written costs only the time."""
    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    vl_convert, version = import_vl_convert(), vl_version_for_vl_convert()
    kept = user_cache() / f"vega-embed-{vl_convert.__version__}-{version}.js"
    try:
        if kept.is_file():  # a regular file: reading a FIFO put there would wait forever
            head, _, script = kept.read_text(encoding="utf-8").partition("\n")
            if head == _digest_line(script):
                return script
    except (OSError, UnicodeError):
        pass
    script = vl_convert.javascript_bundle(vl_version=version)
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(kept, f"{_digest_line(script)}\n{script}")
    except OSError:
        pass
    return script


def _digest_line(script: str) -> str:
    return f"// sha256 {hashlib.sha256(script.encode()).hexdigest()}"


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """``chart``'s vega-lite spec with its data inlined, whatever its number of rows."""
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()
