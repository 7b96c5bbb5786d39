"""The load engine's queue against queueing theory: M/M/c waits against Erlang C at 10^5
customers (tests/mmc.py: the formulas, the runs and the estimators)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mmc import CUSTOMERS, class_waits, loss_estimate, mmck_loss, priority_waits, run_mmc


@pytest.mark.parametrize("rate_hz,service_s,workers", [(1.0, 1.0, 2), (2.4, 1.0, 3), (4.5, 1.0, 5)])
def test_mmc_within_3_percent_of_erlang_c(rate_hz, service_s, workers):
    """P(wait > 0) and the mean wait within 3 % of Erlang C at 10^5 customers (first 2 %
    discarded) at rho = 0.5, 0.8 and 0.9, by the fast-server control variate estimator.

    Bound: the test first requires the estimate's standard error (20 batch means) to be under
    1 % of the exact value, so 3 % is at least 3 standard errors (a correct simulator fails a
    figure with probability ~0.3 %). Over seeds 0-9 the largest standard error was 0.8 % (the
    mean wait at rho = 0.9, c = 5), and the spread of the estimates across seeds matched it
    (docs/capacity.md, benchmarks/erlang_c_estimators.py). The plain estimator stays as a check
    within max(3 %, 3 of its standard errors).

    The control absorbs errors in the inputs (it is fed the same arrivals and services), so
    they are checked against their laws: exponential (Kolmogorov-Smirnov; iid draws) with the
    exact mean within 4 standard errors (an exponential's is its mean / sqrt(n)). And the queue
    is first come first served: service starts in arrival order (LIFO keeps both means, as any
    work-conserving order does, but not that order). Planted bugs that fail here: c - 1
    workers, LIFO, services 5 % long, arrivals 3 % fast, gamma(2) services."""
    run = run_mmc(rate_hz, service_s, workers, seed=7)
    assert len(run.arrivals_s) > 0.99 * CUSTOMERS
    overtaken = np.flatnonzero(np.diff(run.arrivals_s + run.waits_s) < -1e-9)
    assert len(overtaken) == 0, f"{len(overtaken)} customers started service before an earlier one"
    for name, draws, mean in (("interarrival", np.diff(run.arrivals_s), 1 / rate_hz),
                              ("service", run.services_s, service_s)):
        assert abs(draws.mean() / mean - 1) * math.sqrt(len(draws)) < 4, (
            f"{name} mean {draws.mean():.4g} s, expected {mean:g}")
        assert stats.kstest(draws, "expon", args=(0, mean)).pvalue > 1e-3, f"{name} not exponential"
    controlled, plain = run.estimates("fast-server"), run.estimates("plain")
    for name, exact in run.exact.items():
        where = f"{name} at rho={run.rho:g}, c={workers}"
        estimate, stderr = controlled[name]
        assert stderr / exact < 0.01, f"{where}: standard error {stderr / exact:.2%}, not under 1 %"
        assert abs(estimate / exact - 1) < 0.03, (
            f"{where}: {estimate:.4g}, Erlang C {exact:.4g} (se {stderr:.2g})")
        estimate, stderr = plain[name]
        assert abs(estimate / exact - 1) < max(0.03, 3 * stderr / exact), (
            f"{where}, plain estimator: {estimate:.4g}, Erlang C {exact:.4g} (se {stderr:.2g})")


@pytest.mark.parametrize("rate_hz,service_s,workers", [(0.25, 0.5, 1), (7.0, 1.0, 10), (18.0, 1.0, 20)])
def test_mmc_plain_waits_match_erlang_c(rate_hz, service_s, workers):
    """More servers (and one): the plain estimator at rho = 0.125, 0.7 and 0.9 with c = 1, 10
    and 20, within 3 % or 3 standard errors, whichever is larger (a two-sided 99.7 % band; the
    standard error, from 20 batch means of ~4,900 customers each, must stay under 15 %). There
    even the fast-server control leaves a standard error of 1-3 % at 10^5 customers, and at
    c = 1 it is the simulated queue itself (docs/capacity.md). (At 10^6 customers, rho = 0.9,
    c = 20 gave P(wait) +0.07 % and the mean wait -1.5 %, standard errors 0.9 % and 2.5 %.)"""
    run = run_mmc(rate_hz, service_s, workers, seed=7)
    for name, (estimate, stderr) in run.estimates("plain").items():
        exact = run.exact[name]
        assert stderr / exact < 0.15, f"{name}: standard error {stderr / exact:.2%}, too noisy to test"
        assert abs(estimate / exact - 1) < max(0.03, 3 * stderr / exact), (
            f"{name} at rho={run.rho:g}: {estimate:.4g}, Erlang C {exact:.4g} (se {stderr:.2g})")


@pytest.mark.parametrize("rates_hz,workers", [((0.8, 0.8), 2), ((1.5, 0.9), 3)])
def test_priority_waits_within_3_percent_of_cobham(rates_hz, workers):
    """The effort order against non-preemptive priority M/M/c (Cobham's formula, tests/mmc.py):
    two streams paying 2 and 1 hashes, 2.5 x 10^5 customers, rho = 0.8, each class's mean wait
    within 3 %.

    Bound: the estimator (wait x [class] / P(class), controlled by the class indicator and the
    fast-server waits, 20 batch means) must have a standard error under 1 % of the exact wait,
    so 3 % is at least 3 standard errors (a correct queue fails a class with probability
    ~0.3 %). Measured at 2 x 10^5 customers over seeds 0-2: 0.5-0.9 % (high class), 0.3-0.7 %
    (low). The plain class means must agree within max(3 %, 4 of those standard errors): a
    check on the controls, as the Erlang C test keeps. Serving the lower effort first, or
    first come first served, swaps or merges the two waits and fails."""
    exact = dict(zip(("high", "low"), priority_waits(rates_hz, 1.0, workers)))
    for name, (estimate, stderr, plain) in class_waits(rates_hz, 1.0, workers, 250_000, seed=7).items():
        where = f"{name} class at rates {rates_hz}, c={workers}"
        assert stderr / exact[name] < 0.01, f"{where}: standard error {stderr / exact[name]:.2%}"
        assert abs(estimate / exact[name] - 1) < 0.03, (
            f"{where}: {estimate:.4g} s, Cobham {exact[name]:.4g} s (se {stderr:.2g})")
        assert abs(plain / exact[name] - 1) < max(0.03, 4 * stderr / exact[name]), (
            f"{where}, plain mean: {plain:.4g} s, Cobham {exact[name]:.4g} s")


@pytest.mark.parametrize("rate_hz,workers,places", [(1.6, 2, 4), (4.0, 4, 6)])
def test_trimming_loss_within_3_percent_of_mmck(rate_hz, workers, places):
    """Trimming against M/M/c/K: the share of arrivals trimmed from a full queue within 3 % of
    p_K (tests/mmc.py) at rho = 0.8 (c = 2, K = 4: p_K = 0.1431) and rho = 1 (c = 4, K = 6:
    0.1916), 4 x 10^5 customers. Bound: the standard error (20 batch means of the per-second
    losses, arrivals as control) must be under 1 %, so 3 % is at least 3 of them. Measured at
    4 x 10^5 over seeds 7, 0, 1: 0.79 / 0.45 / 0.5 % (K = 4) and 0.60 / 0.32 / 0.48 % (K = 6);
    at 2 x 10^5 over seeds 3-12 (K = 4) the errors had mean -0.003 % and standard deviation
    0.76 %, matching the standard errors (0.79 % on average): the estimator is unbiased and
    its error bar honest. The plain share (trimmed / arrivals) stays within max(3 %, 4
    standard errors). Cutting the oldest instead of the newest keeps the loss (an M/M/c/K
    loses one either way); a queue one place larger than its capacity fails."""
    exact = mmck_loss(rate_hz, 1.0, workers, places)
    estimate, stderr, plain = loss_estimate(rate_hz, 1.0, workers, places, 400_000, seed=7)
    where = f"M/M/{workers}/{places} at {rate_hz} Hz"
    assert stderr / exact < 0.01, f"{where}: standard error {stderr / exact:.2%}"
    assert abs(estimate / exact - 1) < 0.03, f"{where}: {estimate:.4g}, p_K {exact:.4g} (se {stderr:.2g})"
    assert abs(plain / exact - 1) < max(0.03, 4 * stderr / exact), f"{where}: plain {plain:.4g}"
