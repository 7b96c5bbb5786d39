"""Sybil rings, group accounting, colluders and adaptive attackers."""

import pytest

from simkit import query_trace, run

DEFENSE = """
[defense]
policy = "paper"
reference = "legit.parquet"
reference_hash_rate = 1.0e6
{defense}
[server]
workers = 8
"""

SINGLE = """
[[agents]]
kind = "attacker"
name = "single"
trace = "attack.parquet"
hardware = "gpu"
"""

RING = """
[[agents]]
kind = "sybil"
name = "ring"
accounts = 20
trace = "attack.parquet"
hardware = "gpu"
"""


@pytest.fixture
def folder(tmp_path):
    # Attack costs ten times the reference per query: the single account's diff grows by 9
    # per batch of 10 queries, to 900 after 1,000 queries; each of 20 sybil accounts stops at 45.
    query_trace(tmp_path / "legit.parquet", 0.1, batches=40)
    query_trace(tmp_path / "attack.parquet", 1.0, batches=100)
    return tmp_path


def test_sybil_ring_pays_far_less_than_one_account(folder):
    _, single = run(folder, DEFENSE.format(defense="") + SINGLE)
    _, ring = run(folder, DEFENSE.format(defense="") + RING)
    # The charge is exponential in the per-account diff: at the end a^900 ~ 830 s against
    # a^45 ~ 1.4 s per 1,000 queries. Summed over the trace (and rounded to whole bits) the
    # ring pays over 50 times less.
    print("single/ring hashes:", single.loc["single", "hashes"] / ring.loc["ring", "hashes"])
    assert ring.loc["ring", "hashes"] < single.loc["single", "hashes"] / 50
    assert ring.loc["ring", "bits_mean"] < single.loc["single", "bits_mean"]


def test_group_accounting_with_link_probability_one_restores_single_cost(folder):
    _, single = run(folder, DEFENSE.format(defense="") + SINGLE)
    linked = 'accounting = "group"\nlink_probability = 1.0'
    events, ring = run(folder, DEFENSE.format(defense=linked) + RING)
    assert ring.loc["ring", "hashes"] == single.loc["single", "hashes"]
    assert events["account"].nunique() == 20


def test_group_accounting_with_link_probability_zero_changes_nothing(folder):
    _, unlinked = run(folder, DEFENSE.format(defense="") + RING)
    _, ring = run(folder, DEFENSE.format(defense='accounting = "group"\nlink_probability = 0.0')
                  + RING)
    assert ring.loc["ring", "hashes"] == unlinked.loc["ring", "hashes"]


def test_signup_puzzles_and_fees_are_paid_per_account(folder):
    signup = RING.replace('accounts = 20', 'accounts = 20\nsignup_bits = 20\nsignup_usd = 0.5')
    events, ring = run(folder, DEFENSE.format(defense="") + signup)
    _, free = run(folder, DEFENSE.format(defense="") + RING)
    assert (events["batch"] == -1).sum() == 20
    assert ring.loc["ring", "hashes"] == free.loc["ring", "hashes"] + 20 * 2**20
    assert ring.loc["ring", "dollars"] == pytest.approx(
        free.loc["ring", "dollars"] + 10.0 + 20 * 2**20 / 21.9755e9 / 3600 * 0.35)


def test_colluders_finish_sooner_in_wall_time(folder):
    laptop = SINGLE.replace("gpu", "laptop-cpu")
    colluders = laptop.replace('"attacker"', '"colluders"\nactors = 4').replace("single", "gang")
    _, alone = run(folder, DEFENSE.format(defense="") + laptop)
    _, gang = run(folder, DEFENSE.format(defense="") + colluders)
    assert gang.loc["gang", "members"] == 4
    assert gang.loc["gang", "queries"] == alone.loc["single", "queries"]
    assert gang.loc["gang", "wall_s"] < alone.loc["single", "wall_s"] / 2


def test_adaptive_attacker_mixes_cover_batches_to_shrink_its_diff(folder):
    query_trace(folder / "cover.parquet", 0.05, batches=10, attack="cover")
    adaptive = SINGLE.replace('"attacker"', '"adaptive"\ncover = "cover.parquet"\n'
                              'cover_per_batch = 2').replace("single", "sly")
    events, sly = run(folder, DEFENSE.format(defense="") + adaptive)
    plain_events, single = run(folder, DEFENSE.format(defense="") + SINGLE)
    assert events["cover"].sum() > 0 and (~events["cover"]).sum() == 100

    def final_diff(rows):  # the reference is exactly E(Q) = 0.1 Q
        return rows["account_cost"].iloc[-1] - 0.1 * rows["account_queries"].iloc[-1]

    # Cheap cover queries pull cost per query towards the reference: smaller final diff.
    assert final_diff(events) < final_diff(plain_events) - 50
    assert sly.loc["sly", "accuracy"] == single.loc["single", "accuracy"]


def test_more_colluders_than_batches(folder):
    query_trace(folder / "short.parquet", 1.0, batches=3)
    gang = SINGLE.replace('"attacker"', '"colluders"\nactors = 5').replace("attack.parquet",
                                                                         "short.parquet")
    events, summary = run(folder, DEFENSE.format(defense="") + gang)
    assert summary.loc["single", "members"] == 5 and len(events) == 3
    assert summary.loc["single", "queries"] == 30


def test_rings_are_linked_with_the_link_probability(folder):
    # 200 two-account rings, two batches each, p = 0.3. A linked ring's second batch finds
    # 20 queries on its (shared) account, an unlinked one 10. Linked rings ~ Binomial(200, 0.3):
    # mean 60, s.d. 6.5; we allow 4 s.d.
    query_trace(folder / "tiny.parquet", 1.0, batches=2)
    rings = "".join(f'[[agents]]\nkind = "sybil"\nname = "r{i}"\naccounts = 2\n'
                    f'trace = "tiny.parquet"\n' for i in range(200))
    linked = 'accounting = "group"\nlink_probability = 0.3'
    events, _ = run(folder, DEFENSE.format(defense=linked) + rings, mode="sampled", seed=5)
    second = events[events["batch"] == 1]
    assert abs((second["account_queries"] == 20).sum() - 60) < 4 * (200 * 0.3 * 0.7) ** 0.5
