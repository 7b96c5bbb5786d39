"""The defense's reference in each policy's metric, fitted by hand: a curve as it is, a
query trace at the end of each batch (additive sum, or RDP-composed epsilon at its delta);
and the policies' names and metric."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from powsim.errors import InputError
from powsim.calibrate.reference import fit_reference
from powsim.difficulty.policies import POLICIES, policy_class
from powsim.difficulty.reference import policy_reference
from powsim.traces.format import TraceMetadata, make_trace
from powsim.traces.pate import ORDERS, rdp

SIGMA, DELTA = 10.0, 1e-5
COST = [0.3, 0.1, 0.2, 0.4, 0.1, 0.5, 0.2, 0.3, 0.1, 0.6, 0.2, 0.4]
LOGQ = [-2.0, -5.0, -3.0, -1.5, -8.0, -1.2, -4.0, -2.5, -9.0, -1.1, -3.5, -1.8]


def query_trace(delta: float | None = DELTA) -> object:
    """12 queries in batches of 4 (the trace's own batches)."""
    data = pd.DataFrame({"query": range(12), "batch": [i // 4 for i in range(12)], "cost": COST,
                         "logq": LOGQ})
    return make_trace(data, TraceMetadata("query", "toy", "standard", sigma=SIGMA, delta=delta,
                                          batch_size=4), "legit.parquet")


def hand_fit(queries: list[float], cost: list[float]) -> tuple[float, float]:
    fit = stats.linregress(queries, cost)
    return fit.intercept, fit.slope


def test_a_curve_is_fitted_as_it_is():
    curve = make_trace(pd.DataFrame({"queries": [0.0, 10.0, 20.0, 40.0], "cost": [0.0, 2.0, 3.0, 7.0],
                                     "time_s": [0.0, 1.0, 2.0, 3.0]}), TraceMetadata("curve", "toy", "x"))
    assert policy_reference(curve, "additive") == fit_reference(curve)
    intercept, slope = hand_fit([0, 10, 20, 40], [0, 2, 3, 7])
    assert (fit_reference(curve).intercept, fit_reference(curve).slope) == (pytest.approx(intercept),
                                                                            pytest.approx(slope))


@pytest.mark.parametrize("queries_per_puzzle, ends", [(None, [4, 8, 12]), (6, [6, 12]), (3, [3, 6, 9, 12])])
def test_additive_reference_is_fitted_at_batch_ends(queries_per_puzzle, ends):
    reference = policy_reference(query_trace(), "additive", queries_per_puzzle)
    cumulative = np.cumsum(COST)
    intercept, slope = hand_fit(ends, [cumulative[e - 1] for e in ends])
    assert (reference.intercept, reference.slope) == (pytest.approx(intercept), pytest.approx(slope))


def test_rdp_reference_is_fitted_on_the_composed_epsilon_at_batch_ends():
    reference = policy_reference(query_trace(), "rdp")
    curves = rdp(np.array(LOGQ), SIGMA)
    composed = [min(curves[:end, j].sum() + math.log(1 / DELTA) / (o - 1) for j, o in enumerate(ORDERS))
                for end in (4, 8, 12)]
    intercept, slope = hand_fit([4, 8, 12], composed)
    assert (reference.intercept, reference.slope) == (pytest.approx(intercept), pytest.approx(slope))


def test_rdp_reference_needs_the_traces_delta():
    with pytest.raises(InputError) as err:
        policy_reference(query_trace(delta=None), "rdp")
    assert str(err.value) == ("legit.parquet: metadata field 'delta' is missing, expected the PATE "
                              "delta for the rdp policy")


def test_policy_metric_and_names():
    assert [policy_class(name).metric for name in POLICIES] == ["additive", "additive", "rdp"]
    with pytest.raises(InputError) as err:
        policy_class("two-sided")
    assert str(err.value) == "policy: 'two-sided', expected one of paper, one-sided, rdp"


def curve_of(queries: list[float], cost: list[float], source: str = "c.parquet") -> object:
    return make_trace(pd.DataFrame({"queries": queries, "cost": cost, "time_s": [0.0] * len(queries)}),
                      TraceMetadata("curve", "toy", "x"), source)


def test_fit_reports_r_squared_by_its_definition():
    queries, cost = [0.0, 10.0, 20.0, 40.0], [0.0, 2.0, 3.0, 7.0]
    reference = fit_reference(curve_of(queries, cost))
    predicted = [reference.intercept + reference.slope * q for q in queries]
    mean = sum(cost) / len(cost)
    r_squared = 1 - (sum((c - p) ** 2 for c, p in zip(cost, predicted))
                     / sum((c - mean) ** 2 for c in cost))
    assert reference.r_squared == pytest.approx(r_squared, rel=1e-12) and reference.r_squared < 0.99


def test_two_distinct_query_counts_are_enough_and_one_is_not():
    assert fit_reference(curve_of([0.0, 10.0], [0.0, 1.0])).slope == pytest.approx(0.1)
    with pytest.raises(InputError) as err:
        fit_reference(curve_of([5.0, 5.0], [0.0, 1.0]))
    assert str(err.value) == ("c.parquet: field 'queries' needs at least two distinct values to fit the "
                              "legitimate reference")


def test_the_reference_must_be_a_curve():
    with pytest.raises(InputError) as err:
        fit_reference(query_trace())
    assert str(err.value) == "legit.parquet: the legitimate reference must be a curve trace, got a query trace"


@pytest.mark.parametrize("case", ["curve", "noisy", "falling", "flat", "huge", "two"])
def test_the_fit_is_scipys_linregress_to_the_last_bit(case):
    # fit_line keeps scipy.stats out of every simulating process; its numbers must stay
    # linregress's, the same doubles.
    from scipy import stats

    from powsim.calibrate.reference import fit_line

    rng = np.random.default_rng(7)
    queries = np.cumsum(rng.integers(1, 500, 300)).astype(np.float64)
    cost = {"curve": 3e-4 * queries + 0.02 * np.sqrt(queries), "noisy": rng.normal(0, 1, 300).cumsum(),
            "falling": 5.0 - 1e-3 * queries, "flat": np.full(300, 2.5),
            "huge": 1e12 + 1e6 * queries, "two": None}[case]
    if case == "two":
        queries, cost = np.array([3.0, 7.0]), np.array([0.5, 0.25])
    fit, expected = fit_line(queries, cost, "toy"), stats.linregress(queries, cost)
    assert fit.slope == expected.slope and fit.intercept == expected.intercept
    assert fit.r_squared == expected.rvalue ** 2 or (np.isnan(fit.r_squared) and np.isnan(expected.rvalue))
