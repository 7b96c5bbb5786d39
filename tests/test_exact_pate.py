"""The PATE analysis where random histograms rarely go: both sides of Theorem 6's condition
at every sigma, more queries than one chunk, and orders other than the default grid.
The brute-force scalar reference is tests/test_pate_analysis.py's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from powsim.traces import pate
from test_pate_analysis import DELTA, random_histograms, reference_eps, reference_logq, reference_rdp


def condition(logq: float, sigma: float) -> bool:
    """Theorem 6's condition as the paper writes it, with Proposition 10's orders:
    mu2 > 1 and q < exp((mu2 - 1) eps2) / (mu1 / (mu1 - 1) * mu2 / (mu2 - 1))^mu2."""
    mu2 = sigma * math.sqrt(-logq)
    mu1, eps2 = mu2 + 1, mu2 / sigma**2
    if mu2 <= 1:
        return False
    log_bound = (mu2 - 1) * eps2 - mu2 * math.log((mu1 / (mu1 - 1)) * (mu2 / (mu2 - 1)))
    return logq < log_bound


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0, 5.0, 10.0, 40.0])
def test_theorem6_condition_on_both_sides_of_its_boundary(sigma):
    logq = -np.geomspace(1e-3, 1e4, 600)
    expected = np.array([condition(float(x), sigma) for x in logq])
    assert expected.any() and not expected.all()  # the grid crosses the boundary
    assert (pate.theorem6_applies(logq, sigma) == expected).all()


def test_theorem6_applies_with_mu2_between_one_and_two():
    # sigma = 1: mu2 = sqrt(-log q) in (1, 2] for log q in [-4, -1); the condition holds
    # from log q < -2.7 or so, so part of that range is data dependent.
    logq = -np.linspace(1.05, 4.0, 60)
    expected = np.array([condition(float(x), 1.0) for x in logq])
    assert expected.any()
    assert (pate.theorem6_applies(logq, 1.0) == expected).all()


def test_more_queries_than_one_chunk_match_the_brute_force():
    votes = random_histograms(250, pate.CHUNK * 2 + 100, seed=11)
    # Every query, against the same analysis done 100 queries at a time (computed first, so
    # that no freed array of the whole size can hold the right numbers by chance).
    pieces = [pate.query_costs(votes[i:i + 100], 10.0, DELTA) for i in range(0, len(votes), 100)]
    costs = pate.query_costs(votes, 10.0, DELTA)
    assert (costs.eps == np.concatenate([p.eps for p in pieces])).all()
    assert (costs.order == np.concatenate([p.order for p in pieces])).all()
    assert costs.eps.shape == (votes.shape[0],)
    for i in (0, pate.CHUNK - 1, pate.CHUNK, 2 * pate.CHUNK + 99):
        logq, eps, _ = reference_eps(list(votes[i]), 10.0, DELTA)
        assert costs.logq[i] == pytest.approx(logq, rel=1e-9, abs=1e-12)
        assert costs.eps[i] == pytest.approx(eps, rel=1e-9)


ORDERS = [2.0, 3.0, 5.0, 9.0, 17.0, 33.0]


def test_other_orders_are_used_throughout():
    votes = random_histograms(250, 40, seed=5)
    costs = pate.query_costs(votes, 10.0, DELTA, orders=np.array(ORDERS))
    total = [0.0] * len(ORDERS)
    for i, row in enumerate(votes):
        logq = reference_logq(list(row), 10.0)
        rdp = [reference_rdp(logq, 10.0, o) for o in ORDERS]
        eps = [r + math.log(1 / DELTA) / (o - 1) for r, o in zip(rdp, ORDERS)]
        assert costs.eps[i] == pytest.approx(min(eps), rel=1e-9)
        assert costs.order[i] == ORDERS[eps.index(min(eps))]
        total = [t + r for t, r in zip(total, rdp)]
    composed, order = pate.composed_epsilon(costs.logq, 10.0, DELTA, orders=np.array(ORDERS))
    eps = [t + math.log(1 / DELTA) / (o - 1) for t, o in zip(total, ORDERS)]
    assert composed == pytest.approx(min(eps), rel=1e-9) and order == ORDERS[eps.index(min(eps))]
