"""Charts' HTML pages open offline: altair's inline page byte for byte, its script bundle kept
in the user cache between commands, a damaged kept bundle made again, a FIFO in its place
never read."""

from __future__ import annotations

import os

import altair as alt
import pandas as pd
import pytest

from powsim import charts


def _chart() -> alt.Chart:
    return alt.Chart(pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3, 1, 2]})).mark_line().encode(x="a", y="b")


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_page_is_altairs_inline_page(cache, tmp_path):
    charts.save_chart(_chart(), tmp_path / "chart")
    _chart().save(str(tmp_path / "altair.html"), format="html", inline=True)
    assert (tmp_path / "chart.html").read_bytes() == (tmp_path / "altair.html").read_bytes()
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")


def test_the_bundle_is_kept_and_a_damaged_one_made_again(cache, monkeypatch):
    script = charts.embed_script()
    (kept,) = cache.glob("vega-embed-*.js")
    assert kept.read_text().partition("\n")[2] == script

    from altair.utils._importers import import_vl_convert

    vl_convert = import_vl_convert()
    made = []
    bundle = vl_convert.javascript_bundle
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda **kw: made.append(kw) or bundle(**kw))
    assert charts.embed_script() == script and made == []  # read from the cache
    kept.write_text(kept.read_text()[:-100])  # cut short: its digest no longer matches
    assert charts.embed_script() == script and len(made) == 1
    assert kept.read_text().partition("\n")[2] == script


def test_a_fifo_in_the_bundles_place_is_not_read(cache, within):
    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    cache.mkdir(parents=True)
    os.mkfifo(cache / f"vega-embed-{import_vl_convert().__version__}-{vl_version_for_vl_convert()}.js")
    assert "vegaEmbed" in within(charts.embed_script)
