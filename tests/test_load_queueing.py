"""The load engine's queue against queueing theory: M/M/c waits against Erlang C.

Erlang C (Kleinrock, Queueing Systems vol. 1, 1975, eqs. 3.40-3.42): with offered load
a = lambda/mu and rho = a/c < 1, the probability that an arrival waits is
C(c, a) = B / (1 - rho (1 - B)), B the Erlang B blocking probability (recursion
B_0 = 1, B_k = a B_{k-1} / (k + a B_{k-1})), and the mean wait in queue is
W_q = C(c, a) / (c mu - lambda).

Two estimators are checked against it. The plain one (batch means of every customer's wait)
is noisy at high load: at rho >= 0.7 its standard error at 10^5 customers is 3-12 %. The
controlled one removes most of that noise with a control variate of known mean (Lavenberg &
Welch 1981): an M/M/1 queue with a c-times-faster server (rate c mu), fed the same arrival
times and the same service times divided by c, computed by Lindley's recursion. Its waits
follow the same bursts of arrivals and long services as the simulated M/M/c, and its
P(wait) = lambda / (c mu) and mean wait rho / (c mu - lambda) are exact (Pollaczek-Khinchine).
docs/capacity.md gives the standard errors measured for both over 10 seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from powsim.sim.economics import PROFILES
from powsim.sim.load.config import DifficultyRule, LoadScenario, LoadServer, Stream
from powsim.sim.load.engine import LoadRun
from powsim.sim.load.metrics import clients_frame

CUSTOMERS = 100_000
BATCHES = 20


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load ``a`` (Erlang C)."""
    blocking = 1.0
    for k in range(1, c + 1):
        blocking = a * blocking / (k + a * blocking)
    return blocking / (1 - a / c * (1 - blocking))


def lindley_waits(arrivals_s: np.ndarray, work_s: np.ndarray) -> np.ndarray:
    """Waits (s) of a FIFO single server that starts empty, customers arriving at the sorted
    ``arrivals_s`` with ``work_s`` seconds of service each (shapes (n,)): W_0 = 0,
    W_i = max(0, W_{i-1} + work_{i-1} - (a_i - a_{i-1})), in closed form X_i - min_{j<=i} X_j
    with X the running sum of work_{i-1} - (a_i - a_{i-1})."""
    x = np.concatenate([[0.0], np.cumsum(work_s[:-1] - np.diff(arrivals_s))])
    return x - np.minimum.accumulate(x)


def batch_means(samples: np.ndarray) -> np.ndarray:
    """The means of ``samples`` cut into BATCHES consecutive batches, shape (BATCHES,)."""
    return np.array([b.mean() for b in np.array_split(samples.astype(float), BATCHES)])


def controlled_mean(samples: np.ndarray, control: np.ndarray, control_mean: float
                    ) -> tuple[float, float]:
    """(estimate, standard error) of the mean of ``samples`` with ``control`` (same shape,
    known mean ``control_mean``) as control variate: ordinary least squares of the batch
    means of ``samples`` on those of ``control`` minus ``control_mean``; the estimate is the
    intercept (the samples' mean where the control hits its known mean), its standard error
    the regression's (BATCHES - 2 degrees of freedom)."""
    fit = stats.linregress(batch_means(control) - control_mean, batch_means(samples))
    return fit.intercept, fit.intercept_stderr


def mmc(rate_hz: float, service_s: float, workers: int) -> LoadScenario:
    """An M/M/c queue as a load scenario: Poisson clients with no effort and no timeout."""
    server = LoadServer(workers=workers, service_s=service_s, service="exponential")
    stream = Stream("poisson", rate_hz, PROFILES["laptop-cpu"], timeout_s=math.inf)
    return LoadScenario(server, DifficultyRule(), (stream,), (), CUSTOMERS / rate_hz, 0.0)


@pytest.mark.parametrize("rate_hz,service_s,workers", [(0.25, 0.5, 1), (7.0, 1.0, 10), (18.0, 1.0, 20)])
def test_mmc_waits_match_erlang_c(rate_hz, service_s, workers):
    """P(wait > 0) and the mean wait against Erlang C at 10^5 customers (the first 2 % discarded
    as warm-up), at rho = 0.125, 0.7 and 0.9.

    Tolerance: 3 % or 3 standard errors, whichever is larger (a two-sided 99.7 % band). The
    standard error comes from 20 batch means of ~4,900 customers each, far longer than the
    queue's relaxation time, so the batches are nearly independent. At rho >= 0.7 successive
    waits are so correlated that 10^5 customers give a standard error of 3-12 % (measured), so
    3 % is not attainable there at that size; the test bounds the error at 3 standard errors and
    requires the standard error itself to stay under 15 %. (At 10^6 customers, rho = 0.9, c = 20
    gave P(wait) +0.07 % and the mean wait -1.5 %, standard errors 0.9 % and 2.5 %.)"""
    scenario = mmc(rate_hz, service_s, workers)
    record = LoadRun(scenario, mode="sampled", seed=7).run()
    waits = clients_frame(record).sort_values("first_s")["wait_s"].to_numpy()
    waits = waits[len(waits) // 50:]
    a = rate_hz * service_s
    p_wait = erlang_c(workers, a)
    mean_wait = p_wait / (workers / service_s - rate_hz)
    for name, samples, exact in (("P(wait>0)", waits > 0, p_wait), ("mean wait", waits, mean_wait)):
        means = batch_means(samples)
        estimate, stderr = means.mean(), means.std(ddof=1) / math.sqrt(BATCHES)
        tolerance = max(0.03, 3 * stderr / exact)
        assert stderr / exact < 0.15, f"{name}: standard error {stderr / exact:.2%}, too noisy to test"
        assert abs(estimate / exact - 1) < tolerance, (
            f"{name} at rho={a / workers}: {estimate:.4g}, Erlang C {exact:.4g} (se {stderr:.2g})")


@pytest.mark.parametrize("rate_hz,service_s,workers", [(1.0, 1.0, 2), (2.4, 1.0, 3), (4.5, 1.0, 5)])
def test_mmc_within_3_percent_of_erlang_c_with_a_control_variate(rate_hz, service_s, workers):
    """P(wait > 0) and the mean wait within 3 % of Erlang C at 10^5 customers (first 2 %
    discarded) at rho = 0.5, 0.8 and 0.9, by the controlled estimator (module docstring).

    Bound: the test first requires the estimate's standard error to be under 1 % of the exact
    value, so 3 % is at least 3 standard errors (a correct simulator fails a figure with
    probability ~0.3 %). Over seeds 0-9 the largest standard error was 0.8 % (the mean wait at
    rho = 0.9, c = 5; docs/capacity.md), and the spread of the estimates across seeds matched the
    batch-means standard error. The plain estimator stays as a check within max(3 %, 3 SE).
    The queue is first-come first-served: service starts in arrival order (LIFO would keep
    both means, as any work-conserving order does, but breaks that order). Planted bugs
    checked: c - 1 workers (every point unstable), LIFO (the order), services 5 % long or
    arrivals 3 % fast (the input checks and the plain estimator; the controlled one alone
    would absorb them)."""
    scenario = mmc(rate_hz, service_s, workers)
    clients = clients_frame(LoadRun(scenario, mode="sampled", seed=7).run()).sort_values("first_s")
    arrivals = (clients["first_s"] + clients["solve_s"]).to_numpy()
    waits, services = clients["wait_s"].to_numpy(), clients["service_s"].to_numpy()
    overtaken = np.flatnonzero(np.diff(arrivals + waits) < -1e-9)
    assert len(overtaken) == 0, f"{len(overtaken)} customers started service before an earlier one"
    assert len(arrivals) > 0.99 * CUSTOMERS
    # The control absorbs errors in the inputs (it is fed the same services), so the inputs are
    # checked against their laws: exponential (Kolmogorov-Smirnov, iid draws) with the exact
    # mean within 4 standard errors (an exponential's is its mean / sqrt(n)).
    for name, draws, mean in (("interarrival", np.diff(arrivals), 1 / rate_hz),
                              ("service", services, service_s)):
        assert abs(draws.mean() / mean - 1) * math.sqrt(len(draws)) < 4, f"{name} mean {draws.mean():.4g} s, expected {mean:g}"
        assert stats.kstest(draws, "expon", args=(0, mean)).pvalue > 1e-3, f"{name} not exponential"
    fast = lindley_waits(arrivals, services / workers)  # the M/M/1 with rate c mu
    keep = slice(len(arrivals) // 50, None)
    a, rho = rate_hz * service_s, rate_hz * service_s / workers
    p_wait = erlang_c(workers, a)
    mean_wait = p_wait / (workers / service_s - rate_hz)
    fast_mean_wait = rho / (workers / service_s - rate_hz)
    for name, samples, control, control_mean, exact in (
            ("P(wait>0)", waits > 0, fast > 0, rho, p_wait),
            ("mean wait", waits, fast, fast_mean_wait, mean_wait)):
        estimate, stderr = controlled_mean(samples[keep], control[keep], control_mean)
        where = f"{name} at rho={rho:g}, c={workers}"
        assert stderr / exact < 0.01, f"{where}: standard error {stderr / exact:.2%}, not under 1 %"
        assert abs(estimate / exact - 1) < 0.03, (
            f"{where}: {estimate:.4g}, Erlang C {exact:.4g} (se {stderr:.2g})")
        plain = batch_means(samples[keep])
        plain_se = plain.std(ddof=1) / math.sqrt(BATCHES)
        assert abs(plain.mean() / exact - 1) < max(0.03, 3 * plain_se / exact), (
            f"{where}, plain estimator: {plain.mean():.4g}, Erlang C {exact:.4g}")
