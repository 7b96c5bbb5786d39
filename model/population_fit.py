"""A legitimate population fitted to a request log: the laws a ``kind = "legit"``,
``sample = "bootstrap"`` entry draws its members from (``powsim population import``).

A *member* is an account, or with ``session_gap_s`` one session of it: a pause longer than
the gap starts a new member. Fitted, each with a 95 % CI:

* queries per member (the sum of its requests' ``queries``): lognormal, by maximum
  likelihood on the log values (mean and standard deviation with ``ddof = 0``); the median
  ``exp(mean)`` with Student's t interval of the mean log, ``sigma`` with the chi-square
  interval of a normal's standard deviation; Kolmogorov-Smirnov of the log values against the
  fitted normal, with two p-values: the plain test's (optimistic, the parameters being fitted
  to the same values) and Lilliefors' (the statistic's law when the mean and standard deviation
  are fitted, by Monte Carlo: :data:`KS_SAMPLES` normal samples from a fixed seed, on at most
  :data:`KS_MEMBERS` members drawn with that seed);
* members' arrivals (their first requests): a Poisson stream, ``arrival_rate_hz`` = (n - 1) /
  (last start - first start), the maximum likelihood from the n - 1 gaps, with the exact
  gamma (chi-square) interval;
* think time (the gaps between a member's consecutive requests): exponential, ``think_s`` =
  their mean, with the exact chi-square interval; 0 when no member asks twice;
* devices (a member's device is its first request's): each profile's share, with the exact
  (Clopper-Pearson) binomial interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from powsim.errors import InputError
from powsim.hashcash.hardware import DEFAULT_PROFILE
from powsim.model.request_log import RequestLog
from powsim.model.scenario import MIN_RATE_HZ

LEVEL = 0.95
KS_SAMPLES = 999     # Monte Carlo samples of Lilliefors' p-value: its standard error <= 0.016
KS_MEMBERS = 5_000   # members it is computed on (about 1.5 s on one core)
KS_SEED = 0
Interval = tuple[float, float]


@dataclass(frozen=True)
class PopulationFit:
    """The fitted laws with their 95 % CIs (see the module docstring); ``members`` and
    ``gaps`` (think-time gaps) are the sample sizes; ``devices`` maps a profile to its
    share and CI; ``ks_statistic``, ``ks_p`` (plain) and ``ks_p_fitted`` (Lilliefors) test the
    log queries against the fit."""

    members: int
    requests: int
    median: float
    median_ci: Interval
    sigma: float
    sigma_ci: Interval
    ks_statistic: float
    ks_p: float
    ks_p_fitted: float
    arrival_rate_hz: float
    arrival_ci: Interval
    gaps: int
    think_s: float
    think_ci: Interval
    devices: dict[str, tuple[float, Interval]]
    device_source: str

    def summary(self) -> pd.DataFrame:
        """One row per fitted parameter: ``parameter``, ``estimate``, ``ci95_low``, ``ci95_high``, ``n``."""
        rows = [("queries.median", self.median, self.median_ci, self.members),
                ("queries.sigma", self.sigma, self.sigma_ci, self.members),
                ("arrival_rate_hz", self.arrival_rate_hz, self.arrival_ci, self.members),
                ("think_s", self.think_s, self.think_ci, self.gaps)]
        rows += [(f"hardware.{name}", share, ci, self.members)
                 for name, (share, ci) in self.devices.items()]
        return pd.DataFrame([{"parameter": name, "estimate": value, "ci95_low": ci[0],
                              "ci95_high": ci[1], "n": n} for name, value, ci, n in rows])


def members_of(log: RequestLog, session_gap_s: float | None = None
               ) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per member, in order of first request: ``start_s``, ``queries`` (total),
    ``device`` and ``requests``; and the pauses (s) between a member's consecutive requests,
    shape (requests - members,)."""
    rows = pd.DataFrame({"account": log.account, "time": log.time_s, "queries": log.queries,
                         "device": log.device if log.device is not None else DEFAULT_PROFILE})
    rows = rows.sort_values(["account", "time"], kind="stable")
    gap = rows.groupby("account", sort=False)["time"].diff()
    new = gap.isna() | (gap > session_gap_s if session_gap_s is not None else False)
    rows["member"] = new.cumsum()
    members = rows.groupby("member").agg(start_s=("time", "first"), queries=("queries", "sum"),
                                         device=("device", "first"), requests=("time", "size"))
    members = members.sort_values("start_s", kind="stable").reset_index(drop=True)
    return members, gap[~new].to_numpy(dtype=np.float64)


def fit_population(log: RequestLog, session_gap_s: float | None = None) -> PopulationFit:
    """The laws of ``log``'s members (see the module docstring); at least two members, whose
    first requests are not all at one instant."""
    members, gaps = members_of(log, session_gap_s)
    n = len(members)
    if n < 2:
        raise InputError(f"{log.source}: {n} member, expected at least 2 accounts (or sessions) "
                         "to fit a population")
    span = float(members["start_s"].iloc[-1] - members["start_s"].iloc[0])
    if span <= 0:
        raise InputError(f"{log.source}: every member starts at time {members['start_s'].iloc[0]:g}, "
                         "expected first requests spread over time to fit an arrival rate")
    rate = (n - 1) / span
    if rate < MIN_RATE_HZ:
        raise InputError(f"{log.source}: arrival rate {rate:g}/s, expected at least {MIN_RATE_HZ:g}/s "
                         "(is field 'time' in seconds?)")
    think, think_ci = _exponential_mean(gaps)
    return PopulationFit(
        members=n, requests=len(log.queries),
        **_lognormal(np.log(members["queries"].to_numpy(dtype=np.float64))),
        arrival_rate_hz=rate, arrival_ci=_poisson_rate(n - 1, span), gaps=len(gaps), think_s=think, think_ci=think_ci, devices=_shares(members["device"]),
        device_source=log.device_column or f"no device column: all {DEFAULT_PROFILE}")


def _lognormal(logs: np.ndarray) -> dict[str, object]:
    """The lognormal fit of members' log queries (shape (n,), n >= 2): median, sigma, their
    intervals and the KS test, as :class:`PopulationFit`'s fields."""
    n = logs.size
    mean, sigma = float(logs.mean()), float(logs.std())
    half = stats.t.ppf(0.5 + LEVEL / 2, n - 1) * logs.std(ddof=1) / math.sqrt(n)
    squares = n * sigma**2
    fit = {"median": math.exp(mean), "median_ci": (math.exp(mean - half), math.exp(mean + half)),
           "sigma": sigma, "sigma_ci": (math.sqrt(squares / stats.chi2.ppf(0.5 + LEVEL / 2, n - 1)),
                                        math.sqrt(squares / stats.chi2.ppf(0.5 - LEVEL / 2, n - 1)))}
    if sigma == 0:  # every member asked as many queries: the fitted law is exact
        return {**fit, "ks_statistic": 0.0, "ks_p": 1.0, "ks_p_fitted": 1.0}
    ks = stats.kstest(logs, "norm", args=(mean, sigma))
    rng = np.random.default_rng(KS_SEED)
    sample = rng.choice(logs, KS_MEMBERS, replace=False) if n > KS_MEMBERS else logs
    fitted = stats.goodness_of_fit(stats.norm, sample, statistic="ks", n_mc_samples=KS_SAMPLES,
                                   rng=rng)
    return {**fit, "ks_statistic": float(ks.statistic), "ks_p": float(ks.pvalue),
            "ks_p_fitted": float(fitted.pvalue)}


def _poisson_rate(events: int, span_s: float) -> Interval:
    """Exact interval of a rate from ``events`` exponential gaps summing to ``span_s``: the
    sum of k gaps at rate r is Gamma(k, 1/r), so r * span ~ Gamma(k, 1)."""
    return (stats.gamma.ppf(0.5 - LEVEL / 2, events) / span_s,
            stats.gamma.ppf(0.5 + LEVEL / 2, events) / span_s)


def _exponential_mean(gaps: np.ndarray) -> tuple[float, Interval]:
    """Mean of exponential ``gaps`` (shape (m,)) with its exact interval: 2 * sum / mean ~ chi2(2m)."""
    if gaps.size == 0:
        return 0.0, (0.0, 0.0)
    total, m = float(gaps.sum()), gaps.size
    return total / m, (2 * total / stats.chi2.ppf(0.5 + LEVEL / 2, 2 * m),
                       2 * total / stats.chi2.ppf(0.5 - LEVEL / 2, 2 * m))


def _shares(devices: pd.Series) -> dict[str, tuple[float, Interval]]:
    """Each profile's share of members, most common first, with its Clopper-Pearson interval."""
    counts = devices.value_counts(sort=False)
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    total = int(counts.sum())
    result = {}
    for name, k in counts.items():
        ci = stats.binomtest(int(k), total).proportion_ci(LEVEL, method="exact")
        result[str(name)] = (int(k) / total, (float(ci.low), float(ci.high)))
    return result
