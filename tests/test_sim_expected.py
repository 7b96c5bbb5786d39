"""Expected mode against a hand computation, and the policies' charges."""

import math

import pytest

from simkit import query_trace, run

HAND = """
[defense]
policy = "{policy}"
a = 2.0
min_s = 0.001
max_s = 10000.0
reference = "legit.parquet"
reference_hash_rate = 100.0
[server]
workers = 1
[hardware.slow]
hash_rate_hz = 50.0
price_per_hour_usd = 3.6
watts = 100.0
[[agents]]
kind = "attacker"
name = "thief"
trace = "attack.parquet"
hardware = "slow"
"""


@pytest.fixture
def folder(tmp_path):
    # Reference: 0.1 per query exactly, so E(Q) = 0.1 Q. Attack: 0.6 per query, 2 batches of 10.
    query_trace(tmp_path / "legit.parquet", 0.1, batches=4)
    query_trace(tmp_path / "attack.parquet", 0.6, batches=2)
    return tmp_path


def test_expected_mode_equals_the_hand_computation(folder):
    # Batch 1: Q = 10, cost 6, E = 1, diff 5: target 2^5 s per 1000 queries x 10/1000 = 0.32 s;
    #   bits round(log2(0.32 x 100)) = 5; 32 trials at 50 H/s = 0.64 s.
    # Batch 2: Q = 20, cost 12, E = 2, diff 10: target 1024 x 0.01 = 10.24 s; 10 bits;
    #   1024 trials = 20.48 s. Base time 2 x (1 + 0.5) s = 3 s.
    events, summary = run(folder, HAND.format(policy="paper"))
    assert events["target_s"].tolist() == pytest.approx([0.32, 10.24])
    assert events["bits"].tolist() == [5, 10]
    assert events["trials"].tolist() == [32.0, 1024.0]
    assert events["solve_s"].tolist() == pytest.approx([0.64, 20.48])
    assert events["sim_time_s"].tolist() == pytest.approx([1.5 + 0.64, 1.5 + 0.64 + 1.5 + 20.48])
    row = summary.loc["thief"]
    assert row["time_s"] == pytest.approx(3.0)
    assert row["time_pow_s"] == pytest.approx(3.0 + 21.12)
    assert row["overhead"] == pytest.approx(24.12 / 3.0)
    assert row["hashes"] == 1056.0
    # 1056 hashes at 50 H/s = 21.12 s at $3.6/h = $0.02112; 21.12 s x 100 W = 2112 J.
    assert row["dollars"] == pytest.approx(0.02112)
    assert row["kwh"] == pytest.approx(2112 / 3.6e6)
    assert row["bits_mean"] == 7.5 and row["rounding"] == pytest.approx(1.0)  # exact powers of 2
    assert row["accuracy"] == 90.0 and row["privacy"] == pytest.approx(12.0)


def test_one_sided_charges_only_excess(folder):
    query_trace(folder / "attack.parquet", 0.05, batches=2)  # below the reference
    _, paper = run(folder, HAND.format(policy="paper"))
    events, one_sided = run(folder, HAND.format(policy="one-sided"))
    # Below the reference the one-sided diff is 0: a^0 = 1 s per 1000 queries, 0.01 s a batch.
    assert events["target_s"].tolist() == pytest.approx([0.01, 0.01])
    assert one_sided.loc["thief", "hashes"] < paper.loc["thief", "hashes"]


def test_rounding_to_whole_bits_stays_within_half_a_bit(folder):
    # A reference client of 300 H/s: targets 0.32 s and 10.24 s are 96 and 3072 trials,
    # rounded to 2^7 = 128 (x 4/3) and 2^12 = 4096 (x 4/3).
    events, summary = run(folder, HAND.format(policy="paper").replace("100.0", "300.0"))
    ratio = 2.0 ** events["bits"] / 300.0 / events["target_s"]
    assert ((ratio >= 2**-0.5) & (ratio <= 2**0.5)).all()
    assert summary.loc["thief", "rounding"] == pytest.approx(4 / 3)


def test_rdp_policy_needs_logq(folder, capsys):
    from powsim.cli import main
    scenario = folder / "scenario.toml"
    scenario.write_text(HAND.format(policy="rdp"))
    assert main(["simulate", str(scenario), "--out", str(folder / "out")]) == 2
    assert "missing column 'logq'" in capsys.readouterr().err
    assert not (folder / "out").exists()


def test_rdp_policy_charges_on_composed_epsilon(folder):
    query_trace(folder / "legit.parquet", 0.1, batches=8, logq=-30.0)
    query_trace(folder / "attack.parquet", 0.6, batches=8, logq=-2.0)
    events, summary = run(folder, HAND.format(policy="rdp"))
    # The account's cost column is now an (epsilon, delta) figure: increasing and finite,
    # and the attacker's (likelier to flip the answer, log q = -2) exceeds the reference's.
    cost = events["account_cost"].to_numpy()
    assert (cost[1:] > cost[:-1]).all() and math.isfinite(cost[-1])
    assert summary.loc["thief", "hashes"] > 0


def test_sub_solutions_split_the_target(folder):
    # With n = 4 sub-solutions each puzzle has k - 2 bits: the same 32 and 1024 expected
    # trials as with one solution, and the same time.
    text = HAND.format(policy="paper").replace('policy = "paper"', 'policy = "paper"\nsub_solutions = 4')
    events, summary = run(folder, text)
    assert events["bits"].tolist() == [3, 8]
    assert events["trials"].tolist() == [32.0, 1024.0]
    assert summary.loc["thief", "rounding"] == pytest.approx(1.0)


def test_sampled_hashes_converge_to_the_expected_mode(folder):
    # The hand trace's two puzzles (5 and 10 bits) take 32 + 1024 = 1056 trials on average,
    # with variance 32 x 31 + 1024 x 1023 = 1,048,544 (geometric law). The mean over R = 400
    # replications has standard error sqrt(1,048,544 / 400) = 51.2; we allow 4 of them.
    _, expected = run(folder, HAND.format(policy="paper"))
    _, sampled = run(folder, HAND.format(policy="paper"), mode="sampled", seed=8, replications=400)
    standard_error = math.sqrt((32 * 31 + 1024 * 1023) / 400)
    assert abs(sampled.loc["thief", "hashes"] - expected.loc["thief", "hashes"]) < 4 * standard_error


RING = """
[defense]
policy = "paper"
reference = "legit.parquet"
reference_hash_rate = 100.0
accounting = "group"
link_probability = {p}
[[agents]]
kind = "sybil"
name = "ring"
accounts = 4
trace = "long.parquet"
"""


def test_expected_mode_takes_the_expectation_of_ring_linking(folder):
    # Linking is the only random choice of expected mode: with p = 0.3 each figure is
    # 0.3 x (linked) + 0.7 x (not linked), not one draw of it.
    query_trace(folder / "long.parquet", 0.6, batches=40)
    linked = run(folder, RING.format(p=1.0))[1].loc["ring"]
    apart = run(folder, RING.format(p=0.0))[1].loc["ring"]
    events, summary = run(folder, RING.format(p=0.3))
    assert linked["hashes"] != pytest.approx(apart["hashes"])
    for figure in ("hashes", "time_pow_s", "overhead", "bits_mean", "dollars"):
        expected = 0.3 * linked[figure] + 0.7 * apart[figure]
        assert summary.loc["ring", figure] == pytest.approx(expected, rel=1e-12)
    assert sorted(events["linked"].unique()) == [False, True]
