"""Capacity planning: the smallest worker count that meets a service-level objective.

An SLO is ``GROUP.METRIC OP VALUE`` (e.g. ``legit.ttc_p95<=5``): GROUP an agent's name,
METRIC one of :data:`METRICS`, OP ``<=``, ``<``, ``>=`` or ``>``. For each worker count the
scenario runs ``replications`` times in sampled mode (independent streams of one seed); the
metric of each run is taken over the steady-state window [warmup_s, duration_s) (the warm-up,
``[load] warmup_s``, default a tenth of the run, is discarded: the queue starts empty), and its
replications give a mean with a Student-t 95 % confidence interval. A count meets the SLO when
the whole interval does (upper bound for ``<=``/``<``, lower bound for ``>=``/``>``); the answer
is the smallest count that meets it.

Every (worker count, replication) is one task on an
:class:`~powsim.sim.sweep.executor.Executor`, the path ``powsim sweep`` takes: serially, on a
dask LocalCluster or on a given scheduler. Replication r draws from
``SeedSequence(seed, spawn_key=(r,))`` at every worker count, as the sweep's replication r
does at every grid point (common random numbers: the counts meet the same clients and bots),
so the table depends only on the scenario, ``seed`` and ``replications``, never on where the
tasks ran.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from powsim import progress as bars
from powsim.errors import ParameterError
from powsim.sim.load.config import LoadScenario
from powsim.sim.load.runs import run_tables
from powsim.sim.scenario import MAX_WORKERS
from powsim.sim.sweep.executor import Executor

METRICS = {"ttc_mean": "ttc_mean_s", "ttc_p95": "ttc_p95_s", "ttc_p99": "ttc_p99_s",
           "success_ratio": "success_ratio", "goodput": "goodput_hz",
           "overhead_with_queue": "overhead_with_queue", "timed_out": "timed_out",
           "trimmed": "trimmed", "utilisation": "utilisation"}
_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
_SLO = re.compile(r"^\s*(?P<group>[^\s/]+)\.(?P<metric>\w+)\s*(?P<op><=|>=|<|>)\s*(?P<value>\S+)\s*$")


@dataclass(frozen=True)
class Slo:
    """``group``'s ``metric`` (a summary column) must be ``op`` ``value``."""

    text: str
    group: str
    metric: str
    op: str
    value: float

    def met(self, low: float, high: float) -> bool:
        """Whether a confidence interval [low, high] lies wholly on the SLO's side."""
        bound = high if self.op in ("<=", "<") else low
        return bool(_OPS[self.op](bound, self.value))


def parse_slo(text: str, scenario: LoadScenario) -> Slo:
    """Parse ``slo`` against ``scenario``'s agent names (one clear ParameterError naming
    ``slo`` otherwise)."""
    match = _SLO.match(text)
    if match is None:
        raise ParameterError(f"{{slo}}: {text!r}, expected GROUP.METRIC OP VALUE, e.g. "
                             "'legit.ttc_p95<=5' (OP one of <=, <, >=, >)")
    group, metric = match["group"], match["metric"]
    if group not in scenario.groups:
        raise ParameterError(f"{{slo}}: group {group!r}, expected an agent of {scenario.source}: "
                             f"{', '.join(scenario.groups)}")
    if metric not in METRICS:
        raise ParameterError(f"{{slo}}: metric {metric!r}, expected one of {', '.join(METRICS)}")
    if metric.startswith("ttc") or metric in ("success_ratio", "overhead_with_queue"):
        if group not in [s.name for s in scenario.streams]:
            raise ParameterError(f"{{slo}}: {metric} of {group!r}, expected a stream agent "
                                 "(only legitimate clients connect)")
    try:
        value = float(match["value"])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ParameterError(f"{{slo}}: value {match['value']!r}, expected a finite number")
    return Slo(text.strip(), group, METRICS[metric], match["op"], value)


def parse_workers(text: str) -> list[int]:
    """``A:B`` (inclusive) or ``A:B:STEP`` worker counts, each >= 1."""
    parts = text.split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (2, 3) or numbers[0] < 1 or (len(numbers) == 3 and numbers[2] < 1):
        raise ParameterError(f"{{workers}}: {text!r}, expected FIRST:LAST or FIRST:LAST:STEP "
                             "with whole numbers >= 1")
    if numbers[1] > MAX_WORKERS:
        raise ParameterError(f"{{workers}}: {text!r}, LAST {numbers[1]:,}, expected at most "
                             f"{MAX_WORKERS:,} workers")
    counts = list(range(numbers[0], numbers[1] + 1, numbers[2] if len(numbers) == 3 else 1))
    if not counts:
        raise ParameterError(f"{{workers}}: {text!r} is an empty range, expected FIRST <= LAST")
    return counts


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Student-t interval of the mean of ``values`` (NaN bounds for one)."""
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def replication_summary(scenario: LoadScenario, workers: int, seed: int,
                        replication: int) -> pd.DataFrame:
    """One capacity task: the per-group summary (:func:`~powsim.sim.load.metrics.summary`) of
    replication ``replication`` of ``scenario`` in sampled mode with ``workers`` workers. Its
    arguments are plain picklable values, so it runs alike here and on any dask worker."""
    return run_tables(scenario, "sampled", seed, replication, workers)[1]


def capacity(scenario: LoadScenario, slo: Slo, workers: list[int], replications: int,
             seed: int, executor: Executor | None = None, progress: bool = False) -> pd.DataFrame:
    """One row per worker count: the SLO metric's mean and 95 % CI over ``replications``
    sampled runs, whether it ``meets`` the SLO, mean utilisation, the operator's cost per hour
    (workers x the server hardware's price; NaN without ``[server] hardware``) and the
    parameters (slo, seed, replications, admission, rule) as columns. The runs go to
    ``executor`` (None: serially in this process), with a progress bar if ``progress``."""
    price = scenario.server.hardware.price_per_hour_usd if scenario.server.hardware else math.nan
    calls = [(replication_summary, scenario, count, seed, r)
             for count in workers for r in range(replications)]
    results: dict[int, pd.DataFrame] = {}
    with bars.bar(len(calls), "capacity", "run", enabled=progress) as bar:
        for index, result in (executor or Executor()).run(calls):
            results[index] = result
            bar.update()
    rows = []
    for position, count in enumerate(workers):
        first = position * replications
        table = pd.concat([results[first + r] for r in range(replications)], ignore_index=True)
        mine = table[table["agent"] == slo.group]
        # A run where the metric is undefined (no client of the group ended in the window)
        # counts as the worst value, so the count misses the SLO.
        worst = math.inf if slo.op in ("<=", "<") else -math.inf
        values = mine[slo.metric].fillna(worst).to_numpy()
        mean, low, high = confidence_interval(values) if np.isfinite(values).all() else (worst,) * 3
        rows.append({"workers": count, "metric": slo.metric, "mean": mean, "ci_low": low,
                     "ci_high": high, "meets": slo.met(low, high),
                     "utilisation": float(mine["utilisation"].mean()),
                     "cost_per_hour_usd": count * price, "slo": slo.text, "seed": seed,
                     "replications": replications, "admission": scenario.server.admission,
                     "rule": scenario.difficulty.rule,
                     "window_start_s": scenario.warmup_s, "window_end_s": scenario.duration_s})
    return pd.DataFrame(rows)


def smallest(table: pd.DataFrame) -> int | None:
    """The smallest worker count that meets the SLO, or None."""
    meeting = table.loc[table["meets"], "workers"]
    return int(meeting.min()) if len(meeting) else None
