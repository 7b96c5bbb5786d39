"""The PATE privacy analysis of GNMax answers, vectorised over queries.

References:

* Papernot, Song, Mironov, Raghunathan, Talwar, Erlingsson, "Scalable Private Learning
  with PATE", ICLR 2018 (below: PATE 2018), Section 4 and Appendix A.
* Mironov, "Renyi Differential Privacy", CSF 2017 (below: RDP 2017).

GNMax answers a query with vote histogram n (teacher votes per class) by
argmax_j n_j + N(0, sigma^2). Its privacy cost at RDP order lambda is data independent,
lambda / sigma^2 (PATE 2018, Proposition 8), and data dependent when the answer is
predictable (Theorem 6 with Proposition 10's choice of higher orders). A single query's
(eps, delta) cost, the paper's additive metric, is min over orders of
RDP(lambda) + log(1 / delta) / (lambda - 1) (RDP 2017, Proposition 3).

Orders: :data:`ORDERS`, the paper's grid from 2 up, is the default everywhere and reproduces
the authors' numbers; :data:`EXTENDED_ORDERS` adds orders from 1.02 to 1.98, where a long
composition often finds its minimum. Every bound used here holds at any order lambda > 1:

* Proposition 8 (lambda / sigma^2) holds for all lambda >= 1.
* Theorem 6 asks for lambda <= mu1 and mu2 > 1 and the bound on q (see
  :func:`theorem6_applies`); the bound on q ensures that the expression is non-decreasing in
  q on [0, q~] and does not involve lambda. Its proof bounds the plurality term by probability
  preservation at mu2 (any lambda > 1) and the other terms by Hoelder's inequality with
  exponents (mu1 - 1) / (mu1 - lambda) and (mu1 - 1) / (lambda - 1), which needs only
  1 < lambda <= mu1. With Proposition 10's mu1 = mu2 + 1 > 2, every order below 2 qualifies
  whenever the theorem applies; elsewhere (or for lambda > mu1) the analysis falls back to
  Proposition 8. ``tests/test_pate_orders.py`` checks the bound against the exact Renyi
  divergence of two-class GNMax and its monotonicity in q at orders in (1, 2).
* Proposition 3 of RDP 2017 holds for every lambda > 1.

Orders at or below 1 are refused (RDP is not defined there and log(1/delta) / (lambda - 1)
is not finite).

Shapes: ``votes`` (queries, classes); ``logq`` (queries,); RDP curves (queries, orders).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ORDERS = np.concatenate([np.arange(2.0, 100.0, 0.5), np.logspace(2.0, 3.0, 200)])
"""The paper's RDP orders: 2 to 99.5 in steps of 0.5, then 200 log-spaced values from 100 to 1000."""

EXTENDED_ORDERS = np.concatenate([1.0 + np.arange(1, 50) / 50, ORDERS])
""":data:`ORDERS` with 1.02 to 1.98 in steps of 0.02 added below: a superset, so never a
larger epsilon. Composing many queries moves the best order towards 1 (e.g. 1.32 for the
bundled data-free trace's 20,000 queries)."""

ORDER_GRIDS = {"paper": ORDERS, "extended": EXTENDED_ORDERS}
"""The grids offered by name (``--orders``); 'paper' is the default."""

CHUNK = 2048
"""Queries analysed at a time, so that an RDP block (CHUNK, orders) stays in cache."""


@dataclass(frozen=True)
class QueryCosts:
    """Per-query analysis: ``logq``, the single-query ``eps`` and its minimising ``order``."""

    logq: np.ndarray
    eps: np.ndarray
    order: np.ndarray


def log_q(votes: np.ndarray, sigma: float) -> np.ndarray:
    """log Pr[GNMax answer != plurality class] per query, (queries,) from votes (queries, classes).

    Union bound of PATE 2018, Proposition 7: q <= sum over j != i* of
    Pr[n_j + Z_j >= n_i* + Z_i*] = sum_j Phi(-(n_i* - n_j) / (sqrt(2) sigma)) with
    Z ~ N(0, sigma^2). The bound is capped at 1 - 1/classes, since the plurality class is
    the likeliest answer.
    """
    from scipy.special import log_ndtr, logsumexp  # here: scipy.special costs ~0.2 s to import

    votes = np.asarray(votes, dtype=np.float64)
    rows = np.arange(votes.shape[0])
    top = votes.argmax(axis=1)
    gaps = votes[rows, top][:, None] - votes
    terms = log_ndtr(-gaps / (np.sqrt(2.0) * sigma))
    terms[rows, top] = -np.inf
    return np.minimum(logsumexp(terms, axis=1), np.log1p(-1.0 / votes.shape[1]))


def rdp_data_independent(orders: np.ndarray, sigma: float) -> np.ndarray:
    """RDP of GNMax at ``orders``: lambda / sigma^2 (PATE 2018, Proposition 8)."""
    return np.asarray(orders, dtype=np.float64) / sigma**2


def higher_orders(logq: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Proposition 10's orders for Theorem 6: mu2 = sigma sqrt(log(1/q)), mu1 = mu2 + 1."""
    mu2 = sigma * np.sqrt(-logq)
    return mu2 + 1.0, mu2


def theorem6_applies(logq: np.ndarray, sigma: float) -> np.ndarray:
    """Whether Theorem 6's condition holds per query (bool, (queries,)).

    With eps_2 = mu2 / sigma^2 (Proposition 8), Theorem 6 requires mu2 > 1 and
    q < exp((mu2 - 1) eps_2) / (mu1 / (mu1 - 1) * mu2 / (mu2 - 1))^mu2.
    """
    mu1, mu2 = higher_orders(logq, sigma)
    applies = mu2 > 1.0
    m1, m2 = mu1[applies], mu2[applies]
    bound = (m2 - 1.0) * m2 / sigma**2 - m2 * (np.log(m1 / (m1 - 1.0)) + np.log(m2 / (m2 - 1.0)))
    applies[applies] = logq[applies] < bound
    return applies


def rdp_theorem6(logq: np.ndarray, sigma: float, orders: np.ndarray) -> np.ndarray:
    """Data-dependent RDP (queries, orders) of PATE 2018, Theorem 6, for queries where it applies.

    eps(lambda) = 1 / (lambda - 1) * log((1 - q) A^(lambda - 1) + q B^(lambda - 1)) with
    A = (1 - q) / (1 - (q e^eps_2)^((mu2 - 1) / mu2)), B = e^eps_1 / q^(1 / (mu1 - 1)),
    eps_i = mu_i / sigma^2 and mu_i from Proposition 10. Valid for lambda <= mu1 only.
    """
    mu1, mu2 = higher_orders(logq, sigma)
    eps1, eps2 = mu1 / sigma**2, mu2 / sigma**2
    log1mq = np.log(-np.expm1(logq))
    log_a = log1mq - np.log(-np.expm1((logq + eps2) * (1.0 - 1.0 / mu2)))
    log_b = eps1 - logq / (mu1 - 1.0)
    power = orders[None, :] - 1.0
    log_mix = np.logaddexp(log1mq[:, None] + power * log_a[:, None],
                           logq[:, None] + power * log_b[:, None])
    return log_mix / power


def checked_orders(orders: np.ndarray) -> np.ndarray:
    """``orders`` as float64 (orders,) after checking they are increasing and all above 1."""
    orders = np.asarray(orders, dtype=np.float64)
    if orders.ndim != 1 or not orders.size or not (orders > 1.0).all() or (np.diff(orders) <= 0).any():
        raise ValueError("RDP orders must be an increasing sequence of numbers above 1")
    return orders


def rdp(logq: np.ndarray, sigma: float, orders: np.ndarray = ORDERS) -> np.ndarray:
    """RDP of GNMax per query and order (queries, orders): the smaller of the data-dependent
    bound (Theorem 6 with Proposition 10, where it applies and lambda <= mu1) and the
    data-independent lambda / sigma^2 (Proposition 8). Valid at every order above 1 (see the
    module docstring); ``orders`` must be increasing.
    """
    logq = np.asarray(logq, dtype=np.float64)
    orders = checked_orders(orders)
    result = np.broadcast_to(rdp_data_independent(orders, sigma), (logq.size, orders.size)).copy()
    applies = theorem6_applies(logq, sigma)
    if applies.any():
        mu1, _ = higher_orders(logq[applies], sigma)
        low = orders[:np.searchsorted(orders, mu1.max(), side="right")]
        dependent = np.where(low[None, :] <= mu1[:, None],
                             rdp_theorem6(logq[applies], sigma, low), np.inf)
        result[applies, :low.size] = np.minimum(result[applies, :low.size], dependent)
    return result


def epsilon(rdp_curves: np.ndarray, delta: float, orders: np.ndarray = ORDERS
            ) -> tuple[np.ndarray, np.ndarray]:
    """(eps, minimising order) of RDP curves (..., orders) at ``delta``, each of shape (...).

    RDP 2017, Proposition 3: (lambda, r)-RDP implies (r + log(1/delta) / (lambda - 1), delta)-DP;
    the best guarantee is the minimum over the orders.
    """
    orders = checked_orders(orders)
    eps = np.asarray(rdp_curves, dtype=np.float64) + np.log(1.0 / delta) / (orders - 1.0)
    best = eps.argmin(axis=-1)
    return np.take_along_axis(eps, best[..., None], axis=-1)[..., 0], orders[best]


def query_costs(votes: np.ndarray, sigma: float, delta: float, orders: np.ndarray = ORDERS
                ) -> QueryCosts:
    """logq, single-query eps and its order for every query (vote histograms (queries, classes))."""
    logq = log_q(votes, sigma)
    eps, order = np.empty_like(logq), np.empty_like(logq)
    for start in range(0, logq.size, CHUNK):
        part = slice(start, start + CHUNK)
        eps[part], order[part] = epsilon(rdp(logq[part], sigma, orders), delta, orders)
    return QueryCosts(logq=logq, eps=eps, order=order)


def composed_epsilon(logq: np.ndarray, sigma: float, delta: float, orders: np.ndarray = ORDERS
                     ) -> tuple[float, float]:
    """(eps, order) of a whole sequence of queries by RDP composition.

    RDP composes additively at each order (RDP 2017, Proposition 1): sum the per-query
    curves, then convert once (Proposition 3). Never more than the sum of single-query eps
    on the same grid. ``orders`` is :data:`ORDERS` by default (the paper's figures) or
    :data:`EXTENDED_ORDERS` (see :data:`ORDER_GRIDS`).
    """
    total = np.zeros(np.size(orders))
    for start in range(0, np.size(logq), CHUNK):
        total += rdp(np.asarray(logq)[start:start + CHUNK], sigma, orders).sum(axis=0)
    eps, order = epsilon(total, delta, orders)
    return float(eps), float(order)
