"""Exact values of the summary table: the members' overhead percentiles, verification time
and the replications' confidence interval, each computed independently of sim/summary.py."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from powsim.sim.summary import SUMMARY_COLUMNS, combine
from simkit import query_trace, run

# The defense of test_sim_expected's hand computation, a slow client, and one agent entry.
HEADER = """
[defense]
policy = "paper"
a = 2.0
min_s = 0.001
max_s = 10000.0
reference = "legit.parquet"
reference_hash_rate = 100.0
[server]
workers = 4
verify_s = {verify_s}
{server}
[hardware.slow]
hash_rate_hz = 50.0
price_per_hour_usd = 3.6
watts = 100.0
[[agents]]
name = "{name}"
trace = "attack.parquet"
hardware = "slow"
"""


def scenario(verify_s: float = 0.0, count: int = 1, start_s: float = 0.0, server: str = "") -> str:
    """Legitimate users, all on the attack trace."""
    return (HEADER.format(verify_s=verify_s, server=server, name="users")
            + f'kind = "legit"\ncount = {count}\nstart_s = {start_s}\n')


def crew(kind: str, members: str) -> str:
    """One entry named "crew" of ``kind`` (``members`` its size lines), verifying for 0.25 s."""
    return HEADER.format(verify_s=0.25, server="", name="crew") + f'kind = "{kind}"\n{members}\n'


@pytest.fixture
def folder(tmp_path):
    # Reference 0.1 per query, users at 0.6: batch 1 targets 0.32 s (5 bits), batch 2
    # 10.24 s (10 bits), as in test_sim_expected's hand computation.
    query_trace(tmp_path / "legit.parquet", 0.1, batches=4)
    query_trace(tmp_path / "attack.parquet", 0.6, batches=2)
    return tmp_path


def hand_percentile(values: np.ndarray, q: float) -> float:
    """The q-quantile by linear interpolation between order statistics (pandas' default)."""
    ordered = np.sort(values)
    position = (ordered.size - 1) * q
    low = math.floor(position)
    high = min(low + 1, ordered.size - 1)
    return float(ordered[low] + (position - low) * (ordered[high] - ordered[low]))


def test_overhead_median_and_p95_are_the_members_percentiles(folder):
    events, summary = run(folder, scenario(count=20), mode="sampled", seed=5)
    per_user = events.groupby("actor").agg(base=("service_s", "sum"), pow=("solve_s", "sum"))
    overheads = ((per_user["base"] + per_user["pow"]) / per_user["base"]).to_numpy()
    assert overheads.size == 20
    row = summary.loc["users"]
    assert row["overhead_median"] == pytest.approx(hand_percentile(overheads, 0.5), rel=1e-12)
    assert row["overhead_p95"] == pytest.approx(hand_percentile(overheads, 0.95), rel=1e-12)
    # The sample is spread out, so p95, median, mean and max are all different numbers.
    assert row["overhead_median"] < row["overhead_p95"] < overheads.max()


def test_verification_seconds_count_in_the_overhead(folder):
    # One user: base 2 x 1.5 s, PoW 0.64 + 20.48 s, and 0.25 s to verify each of 2 solutions.
    events, summary = run(folder, scenario(verify_s=0.25))
    row = summary.loc["users"]
    assert row["time_s"] == pytest.approx(3.0)
    assert row["time_pow_s"] == pytest.approx(3.0 + 21.12 + 0.5)
    assert row["overhead"] == pytest.approx(24.62 / 3.0)
    assert row["overhead_median"] == row["overhead_p95"] == pytest.approx(24.62 / 3.0)
    # Labels are released after verification: the last release is at the sum of all steps.
    assert events["sim_time_s"].iloc[-1] == pytest.approx(24.62)


def test_overhead_of_a_base_time_under_a_second(folder):
    # Service 0.2 + 0.1 s per batch: base 0.6 s, PoW 21.12 s as above.
    _, summary = run(folder, scenario(server="inference_s = 0.2\ncost_s = 0.1"))
    assert summary.loc["users", "time_s"] == pytest.approx(0.6)
    assert summary.loc["users", "overhead"] == pytest.approx(21.72 / 0.6)
    assert summary.loc["users", "overhead_p95"] == pytest.approx(21.72 / 0.6)  # the one member's


def test_no_base_time_means_no_overhead_ratio(folder):
    _, summary = run(folder, scenario(server="inference_s = 0.0\ncost_s = 0.0"))
    assert summary.loc["users", "time_s"] == 0.0 and summary.loc["users", "time_pow_s"] == pytest.approx(21.12)
    assert math.isnan(summary.loc["users", "overhead"])
    assert math.isnan(summary.loc["users", "overhead_median"]) and math.isnan(summary.loc["users", "overhead_p95"])


def test_wall_time_runs_from_the_first_start_to_the_last_release(folder):
    events, summary = run(folder, scenario(start_s=100.0))
    assert events["sim_time_s"].max() == pytest.approx(100.0 + 24.12)
    assert summary.loc["users", "wall_s"] == pytest.approx(24.12)


def test_summary_columns_are_the_documented_ones_in_order(folder):
    _, summary = run(folder, scenario())
    assert ["agent", *summary.columns] == SUMMARY_COLUMNS + ["ci_low", "ci_high", "replications"]


def summary_row(overhead: float, hashes: float, agent: str = "a") -> dict[str, object]:
    row = {column: 1.0 for column in SUMMARY_COLUMNS}
    row.update(agent=agent, kind="attacker", hardware="gpu", members=1, accounts=1,
               overhead=overhead, hashes=hashes)
    return row


@pytest.mark.parametrize("confidence, t_quantile", [
    (0.95, 3.182446305284263),  # Student t, 3 degrees of freedom, 0.975 quantile (tables)
    (0.90, 2.353363434801823),  # 0.95 quantile
])
def test_confidence_interval_of_the_mean_overhead(confidence, t_quantile):
    overheads = [1.0, 2.0, 3.0, 4.0]
    summaries = [pd.DataFrame([summary_row(o, 10.0 * o)]) for o in overheads]
    table = combine(summaries, confidence).iloc[0]
    # Mean 2.5; sample standard deviation sqrt(5/3); half-width t x s / sqrt(4).
    half = t_quantile * math.sqrt(5.0 / 3.0) / 2.0
    assert table["overhead"] == pytest.approx(2.5)
    assert table["hashes"] == pytest.approx(25.0)
    assert (table["ci_low"], table["ci_high"]) == (pytest.approx(2.5 - half), pytest.approx(2.5 + half))
    assert table["replications"] == 4


def test_one_replication_has_no_interval():
    table = combine([pd.DataFrame([summary_row(3.0, 1.0)])]).iloc[0]
    assert table["overhead"] == 3.0 and table["replications"] == 1
    assert math.isnan(table["ci_low"]) and math.isnan(table["ci_high"])


def test_two_replications_have_an_interval_and_the_default_level_is_95_percent():
    # Overheads 1 and 3: mean 2, s = sqrt(2), t(0.975, 1) = 12.706204736174704.
    summaries = [pd.DataFrame([summary_row(o, 1.0)]) for o in (1.0, 3.0)]
    table = combine(summaries).iloc[0]
    half = 12.706204736174704 * math.sqrt(2.0) / math.sqrt(2.0)
    assert (table["ci_low"], table["ci_high"]) == (pytest.approx(2.0 - half), pytest.approx(2.0 + half))


def test_combine_keeps_the_scenarios_order_of_agents():
    summaries = [pd.DataFrame([summary_row(o, 1.0, "zed"), summary_row(o, 1.0, "amy")]) for o in (1.0, 2.0)]
    assert combine(summaries)["agent"].tolist() == ["zed", "amy"]


def test_signup_puzzles_are_solved_but_only_answered_batches_are_verified(folder):
    events, summary = run(folder, crew("sybil", "accounts = 2\nsignup_bits = 4"))
    signups = events[events["batch"] < 0]
    assert len(signups) == 2 and (signups["solve_s"] == 16 / 50).all()
    answered = events[events["batch"] >= 0]
    row = summary.loc["crew"]
    assert row["time_pow_s"] == pytest.approx(row["time_s"] + events["solve_s"].sum() + 0.25 * len(answered))


def test_members_without_batches_cost_nothing_and_have_no_overhead(folder):
    # Four colluders, two batches: two members never ask anything.
    events, summary = run(folder, crew("colluders", "actors = 4"))
    assert events["actor"].nunique() == 2
    row = summary.loc["crew"]
    assert row["members"] == 4 and row["time_s"] == pytest.approx(3.0)
    assert row["time_pow_s"] == pytest.approx(3.0 + events["solve_s"].sum() + 0.5)
    per_member = [(1.5 + s + 0.25) / 1.5 for s in events.groupby("actor")["solve_s"].sum()]
    assert row["overhead_median"] == pytest.approx(sum(per_member) / 2)
