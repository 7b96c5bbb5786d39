"""Real-hash mode, puzzle by puzzle: the trials the simulator records for real SHA-256
solves follow Geometric(2^-bits) at every difficulty the server set.

Sharper than comparing 40 replications' summaries (tests/test_hashcash_sim.py), which
average many puzzles and so hide the law's shape: here each puzzle is one observation of
an exact KS test against the geometric law, about a hundred per difficulty (7 to 10 bits),
and the mean is held within 4 standard errors (about +-40 % at 100 puzzles).
"""

from __future__ import annotations

import numpy as np

from powsim.hashcash.validate import geometric_ks_pvalue
from powsim.sim.replicate import replicate
from powsim.model.parse import load_scenario
from simkit import query_trace, scenario_file

SCENARIO = """
[defense]
policy = "paper"
reference = "legit.parquet"
reference_hash_rate = 1.0e4
max_bits = 10
[hardware.slow]
hash_rate_hz = 2000.0
price_per_hour_usd = 0.1
watts = 10.0
[[agents]]
kind = "attacker"
name = "attacker"
count = 4
trace = "attack.parquet"
hardware = "slow"
"""


def test_real_trials_per_puzzle_follow_the_geometric_law(tmp_path):
    query_trace(tmp_path / "legit.parquet", 0.1, batches=20)
    query_trace(tmp_path / "attack.parquet", 1.0, batches=30)
    events, _ = replicate(load_scenario(scenario_file(tmp_path, SCENARIO)), "sampled", seed=4,
                          replications=3, hashing="real")
    tested = 0
    for bits, group in events.groupby("bits"):
        trials = group["trials"].to_numpy().astype(np.int64)
        if trials.size < 50:
            continue
        tested += trials.size
        # Level 0.001 per difficulty; fixed seed, so the outcome is reproducible.
        assert geometric_ks_pvalue(trials, int(bits), np.random.default_rng(int(bits))) > 0.001, bits
        # And the mean: within 4 standard errors of 2^bits (variance 2^bits (2^bits - 1)).
        mean, se = 2.0**bits, np.sqrt(2.0**bits * (2.0**bits - 1) / trials.size)
        assert abs(trials.mean() - mean) < 4 * se, (bits, trials.mean(), mean)
    assert tested >= 200
