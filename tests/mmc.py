"""M/M/c queues run by the load engine, and estimators of their waits to compare with Erlang C.

Shared by tests/test_load_queueing.py and benchmarks/erlang_c_estimators.py (which measures
the estimators' standard errors over seeds for docs/capacity.md).

Erlang C (Kleinrock, Queueing Systems vol. 1, 1975, eqs. 3.40-3.42): with offered load
a = lambda/mu and rho = a/c < 1, the probability that an arrival waits is
C(c, a) = B / (1 - rho (1 - B)), B the Erlang B blocking probability (recursion
B_0 = 1, B_k = a B_{k-1} / (k + a B_{k-1})), and the mean wait in queue is
W_q = C(c, a) / (c mu - lambda).

Estimators of P(wait > 0) and W_q from one run (the first 2 % of customers discarded as
warm-up, the rest cut into BATCHES consecutive batches; each gives an estimate and its
standard error from the batch means):

* ``plain``: the mean of every customer's (wait > 0) or wait.
* ``means``: the plain one with the mean interarrival time (known: 1/lambda) and the mean
  service time (known: 1/mu) as control variates (Lavenberg & Welch 1981).
* ``conditional``: by PASTA an arrival finding n in the system waits with probability
  [n >= c] and, first come first served, for max(0, n - c + 1) exponential(c mu) services:
  the mean of [n >= c] or of max(0, n - c + 1) / (c mu).
* ``fast-server``: the plain one with a control variate of known mean: an M/M/1 queue with
  a c-times-faster server (rate c mu) fed the same arrival times and the same service times
  divided by c (Lindley's recursion). Its waits follow the same bursts of arrivals and long
  services, and its P(wait) = rho and mean wait rho / (c mu - lambda) are exact.

Two more queues with closed forms, for the effort order and for trimming:

* Non-preemptive priority M/M/c, two classes with one service rate mu (Cobham 1954; Kleinrock,
  Queueing Systems vol. 2, 1976, eq. 3.30 with the M/M/c residual W_0 = C(c, a) / (c mu)):
  class k (1 highest) waits W_k = W_0 / ((1 - sigma_{k-1})(1 - sigma_k)) on average,
  sigma_k = (lambda_1 + ... + lambda_k) / (c mu). In the engine the classes are two streams
  whose puzzles carry different efforts, the higher served first.
* M/M/c/K, K = c + queue capacity (Kleinrock vol. 1, eq. 3.43; PASTA): an arrival is lost
  with probability p_K, p_n proportional to a^n / n! for n <= c and a^c / c! (a / c)^(n - c)
  above. In the engine the queue trims the newest request of the lowest effort, which with
  one effort is the arriving one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from powsim.hashcash.hardware import PROFILES
from powsim.load.engine import LoadRun
from powsim.load.metrics import clients_frame
from powsim.load.record import ARRIVALS, TRIMMED
from powsim.model.load import DifficultyRule, LoadScenario, LoadServer, Stream

CUSTOMERS = 100_000
BATCHES = 20
ESTIMATORS = ("plain", "means", "conditional", "fast-server")


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


def controlled_mean(samples: np.ndarray, *controls: tuple[np.ndarray, float]
                    ) -> tuple[float, float]:
    """(estimate, standard error) of the mean of ``samples`` with ``controls``, each (values of
    the same shape, their known mean): ordinary least squares of the batch means of
    ``samples`` on those of each control minus its known mean; the estimate is the intercept
    (the samples' mean where every control hits its known mean), its standard error the
    regression's (BATCHES - 1 - len(controls) degrees of freedom). No controls: the batch
    means' mean and standard error."""
    y = batch_means(samples)
    x = np.column_stack([np.ones(BATCHES)] + [batch_means(v) - m for v, m in controls])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ coef
    variance = residual @ residual / (BATCHES - x.shape[1]) * np.linalg.inv(x.T @ x)[0, 0]
    return float(coef[0]), math.sqrt(variance)


def mmc(rate_hz: float, service_s: float, workers: int) -> LoadScenario:
    """An M/M/c queue as a load scenario: Poisson clients with no effort and no timeout."""
    server = LoadServer(workers=workers, service_s=service_s, service="exponential")
    stream = Stream("poisson", rate_hz, PROFILES["laptop-cpu"], timeout_s=math.inf)
    return LoadScenario(server, DifficultyRule(), (stream,), (), CUSTOMERS / rate_hz, 0.0)


@dataclass(frozen=True)
class MmcRun:
    """One sampled run of :func:`mmc`: each recorded customer's ``arrivals_s`` (sorted),
    ``waits_s`` and ``services_s``, shape (n,)."""

    rate_hz: float
    service_s: float
    workers: int
    arrivals_s: np.ndarray
    waits_s: np.ndarray
    services_s: np.ndarray

    @property
    def rho(self) -> float:
        return self.rate_hz * self.service_s / self.workers

    @property
    def exact(self) -> dict[str, float]:
        """Erlang C's P(wait>0) and mean wait (s)."""
        p_wait = erlang_c(self.workers, self.rate_hz * self.service_s)
        return {"P(wait>0)": p_wait, "mean wait": p_wait / (self.workers / self.service_s - self.rate_hz)}

    @cached_property
    def in_system(self) -> np.ndarray:
        """Customers in the system each arrival finds (earlier arrivals not yet departed)."""
        departures = np.sort(self.arrivals_s + self.waits_s + self.services_s)
        return np.arange(len(self.arrivals_s)) - np.searchsorted(departures, self.arrivals_s, "right")

    def estimates(self, estimator: str) -> dict[str, tuple[float, float]]:
        """``estimator``'s (estimate, standard error) of each figure of :attr:`exact`."""
        c, mu, lam = self.workers, 1 / self.service_s, self.rate_hz
        keep = slice(len(self.arrivals_s) // 50, None)  # warm-up: the queue starts empty
        waits = self.waits_s
        figures = {"P(wait>0)": waits > 0, "mean wait": waits}
        controls: dict[str, list[tuple[np.ndarray, float]]] = dict.fromkeys(figures, [])
        if estimator == "means":
            means = [(np.diff(self.arrivals_s, prepend=0.0)[keep], 1 / lam),
                     (self.services_s[keep], self.service_s)]
            controls = dict.fromkeys(figures, means)
        elif estimator == "conditional":
            figures = {"P(wait>0)": self.in_system >= c,
                       "mean wait": np.maximum(0, self.in_system - c + 1) / (c * mu)}
        elif estimator == "fast-server":
            fast = lindley_waits(self.arrivals_s, self.services_s / c)
            controls = {"P(wait>0)": [((fast > 0)[keep], self.rho)],
                        "mean wait": [(fast[keep], self.rho / (c * mu - lam))]}
        elif estimator != "plain":
            raise ValueError(f"estimator {estimator!r}, expected one of {', '.join(ESTIMATORS)}")
        return {name: controlled_mean(samples[keep], *controls[name])
                for name, samples in figures.items()}


def run_mmc(rate_hz: float, service_s: float, workers: int, seed: int) -> MmcRun:
    """Simulate :func:`mmc` in sampled mode from ``seed``."""
    record = LoadRun(mmc(rate_hz, service_s, workers), mode="sampled", seed=seed).run()
    clients = clients_frame(record).sort_values("first_s")
    return MmcRun(rate_hz, service_s, workers, (clients["first_s"] + clients["solve_s"]).to_numpy(),
                  clients["wait_s"].to_numpy(), clients["service_s"].to_numpy())


def priority_waits(rates_hz: tuple[float, float], service_s: float, workers: int) -> tuple[float, float]:
    """Mean waits in queue (s) of the high and low class of a non-preemptive priority M/M/c
    (Cobham's formula, see the module docstring)."""
    mu, c = 1 / service_s, workers
    w0 = erlang_c(c, sum(rates_hz) * service_s) / (c * mu)
    high, total = rates_hz[0] / (c * mu), sum(rates_hz) / (c * mu)
    return w0 / (1 - high), w0 / ((1 - high) * (1 - total))


def mmck_loss(rate_hz: float, service_s: float, workers: int, places: int) -> float:
    """Probability that an arrival finds all ``places`` (servers plus waiting room) taken in
    M/M/c/K (``places`` = K): p_K of the module docstring."""
    a, c = rate_hz * service_s, workers
    terms = [a ** n / math.factorial(n) for n in range(c + 1)]
    terms += [terms[c] * (a / c) ** (n - c) for n in range(c + 1, places + 1)]
    return terms[-1] / sum(terms)


def priority_mmc(rates_hz: tuple[float, float], service_s: float, workers: int,
                 customers: int) -> LoadScenario:
    """Two Poisson streams, 'high' paying 2 hashes and 'low' 1 (a laptop solves either in
    under a microsecond; a Poisson stream delayed by iid solves stays Poisson), no timeout,
    exponential service, ``customers`` expected in all."""
    server = LoadServer(workers=workers, service_s=service_s, service="exponential")
    laptop = PROFILES["laptop-cpu"]
    streams = (Stream("high", rates_hz[0], laptop, timeout_s=math.inf, account_effort=2.0),
               Stream("low", rates_hz[1], laptop, timeout_s=math.inf, account_effort=1.0))
    return LoadScenario(server, DifficultyRule(), streams, (), customers / sum(rates_hz), 0.0)


def class_waits(rates_hz: tuple[float, float], service_s: float, workers: int, customers: int,
                seed: int) -> dict[str, tuple[float, float, float]]:
    """Per class ('high', 'low'): (estimate, standard error, plain estimate) of the mean wait
    in a sampled run of :func:`priority_mmc`, first 2 % discarded. The estimate is the mean
    over all customers of wait x [class] / P(class) (P(class) = its share of the rates, known),
    controlled by [class] / P(class) (known mean 1) and by the fast-server waits of the whole
    stream, fed the services in the order they started (the number in the system does not
    depend on the order of service, so its waits track the priority queue's)."""
    c = workers
    record = LoadRun(priority_mmc(rates_hz, service_s, workers, customers), "sampled", seed).run()
    clients = clients_frame(record)
    arrivals = (clients["first_s"] + clients["solve_s"]).to_numpy()
    order = np.argsort(arrivals, kind="stable")
    arrivals, waits = arrivals[order], clients["wait_s"].to_numpy()[order]
    groups, services = clients["group"].to_numpy()[order], clients["service_s"].to_numpy()[order]
    started = services[np.argsort(arrivals + waits, kind="stable")]
    lam, rho = sum(rates_hz), sum(rates_hz) * service_s / c
    fast = lindley_waits(arrivals, started / c)
    keep = slice(len(arrivals) // 50, None)
    estimates = {}
    for group, name in enumerate(("high", "low")):
        share = rates_hz[group] / lam
        mine = (groups == group) / share
        samples = (waits * mine)[keep]
        estimate, stderr = controlled_mean(samples, (mine[keep], 1.0),
                                           (fast[keep], rho / (c / service_s - lam)))
        estimates[name] = (estimate, stderr, float(waits[keep][groups[keep] == group].mean()))
    return estimates


def loss_estimate(rate_hz: float, service_s: float, workers: int, places: int, customers: int,
                  seed: int) -> tuple[float, float, float]:
    """(estimate, standard error, plain estimate) of the loss probability of a sampled run of
    an M/M/c/K (queue capacity ``places`` - ``workers``), first 2 % discarded. The run counts
    requests per second: trimmed / (rate x 1 s) per second has mean p_K; it is controlled by
    arrivals / (rate x 1 s) (known mean 1), which regresses out the noise of the arrival
    count. Plain: trimmed over arrivals."""
    server = LoadServer(workers=workers, service_s=service_s, service="exponential",
                        queue_capacity=places - workers)
    stream = Stream("poisson", rate_hz, PROFILES["laptop-cpu"], timeout_s=math.inf)
    scenario = LoadScenario(server, DifficultyRule(), (stream,), (), customers / rate_hz, 0.0)
    counts = LoadRun(scenario, "sampled", seed, interval_s=1.0).run().counts
    keep = slice(counts.shape[2] // 50, None)
    arrivals, trimmed = counts[ARRIVALS, 0, keep], counts[TRIMMED, 0, keep]
    estimate, stderr = controlled_mean(trimmed / rate_hz, (arrivals / rate_hz, 1.0))
    return estimate, stderr, float(trimmed.sum() / arrivals.sum())
