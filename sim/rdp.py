"""Renyi-DP accounting of PATE's GNMax answers, for the ``rdp`` policy.

The ``paper`` policy adds single-query epsilons; the ``rdp`` policy composes each query's
data-dependent RDP bound instead (RDP composes additively at every order) and converts the
total to an (epsilon, delta) guarantee. Queries are described by ``logq`` (log of an upper
bound on Pr[GNMax output != plurality], a column of query traces) and the noise ``sigma``.
"""

from __future__ import annotations

import numpy as np

# RDP orders lambda at which the bounds are tracked: the grid of the PATE 2018 analysis.
ORDERS = np.concatenate((np.arange(2.0, 100.5, 0.5), np.logspace(np.log10(110), np.log10(500), 20)))


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - e^x) for x < 0, stable at both ends (any shape, same shape back)."""
    return np.where(x < -1, np.log1p(-np.exp(np.minimum(x, -1))),
                    np.log(-np.expm1(np.maximum(x, -1))))


def rdp_gnmax(logq: np.ndarray, sigma: float, orders: np.ndarray = ORDERS) -> np.ndarray:
    """Data-dependent RDP of one GNMax answer per query, shape (queries, orders).

    Theorem 6 of Papernot et al. 2018 ("Scalable Private Learning with PATE"), with the
    higher orders mu_1 = mu_2 + 1, mu_2 = sigma sqrt(-log q) of its Proposition 10; where the
    bound's conditions fail, the data-independent bound lambda / sigma^2 (Proposition 8).
    """
    logq = np.minimum(np.asarray(logq, dtype=np.float64), 0.0)[:, None]
    orders = np.asarray(orders, dtype=np.float64)[None, :]
    variance = sigma**2
    bound = np.broadcast_to(orders / variance, (logq.shape[0], orders.shape[1])).copy()
    bound[np.isneginf(logq[:, 0])] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        mu2 = np.sqrt(variance * -logq)
        mu1 = mu2 + 1
        rdp1, rdp2 = mu1 / variance, mu2 / variance
        log_a2 = (mu2 - 1) * rdp2
        applies = ((mu2 > 1) & (-logq > rdp2) & np.isfinite(logq)
                   & (logq <= log_a2 - mu2 * (np.log1p(1 / (mu1 - 1)) + np.log1p(1 / (mu2 - 1)))))
    rows = np.flatnonzero(applies[:, 0])
    if rows.size:
        q, m1, m2, r1, r2 = (v[rows] for v in (logq, mu1, mu2, rdp1, rdp2))
        log1q = _log1mexp(q)
        log_a = (orders - 1) * (log1q - _log1mexp((q + r2) * (1 - 1 / m2)))
        log_b = (orders - 1) * (r1 - q / (m1 - 1))
        dependent = np.logaddexp(log1q + log_a, q + log_b) / (orders - 1)
        sub = bound[rows]
        usable = orders < m1
        sub[usable] = np.minimum(sub, dependent)[usable]
        bound[rows] = sub
    return bound


def rdp_to_epsilon(rdp: np.ndarray, delta: float, orders: np.ndarray = ORDERS) -> np.ndarray:
    """(epsilon, delta)-DP of composed RDP curves: Mironov 2017, Proposition 3.

    ``rdp`` has shape (..., orders); the result has shape (...), the best order for each.
    """
    return np.min(rdp + np.log(1 / delta) / (orders - 1), axis=-1)
