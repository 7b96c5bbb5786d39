"""The bundled Fashion-MNIST traces: complete, within budget, and showing the paper's finding.

The paper (Dziedzic et al. 2022) saw attackers pay about twice the legitimate user's privacy
cost per query on MNIST, and the legitimate cumulative cost grow linearly; these tests check
the same on the real traces shipped in ``traces/bundled``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from powsim.traces.format import read_trace

BUNDLED = Path(__file__).resolve().parent.parent / "traces" / "bundled"
ATTACKS = ("standard", "entropy", "entropyrev", "worstcase", "knockoff", "jacobian", "datafree",
           "inout")
MIN_QUERIES = {"datafree": 20_000}


def bundled(attack: str):
    return read_trace(BUNDLED / f"fmnist-{attack}.parquet", kind="query")


@pytest.mark.parametrize("attack", ATTACKS)
def test_trace_is_complete(attack):
    trace = bundled(attack)
    meta = trace.metadata
    assert meta.dataset == "fmnist" and meta.attack == attack and meta.teachers == 250
    assert len(trace) >= MIN_QUERIES.get(attack, 5_000)
    checkpoints = [c["queries"] for c in meta.checkpoints]
    assert checkpoints[-1] == len(trace) and max(np.diff([0, *checkpoints])) <= 1000
    assert meta.victim_accuracy >= 90.0
    assert meta.seconds_per_batch["inference_and_cost"] > meta.seconds_per_batch["inference"] > 0


def test_folder_fits_the_budget():
    assert sum(p.stat().st_size for p in BUNDLED.iterdir()) < 25 * 2**20


@pytest.mark.parametrize("attack", ["knockoff", "datafree"])
def test_attackers_pay_at_least_one_and_a_half_times_the_legitimate_rate(attack):
    legitimate = bundled("standard").data["cost"].mean()
    assert bundled(attack).data["cost"].mean() >= 1.5 * legitimate


def test_legitimate_cumulative_cost_is_linear():
    cost = np.cumsum(bundled("standard").data["cost"].to_numpy())
    assert stats.linregress(np.arange(1, cost.size + 1), cost).rvalue ** 2 >= 0.99


def test_the_pool_is_priced_by_the_bundled_traces_teachers():
    """The legitimate pool's votes on the attacker-pool images that fmnist-standard asked are
    exactly that trace's votes: one ensemble (same setup) behind every bundled file."""
    from powsim.traces.pool import pool_split
    from powsim.traces.generate.setup import Setup

    pool = read_trace(BUNDLED.parent / "pools" / "fmnist-pool.parquet")
    standard = read_trace(BUNDLED / "fmnist-standard.parquet")
    split = pool_split(pool)
    evaluation = pool.metadata.extra["images"]["fashion-mnist test set"]
    # standard asks the attacker pool in the order of the first permutation of its stream.
    numpy_stream = Setup().streams()[3].spawn(3)[0]
    asked = np.random.default_rng(numpy_stream).permutation(Setup().pool_size)[:len(standard)]
    # The pool's rows are [test images, attacker pool] shuffled with the split's seed.
    shuffle = np.random.default_rng(split.seed).permutation(split.rows)
    row_of = np.empty(split.rows, dtype=np.int64)
    row_of[shuffle] = np.arange(split.rows)
    rows = row_of[evaluation + asked]
    np.testing.assert_array_equal(np.stack(pool.data["votes"].iloc[rows]), np.stack(standard.data["votes"]))
    np.testing.assert_allclose(pool.data["cost"].iloc[rows], standard.data["cost"], rtol=1e-12)
    assert split.calibration == split.rows // 2 == 10_000
