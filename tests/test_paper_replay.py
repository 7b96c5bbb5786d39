"""Paper mode against the paper's Table 2 (MNIST) and an independent scalar replay."""

from __future__ import annotations

import csv
import io
import json
import math
import statistics

import pandas as pd
import pytest

from conftest import ATTACK_CSV, REFERENCE_CSV

A = 1.0075
T_MIN, T_MAX = 0.1, 2948.467908

# Table 2 of the paper, MNIST rows, as the reference README lists them:
# attack -> (queries, privacy, half a unit of its last printed digit, time_s, time_pow_s, accuracy %).
PAPER_TABLE = {
    "standard": (10_000, 2576, 0.5, 73.6, 83.9, 98.4),
    "adaptiveknockoff": (10_000, 5251, 0.5, 73.6, 21235, 89.7),
    "copycat": (10_000, 5301, 0.5, 73.6, 21283, None),
    "jacobian": (10_000, 2421.6, 0.05, 73.6, 91.1, None),
    "data-free": (None, 1.39e6, 0.005e6, None, 276904, None),
}
# Left out above, because the authors' CSV holds other values than their table: the
# accuracy of copycat (92.7 in the table, 93.24 in the CSV at 10K), jacobian (81.4 vs 83.32)
# and data free (95.18 vs 91.93), and data free's 2M queries / 14375 s (the CSV ends at
# 1,968,750 queries, 1,946,875 counted from its first row, 14490 s). Data free's Time PoW
# still matches.


def independent_replay(mode: str) -> list[tuple[float, float]]:
    """Scalar re-derivation of docs/paper-replay.md: (queries, time_pow_s) per row of ``mode``.

    ``queries`` is the true cumulative count (the first row's batches included); the charge
    counts queries from the first row, as the paper does."""
    with open(REFERENCE_CSV, newline="") as f:
        reference = list(csv.DictReader(f))
    b1, b0 = statistics.linear_regression([float(r["queries"]) for r in reference],
                                          [float(r["privacy"]) for r in reference])
    with open(ATTACK_CSV, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["mode"] == mode]
    out, queries, total = [], 0.0, 0.0
    start = 62.5 * float(rows[0]["diff queries"])
    for index, row in enumerate(rows):
        if index == 0:
            diff = abs(0.0 - b0)
        else:
            queries += 62.5 * float(row["diff queries"])
            diff = abs(float(row["privacy cost"]) - (b0 + b1 * queries))
        log_charge = min(max(diff * math.log(A), math.log(T_MIN)), math.log(T_MAX))
        charge = math.exp(log_charge) - (1.0 if index == 0 else 0.0)
        total = (total + charge + float(row["time (sec)"]) - float(rows[index - 1]["time (sec)"])
                 if index else float(row["time (sec)"]) + charge)
        out.append((start + queries, total))
    return out


def table(cli, curves, *extra: str) -> pd.DataFrame:
    result = cli("table", "--traces", curves, "--mode", "paper", "--format", "csv", *extra)
    assert result.code == 0, result.err
    return pd.read_csv(io.StringIO(result.out))


@pytest.mark.parametrize("attack", sorted(PAPER_TABLE))
def test_reproduces_the_papers_mnist_table(cli, paper_curves, attack):
    curve = table(cli, paper_curves, "--curve")
    rows = curve[curve.attack == attack]
    queries, privacy, rounding, time_s, time_pow_s, accuracy = PAPER_TABLE[attack]
    row = rows[rows.queries == queries].iloc[0] if queries else rows.iloc[-1]
    assert row.time_pow_s == pytest.approx(time_pow_s, rel=1e-3)
    assert row.privacy == pytest.approx(privacy, abs=rounding)
    if time_s is not None:
        assert row.time_s == pytest.approx(time_s, rel=1e-3)
    if accuracy is not None:
        assert row.accuracy == pytest.approx(accuracy, abs=0.05)


@pytest.mark.parametrize("mode", ["standard", "copycat", "adaptiveknockoff", "jacobian", "entropyrev",
                                  "worstcase", "data free"])
def test_whole_curve_matches_an_independent_replay(cli, paper_curves, mode):
    curve = table(cli, paper_curves, "--curve")
    rows = curve[curve.attack == mode.replace(" ", "-")]
    expected = independent_replay(mode)
    assert len(rows) == len(expected)
    for (queries, time_pow_s), (_, row) in zip(expected, rows.iterrows()):
        assert row.queries == pytest.approx(queries, abs=1e-9)
        assert row.time_pow_s == pytest.approx(time_pow_s, rel=1e-3)


def test_summary_table_has_one_row_per_attack_with_the_documented_columns(cli, paper_curves):
    summary = table(cli, paper_curves)
    assert list(summary.columns) == ["dataset", "attack", "queries", "privacy", "time_s",
                                     "time_pow_s", "overhead", "accuracy", "mode", "a"]
    assert sorted(summary.attack) == sorted(
        ["standard", "copycat", "adaptiveknockoff", "jacobian", "entropyrev", "worstcase", "data-free"])
    assert (summary.overhead == summary.time_pow_s / summary.time_s).all()


def test_large_a_saturates_at_the_clip_without_overflow(cli, paper_curves):
    # 1.5 ** 1.39e6 overflows a double by far; every data-free row after the first has a
    # diff in the thousands, so each must be charged exactly T_MAX.
    curve = table(cli, paper_curves, "--a", "1.5", "--curve")
    free = curve[curve.attack == "data-free"]
    charges = free.time_pow_s.diff() - free.time_s.diff()
    assert free.time_pow_s.map(math.isfinite).all()
    assert charges.iloc[1:].to_numpy() == pytest.approx(T_MAX, rel=1e-9)


def test_formats_record_provenance(cli, paper_curves, tmp_path):
    out = tmp_path / "t.json"
    result = cli("table", "--traces", paper_curves, "--format", "json", "--out", out, "--a", "1.01")
    assert result.code == 0
    rows = pd.read_json(out)
    assert len(rows) == 7 and (rows["a"] == 1.01).all()
    origin = json.loads((tmp_path / "t.json.provenance.json").read_text())
    assert origin["a"] == 1.01 and "versions" in origin
    markdown = cli("table", "--traces", paper_curves, "--dataset", "mnist").out
    assert markdown.startswith("| dataset")
    assert " 10,000 |" in markdown and " 1,968,750 |" in markdown and "time (s)" in markdown
    assert "Produced by powsim" in markdown
