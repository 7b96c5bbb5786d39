"""Exact values of what the defense charges: the ledger's cost metric, the policies' clip,
the difficulty's clamp and paper mode's clip, each against an independent hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from powsim.calibrate.reference import LinearReference
from powsim.errors import InputError
from powsim.calibrate.charge import ChargeParameters, clipped_power_seconds
from powsim.calibrate.difficulty import Difficulty
from powsim.sim.paper import replay_curve
from powsim.difficulty.policies import policy_class
from powsim.sim.server.ledger import Ledger
from powsim.traces.batches import Batch
from powsim.traces.format import TraceMetadata, make_trace
from powsim.traces.pate import ORDERS, rdp

SIGMA, DELTA = 10.0, 1e-5


def batch(index: int, logq: list[float]) -> Batch:
    """A batch of the queries of ``logq``: additive cost = the sum of their single-query eps."""
    curves = rdp(np.array(logq), SIGMA)
    single_eps = (curves + math.log(1 / DELTA) / (ORDERS - 1)).min(axis=1)
    return Batch(index, float(len(logq)), float(single_eps.sum()), curves.sum(axis=0), 1.0, 0.5)


def brute_force_composed_eps(batches: list[Batch]) -> float:
    """RDP composition by hand: add every query's RDP at each order, then take the best
    order's (eps, delta) conversion r + log(1/delta) / (lambda - 1), one order at a time."""
    best = math.inf
    for j, order in enumerate(ORDERS):
        total = sum(float(b.rdp[j]) for b in batches)
        best = min(best, total + math.log(1 / DELTA) / (order - 1))
    return best


BATCHES = [batch(0, [-2.0] * 5), batch(1, [-0.5, -3.0, -40.0]), batch(2, [-8.0] * 4)]


def test_rdp_ledger_charges_the_composed_epsilon_not_the_additive_sum():
    ledger = Ledger(delta=DELTA)
    ledger.open("acct")
    for done in range(1, len(BATCHES) + 1):
        queries, cost = ledger.charge("acct", BATCHES[done - 1])
        assert queries == sum(b.queries for b in BATCHES[:done])
        assert cost == pytest.approx(brute_force_composed_eps(BATCHES[:done]), rel=1e-12)
    # Composition is strictly cheaper than adding single-query epsilons here, so the two
    # metrics cannot be confused.
    assert cost < 0.5 * sum(b.cost for b in BATCHES)


def test_additive_ledger_charges_the_sum():
    ledger = Ledger()
    ledger.open("acct")
    for b in BATCHES:
        queries, cost = ledger.charge("acct", b)
    assert (queries, cost) == (12.0, pytest.approx(sum(b.cost for b in BATCHES), rel=1e-12))


@pytest.mark.parametrize("delta", [None, DELTA], ids=["additive", "rdp"])
def test_preview_is_what_charge_would_return_including_the_batch_itself(delta):
    # The adaptive attacker decides on cover from the preview, which must count the batch.
    ledger = Ledger(delta)
    ledger.open("acct")
    ledger.charge("acct", BATCHES[0])
    for b in BATCHES[1:]:
        before = ledger.preview("acct", b), ledger.preview("acct", b)
        assert before[0] == before[1]  # previewing charges nothing
        assert before[0] == ledger.charge("acct", b)


def test_linked_accounts_share_one_ledger():
    ledger = Ledger()
    ledger.link(["a", "b"])
    ledger.charge("a", BATCHES[0])
    assert ledger.charge("b", BATCHES[1]) == (8.0, pytest.approx(BATCHES[0].cost + BATCHES[1].cost))


def test_linked_accounts_compose_their_rdp():
    ledger = Ledger(delta=DELTA)
    ledger.link(["a", "b"])
    ledger.charge("a", BATCHES[0])
    _, cost = ledger.charge("b", BATCHES[1])
    assert cost == pytest.approx(brute_force_composed_eps(BATCHES[:2]), rel=1e-12)


REFERENCE = LinearReference(intercept=1.0, slope=0.01, r_squared=1.0)


@pytest.mark.parametrize("name, cost, diff", [
    ("paper", 25.0, 14.0), ("paper", 5.0, 6.0),          # E(1000) = 11: |diff| both ways
    ("one-sided", 25.0, 14.0), ("one-sided", 5.0, 0.0),  # only cost above the reference
    ("rdp", 5.0, 6.0),
])
def test_policy_diff_and_target(name, cost, diff):
    policy = policy_class(name)(REFERENCE, ChargeParameters(a=2.0, min_seconds=0.5, max_seconds=1e4))
    assert policy.diff(1000.0, cost) == pytest.approx(diff)
    # 250 queries of a charge per 1000: a quarter of clip(2^diff, 0.5, 1e4) seconds.
    assert policy.target_s(1000.0, cost, 250.0) == pytest.approx(min(max(2.0**diff, 0.5), 1e4) / 4)


@pytest.mark.parametrize("cost, charge", [
    (11.0, 2.0),               # diff 0: 2^0 = 1 s clips up to min_s = 2 s
    (12.0, 2.0),               # diff 1: 2^1 = min_s exactly
    (31.0, 1e4),               # 2^20 s clips down to max_s
    (13.0, 4.0),               # 2^2 inside the clip
])
def test_policy_clips_both_ways(cost, charge):
    # a >= 1 is enforced, so the lower clip bites where min_s > 1 s.
    policy = policy_class("paper")(REFERENCE, ChargeParameters(a=2.0, min_seconds=2.0, max_seconds=1e4))
    assert policy.target_s(1000.0, cost, 1000.0) == pytest.approx(charge)


def test_paper_mode_clips_both_ways():
    # Reference E(Q) = 0; rows of diff 0, 1, 3 and 40 at a = 2: 2^diff = 1, 2, 8, 2^40 s,
    # clipped to [3, 1000] s; the first row's charge is one second less. (a < 1 is refused
    # by ChargeParameters, so the lower clip bites through min_seconds > 1 s.)
    curve = make_trace(pd.DataFrame({"queries": [0.0, 1000.0, 2000.0, 3000.0],
                                     "cost": [0.0, 1.0, 3.0, 40.0], "time_s": [0.0, 1.0, 2.0, 3.0]}),
                       TraceMetadata("curve", "synth", "x"))
    flat = LinearReference(0.0, 0.0, 1.0)
    replay = replay_curve(curve, flat, ChargeParameters(a=2.0, min_seconds=3.0, max_seconds=1000.0))
    assert replay["queries"].tolist() == [0.0, 1000.0, 2000.0, 3000.0]
    assert replay["expected_cost"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert replay["diff"].tolist() == [0.0, 1.0, 3.0, 40.0]
    assert replay["charge_s"].tolist() == pytest.approx([2.0, 3.0, 8.0, 1000.0])
    assert replay["time_pow_s"].tolist() == pytest.approx([2.0, 6.0, 15.0, 1016.0])


def test_the_clip_below_holds_for_a_base_below_one():
    # Below the validation layer: 0.5^diff for diff 0, 10, 11, 111 clipped to [0.1, 2948.47] s.
    charge = clipped_power_seconds(math.log(0.5), np.array([0.0, 10.0, 11.0, 111.0]), 0.1, 2948.467908)
    assert charge.tolist() == pytest.approx([1.0, 0.1, 0.1, 0.1])


@pytest.mark.parametrize("target_s, bits", [
    (0.0, 0), (-1.0, 0), (1e-9, 0),        # below one trial: 0 bits
    (1.0, 10), (1.4, 10), (1.5, 11),       # 1024 trials: 10 bits; log2(1536) = 10.58 rounds up
    (2.0**12, 22), (2.0**20, 24), (1e12, 24),  # at and beyond the clamp max_bits = 24
])
def test_difficulty_rounds_in_log_scale_and_clamps_at_max_bits(target_s, bits):
    difficulty = Difficulty(reference_hash_rate_hz=1024.0, max_bits=24)
    assert difficulty.bits(target_s) == bits


def test_difficulty_splits_the_target_between_sub_solutions():
    difficulty = Difficulty(reference_hash_rate_hz=1024.0, max_bits=30, sub_solutions=4)
    assert difficulty.bits(4.0) == 10  # 4 s x 1024 H/s = 4 puzzles of 2^10 trials
    assert difficulty.expected_s(10) == pytest.approx(4.0)
    assert difficulty.expected_s(np.array([9, 11])) == pytest.approx([2.0, 8.0])


@pytest.mark.parametrize("parameters, message", [
    ({"a": 0.0}, "a: 0.0, expected a finite number >= 1 (a < 1 would charge the most divergent users least)"),
    ({"a": 0.5}, "a: 0.5, expected a finite number >= 1 (a < 1 would charge the most divergent users least)"),
    ({"a": math.inf}, "a: inf, expected a finite number >= 1 (a < 1 would charge the most divergent users least)"),
    ({"min_seconds": 0.0}, "charge clip [0.0, 2948.467908] s: expected 0 < min <= max"),
    ({"min_seconds": 5.0, "max_seconds": 4.0}, "charge clip [5.0, 4.0] s: expected 0 < min <= max"),
])
def test_charge_parameters_refuse_impossible_values(parameters, message):
    with pytest.raises(InputError) as err:
        ChargeParameters(**parameters)
    assert str(err.value) == message


def test_a_clip_of_one_point_is_allowed():
    assert ChargeParameters(a=1.0, min_seconds=2.0, max_seconds=2.0).max_seconds == 2.0


def test_paper_mode_refuses_a_query_trace():
    trace = make_trace(pd.DataFrame({"query": [0, 1], "batch": [0, 0], "cost": [0.1, 0.1]}),
                       TraceMetadata("query", "synth", "x"), "q.parquet")
    with pytest.raises(InputError) as err:
        replay_curve(trace, LinearReference(0.0, 0.0, 1.0))
    assert str(err.value) == "q.parquet: paper mode replays curve traces, got a query trace"
