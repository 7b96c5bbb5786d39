"""Charts people can read and outputs that say what they are.

Charts are checked on their vega-lite specs: a log axis where values span decades (and only
there), the answer marked with its value, units in the axis titles, tooltips, one legend per
distinction. Outputs: simulate's summary.csv names the run's a, policy and puzzle, and a run
of a memory-hard puzzle never labels its work as SHA-256 hashes.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from test_bad_input_corpus import scenario
from test_bad_paths import _small_load_scenario

from powsim.calibrate.pareto_chart import pareto_chart
from powsim.hashcash.chart import validation_chart
from powsim.sweep.capacity import Slo
from powsim.sweep.capacity_chart import capacity_chart
from powsim.load.series_chart import series_chart

ORIGIN = {"command": "powsim test", "seed": 0, "created": "now"}


def _walk(spec: object):
    """Every dict inside a vega-lite spec."""
    if isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from _walk(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _walk(value)


def _encodings(chart, channel: str) -> list[dict]:
    return [node["encoding"][channel] for node in _walk(chart.to_dict())
            if isinstance(node.get("encoding"), dict) and channel in node["encoding"]]


def _texts(chart) -> list[str]:
    """Every value a text mark shows, from the datasets its layers use."""
    spec = chart.to_dict()
    return [str(row.get("label")) for rows in spec.get("datasets", {}).values() for row in rows
            if "label" in row]


def _pareto_table() -> pd.DataFrame:
    a = np.geomspace(1.0001, 1.5, 41)
    rows = pd.DataFrame({"a": a, "legit_p95": 1 + 20 * (a - 1), "attacker_dollars": 0.02,
                         "saturated": True, "feasible": a < 1.05, "seeds": "tuning"})
    rows["legit_p95_ci_low"], rows["legit_p95_ci_high"] = rows["legit_p95"] - 3, rows["legit_p95"] + 3
    rows["attacker_dollars_ci_low"], rows["attacker_dollars_ci_high"] = 0.015, 0.025
    rows["chosen"] = np.isclose(a, a[a < 1.05].max())
    held = rows[rows["chosen"]].assign(seeds="held-out")
    return pd.concat([rows, held], ignore_index=True)


def test_calibration_chart_spreads_every_a_and_marks_the_chosen_one():
    table = _pareto_table()
    chart = pareto_chart(table, 2.0, ORIGIN)
    x = [e for e in _encodings(chart, "x") if e.get("field") == "a"]
    assert x and all(e["scale"]["type"] == "log" for e in x if "scale" in e)
    chosen = table.loc[table["chosen"], "a"].iloc[0]
    assert f"chosen a = {chosen:.6g}" in _texts(chart)
    assert any("legit_p95" in json.dumps(t) for t in _encodings(chart, "tooltip"))
    titles = [e.get("title") for e in _encodings(chart, "y")]
    assert "legitimate users' p95 overhead (x)" in titles
    assert any("US$" in str(t) for t in titles)
    # attacker cost constant (saturated): a linear axis that need not start at 0, not a log one
    cost = [e for e in _encodings(chart, "y") if e.get("field") == "attacker_dollars"][0]
    assert cost["scale"] == {"zero": False}
    # the frontier panel: attacker cost against the p95, a CI bar on each axis, the choice named
    assert any(e.get("field") == "legit_p95_ci_high" for e in _encodings(chart, "x2"))
    assert any(e.get("field") == "attacker_dollars_ci_high" for e in _encodings(chart, "y2"))
    assert _texts(chart).count(f"chosen a = {chosen:.6g}") >= 2


def _capacity_table(means: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"workers": range(1, len(means) + 1), "mean": means,
                         "ci_low": [m * 0.9 for m in means], "ci_high": [m * 1.1 for m in means],
                         "meets": [m <= 5 for m in means], "utilisation": 0.5,
                         "cost_per_hour_usd": 1.0, "replications": 3})


@pytest.mark.parametrize("means, log", [([130.7, 3.6, 2.6, 2.5], True), ([3.0, 2.8, 2.6], False)])
def test_capacity_chart_axis_is_log_only_when_values_span_decades(means, log):
    slo = Slo("legit.ttc_p95<=5", "legit", "ttc_p95_s", "<=", 5.0)
    chart = capacity_chart(_capacity_table(means), slo, ORIGIN, answer=2)
    y = [e for e in _encodings(chart, "y") if e.get("field") == "mean"][0]
    assert (y["scale"].get("type") == "log") is log
    assert y["title"] == "legit: 95th percentile time-to-connect, the lost never connecting (s)"
    assert "smallest meeting the SLO: 2" in _texts(chart)
    assert _encodings(chart, "tooltip")


def test_a_capacity_chart_without_an_answer_marks_none():
    slo = Slo("legit.ttc_p95<=1", "legit", "ttc_p95_s", "<=", 1.0)
    assert _texts(capacity_chart(_capacity_table([3.0, 2.0]), slo, ORIGIN, answer=None)) == []


def test_validation_chart_has_one_legend_for_the_curves():
    rng = np.random.default_rng(0)
    chart = validation_chart({4: rng.geometric(1 / 16, 50), 5: rng.geometric(1 / 32, 50)}, ORIGIN)
    dashes = _encodings(chart, "strokeDash")
    assert dashes and all(d.get("legend", "missing") is None for d in dashes)
    assert _encodings(chart, "tooltip")


def test_series_chart_has_four_panels_with_units_and_log_effort():
    t = np.arange(10) * 60.0
    series = pd.DataFrame({"t_s": t, "effort": [1e3] * 3 + [1e6] * 7, "queue": range(10),
                           "connected_legit": 1200, "ttc_p50_s": 1.0, "ttc_p95_s": [2.0] * 9 + [np.inf],
                           "replication": 0})
    chart = series_chart(series, 60.0, 120.0, ORIGIN)
    spec = chart.to_dict()
    assert len(spec["vconcat"]) == 4
    titles = {e.get("field"): e for e in _encodings(chart, "y") if "title" in e}
    assert titles["effort"]["title"] == "published effort (hashes)"
    assert titles["effort"]["scale"]["type"] == "log"
    assert titles["connect_hz"]["title"] == "legitimate clients connecting (1/s)"
    assert titles["ttc_s"]["title"] == "time-to-connect, all clients (s; gap: not reached)"


def test_simulate_summary_names_a_policy_and_puzzle(cli, tmp_path):
    path = scenario(tmp_path, 'puzzle = "argon2id"\nmemory_kib = 1024\na = 1.02')
    result = cli("simulate", path, "--out", tmp_path / "out")
    assert result.code == 0, result.err
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert set(summary["a"]) == {1.02} and set(summary["policy"]) == {"paper"}
    assert set(summary["puzzle"]) == {"argon2id"}
    assert "hashes (argon2id trials)" in result.out and "SHA-256" not in result.out
    assert "expected mode: every random duration at its mean" in result.out
    assert "tuned for a client of 1e+06 hashes/s" in result.out


def test_a_load_run_writes_its_time_series_chart(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("simulate", _small_load_scenario(tmp_path), "--out", out)
    assert result.code == 0, result.err
    html = (out / "timeseries.html").read_text()
    assert "time-to-connect, all clients (s" in html and "published effort (hashes)" in html
    assert (out / "timeseries.png").read_bytes()[:4] == b"\x89PNG"
