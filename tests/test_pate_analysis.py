"""The PATE analysis against an independent brute-force scalar implementation and golden values.

The reference below follows Papernot et al. 2018 (Proposition 7, Theorem 6, Proposition 10,
Proposition 8) and Mironov 2017 (Proposition 3) with the math module and plain loops, one
query and one order at a time, so it shares no code with ``powsim.traces.pate``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from powsim.traces import pate

DELTA = 1e-5


def reference_orders() -> list[float]:
    orders = [2.0 + 0.5 * i for i in range(196)]
    orders += [10 ** (2.0 + i / 199) for i in range(200)]
    return orders


def reference_logq(votes: list[int], sigma: float) -> float:
    top = max(range(len(votes)), key=lambda j: (votes[j], -j))
    q = sum(0.5 * math.erfc((votes[top] - votes[j]) / (2 * sigma))
            for j in range(len(votes)) if j != top)
    return min(math.log(q), math.log(1 - 1 / len(votes)))


def reference_rdp(logq: float, sigma: float, order: float) -> float:
    independent = order / sigma**2
    q = math.exp(logq)
    mu2 = sigma * math.sqrt(-logq)
    mu1 = mu2 + 1
    if mu2 <= 1 or order > mu1:
        return independent
    eps1, eps2 = mu1 / sigma**2, mu2 / sigma**2
    if not q < math.exp((mu2 - 1) * eps2) / ((mu1 / (mu1 - 1)) * (mu2 / (mu2 - 1))) ** mu2:
        return independent
    a = (1 - q) / (1 - (q * math.exp(eps2)) ** ((mu2 - 1) / mu2))
    b = math.exp(eps1) / q ** (1 / (mu1 - 1))
    dependent = math.log((1 - q) * a ** (order - 1) + q * b ** (order - 1)) / (order - 1)
    return min(dependent, independent)


def reference_eps(votes: list[int], sigma: float, delta: float) -> tuple[float, float, list[float]]:
    logq = reference_logq(votes, sigma)
    eps = [reference_rdp(logq, sigma, order) + math.log(1 / delta) / (order - 1)
           for order in reference_orders()]
    return logq, min(eps), eps


def random_histograms(teachers: int, queries: int, seed: int) -> np.ndarray:
    """Vote histograms from consensus to confusion: Dirichlet class preferences of varying spread."""
    rng = np.random.default_rng(seed)
    spread = rng.choice([0.05, 0.3, 1.0, 10.0], size=queries)
    return np.stack([rng.multinomial(teachers, rng.dirichlet(np.full(10, s))) for s in spread])


def test_orders_are_the_documented_grid():
    assert pate.ORDERS == pytest.approx(reference_orders(), rel=1e-12)
    assert pate.ORDERS.size == 396


@pytest.mark.parametrize("teachers, sigma", [(250, 10.0), (50, 2.0)])
def test_matches_brute_force_on_random_histograms(teachers, sigma):
    votes = random_histograms(teachers, 300, seed=teachers)
    costs = pate.query_costs(votes, sigma, DELTA)
    for row, histogram in enumerate(votes.tolist()):
        logq, eps, by_order = reference_eps(histogram, sigma, DELTA)
        assert costs.logq[row] == pytest.approx(logq, rel=1e-9)
        assert costs.eps[row] == pytest.approx(eps, rel=1e-9)
        chosen = reference_orders().index(min(reference_orders(), key=lambda o: abs(o - costs.order[row])))
        assert by_order[chosen] == pytest.approx(eps, rel=1e-9)


def test_data_dependent_bound_is_used_and_never_worse():
    votes = random_histograms(250, 200, seed=1)
    costs = pate.query_costs(votes, 10.0, DELTA)
    independent = min(o / 100 + math.log(1 / DELTA) / (o - 1) for o in reference_orders())
    assert (costs.eps <= independent + 1e-12).all()
    assert (costs.eps < independent - 0.1).any()


def test_golden_tie_costs_the_data_independent_bound():
    # A tie between all classes gives no data-dependent saving; on the grid the best order is
    # 35 (the continuous optimum is 1 + sigma sqrt(log(1/delta)) = 34.93).
    costs = pate.query_costs(np.full((1, 10), 25), 10.0, DELTA)
    assert costs.eps[0] == pytest.approx(35 / 100 + math.log(1e5) / 34, rel=1e-12)
    assert costs.order[0] == 35.0
    assert costs.logq[0] == pytest.approx(math.log(0.9), rel=1e-12)


def test_golden_two_way_tie_has_q_one_half():
    votes = np.zeros((1, 10), dtype=int)
    votes[0, :2] = 125
    assert pate.log_q(votes, 10.0)[0] == pytest.approx(math.log(0.5), rel=1e-12)


def test_consensus_is_cheaper_than_disagreement():
    votes = np.zeros((3, 10), dtype=int)
    votes[0, 0] = 250
    votes[1, :2] = (200, 50)
    votes[2, :3] = (100, 80, 70)
    eps = pate.query_costs(votes, 10.0, DELTA).eps
    assert eps[0] < eps[1] < eps[2]


def test_composition_of_identical_data_independent_queries_has_closed_form():
    n = 1000
    logq = np.full(n, math.log(0.9))
    eps, order = pate.composed_epsilon(logq, 10.0, DELTA)
    expected = min(n * o / 100 + math.log(1 / DELTA) / (o - 1) for o in reference_orders())
    assert eps == pytest.approx(expected, rel=1e-12)
    assert eps < n * pate.query_costs(np.full((1, 10), 25), 10.0, DELTA).eps[0]


def test_composition_sums_rdp_curves_in_any_chunking():
    logq = pate.log_q(random_histograms(250, 5000, seed=3), 10.0)
    eps, _ = pate.composed_epsilon(logq, 10.0, DELTA)
    total = sum(pate.rdp(logq[i:i + 700], 10.0).sum(axis=0) for i in range(0, logq.size, 700))
    expected = min(t + math.log(1 / DELTA) / (o - 1) for t, o in zip(total, reference_orders()))
    assert eps == pytest.approx(expected, rel=1e-12)
