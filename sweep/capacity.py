"""Capacity planning: the smallest worker count that meets a service-level objective.

An SLO is ``GROUP.METRIC OP VALUE`` (e.g. ``legit.ttc_p95<=5``, ``legit.connect_rate>=0.99``,
``users.queue_p95<=2`` for a per-account scenario): GROUP an agent's name, METRIC one of its
kernel's metrics (:mod:`powsim.stats.metrics`), OP ``<=``, ``<``, ``>=`` or ``>``. Capacity
is a sweep over ``server.workers`` with that filter, for either kernel. For each worker count the scenario runs ``replications`` times in sampled mode (independent streams
of one seed); the metric of a load run is taken over its steady-state window [warm-up,
duration_s) (``[load] warmup_s``, or else the warm-up MSER-5 finds in the run: the queue starts
empty), that of a per-account run over the whole run (every member's every batch), and its
replications give a mean with a Student-t 95 % confidence interval. A count meets the SLO
when the whole interval does (upper bound for ``<=``/``<``, lower bound for ``>=``/``>``); the
answer is the smallest count that meets it. TTC figures count lost clients as never connected
(:mod:`powsim.load.metrics`): a run whose quantile is not reached has an infinite metric,
and the count misses a ``<=`` SLO. Every row carries the share of legitimate clients lost beside
the figure, and an overhead ratio the seconds it adds per request and per 1,000 queries.

Every (worker count, replication) is one task on an
:class:`~powsim.sweep.executor.Executor`, the path ``powsim sweep`` takes: serially, on local
worker processes or on a given dask scheduler. Replication r draws from
``SeedSequence(seed, spawn_key=(r,))`` at every worker count, as the sweep's replication r
does at every grid point (common random numbers: the counts meet the same clients and bots),
so the table depends only on the scenario, ``seed`` and ``replications``, never on where the
tasks ran.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from powsim import progress as bars
from powsim.errors import ParameterError
from powsim.load.runs import run_tables
from powsim.model.load import LoadScenario
from powsim.model.read import engine_of
from powsim.model.scenario import MAX_WORKERS, Scenario
from powsim.sim.run import prepare, simulate
from powsim.sim.summary import summarize
from powsim.stats.confidence import interval
from powsim.stats.metrics import metric
from powsim.sweep.executor import Executor

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


def parse_slo(text: str, scenario: Scenario | LoadScenario) -> Slo:
    """Parse ``slo`` against ``scenario``'s agent names and its kernel's metrics (one clear
    ParameterError naming ``slo`` otherwise)."""
    match = _SLO.match(text)
    if match is None:
        raise ParameterError(f"{{slo}}: {text!r}, expected GROUP.METRIC OP VALUE, e.g. "
                             "'legit.ttc_p95<=5' (OP one of <=, <, >=, >)")
    group, engine = match["group"], engine_of(scenario)
    groups = scenario.groups if engine == "load" else tuple(a.name for a in scenario.agents)
    if group not in groups:
        raise ParameterError(f"{{slo}}: group {group!r}, expected an agent of {scenario.source}: "
                             f"{', '.join(groups)}")
    chosen = metric(match["metric"], engine)
    if chosen.followed and group not in [agent.name for agent in scenario.clients]:
        raise ParameterError(f"{{slo}}: {chosen.name} of {group!r}, expected a stream or sessions "
                             "agent (only their clients are followed to their labels)")
    try:
        value = float(match["value"])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ParameterError(f"{{slo}}: value {match['value']!r}, expected a finite number")
    return Slo(text.strip(), group, chosen.column, match["op"], value)


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


def replication_summary(scenario: Scenario | LoadScenario, workers: int, seed: int,
                        replication: int) -> pd.DataFrame:
    """One capacity task: the summary of replication ``replication`` of ``scenario`` in
    sampled mode with ``workers`` workers, from its kernel (load:
    :func:`~powsim.load.metrics.summary`; per-account: :func:`~powsim.sim.summary.summarize`,
    ``server.workers`` serving the batches). Its arguments are plain picklable values, so it
    runs alike here and on any dask worker."""
    if isinstance(scenario, LoadScenario):
        return run_tables(scenario, "sampled", seed, replication, workers)[1]
    server = dataclasses.replace(scenario.server, workers=workers)
    model = prepare(dataclasses.replace(scenario, server=server))
    return summarize(model, simulate(model, "sampled", seed, replication)).assign(
        replication=replication)


def capacity(scenario: Scenario | LoadScenario, slo: Slo, workers: list[int], replications: int,
             seed: int, executor: Executor | None = None, progress: bool = False) -> pd.DataFrame:
    """One row per worker count: the SLO metric's mean and 95 % CI over ``replications``
    sampled runs, whether it ``meets`` the SLO, the legitimate clients' ``lost_share`` (mean
    and largest over the replications, all streams pooled), for an overhead ratio the seconds
    it adds (``added_s``, ``added_s_per_1000q``: means), mean utilisation, the operator's cost
    per hour (workers x the server hardware's price; NaN without ``[server] hardware``), the
    mean steady-state window start and the parameters (slo, seed, replications, admission,
    rule) as columns. The runs go to
    ``executor`` (None: serially in this process), with a progress bar if ``progress``."""
    hardware = getattr(scenario.server, "hardware", None)
    price = hardware.price_per_hour_usd if hardware else math.nan
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
        mean, low, high = interval(values) if np.isfinite(values).all() else (worst,) * 3
        rows.append({"workers": count, "metric": slo.metric, "mean": mean, "ci_low": low,
                     "ci_high": high, "meets": slo.met(low, high), **_lost_share(table),
                     **_added(mine, slo.metric),
                     "utilisation": float(mine["utilisation"].mean()) if "utilisation" in mine else math.nan,
                     "cost_per_hour_usd": count * price, "slo": slo.text, "seed": seed,
                     "replications": replications, **_window(scenario, mine)})
    return pd.DataFrame(rows)


def _window(scenario: Scenario | LoadScenario, rows: pd.DataFrame) -> dict[str, object]:
    """A load run's parameters and steady-state window (admission, rule, warm-up, window); a
    per-account run has none: its figures cover whole runs."""
    if not isinstance(scenario, LoadScenario):
        return {}
    return {"admission": scenario.server.admission, "rule": scenario.difficulty.rule,
            "warmup": rows["warmup"].iloc[0], "window_start_s": float(rows["window_start_s"].mean()),
            "window_end_s": scenario.duration_s}


def _lost_share(table: pd.DataFrame) -> dict[str, float]:
    """The share of all legitimate clients ended in the window that were lost, per replication
    of ``table`` (summaries): its mean and largest over the replications where any ended (NaN
    where none did, or without streams)."""
    legit = table[table["kind"] == "legit"]
    if legit.empty or "lost" not in legit:
        return {"lost_share": math.nan, "lost_share_max": math.nan}
    legit = legit.groupby("replication")[["lost", "clients"]].sum()
    shares = (legit["lost"] / legit["clients"].where(legit["clients"] > 0)).dropna()
    return {"lost_share": float(shares.mean()) if len(shares) else math.nan,
            "lost_share_max": float(shares.max()) if len(shares) else math.nan}


def _added(rows: pd.DataFrame, metric: str) -> dict[str, float]:
    """For an overhead ratio, the mean seconds it adds per request and per 1,000 queries."""
    if not metric.startswith("overhead_"):
        return {}
    name = metric.removeprefix("overhead_")
    return {"added_s": float(rows[f"added_{name}_s"].mean()),
            "added_s_per_1000q": float(rows[f"added_{name}_s_per_1000q"].mean())}


def smallest(table: pd.DataFrame) -> int | None:
    """The smallest worker count that meets the SLO, or None."""
    meeting = table.loc[table["meets"], "workers"]
    return int(meeting.min()) if len(meeting) else None
