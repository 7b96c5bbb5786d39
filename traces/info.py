"""Human-readable descriptions: one trace (schema, metadata, statistics) or a folder of traces."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import stats

from powsim.traces.format import COLUMNS, Trace
from powsim.traces.library import LEGITIMATE_ATTACK
from powsim.traces.pate import ORDER_GRIDS, composed_epsilon
from powsim.traces.pool import POOL_ATTACK


STANDARD_COST_KEY = "standard_cost_per_query"
"""Metadata ``extra`` key: quantiles of the single-query cost of every standard query."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
COST_FIELDS = ("mean", "min", *(f"q{round(100 * q):02d}" for q in QUANTILES), "max")
"""The keys of :func:`cost_quantiles`, in the order they are shown."""


def cost_quantiles(costs: np.ndarray) -> dict[str, float]:
    """Mean, min, max and the :data:`QUANTILES` of per-query ``costs`` (epsilon, (n,)),
    keyed 'mean', 'min', 'q05', 'q25', 'q50', 'q75', 'q95', 'max'."""
    values = (costs.mean(), costs.min(), *np.quantile(costs, QUANTILES), costs.max())
    return {name: float(value) for name, value in zip(COST_FIELDS, values)}


def teachers_line(trace: Trace) -> str | None:
    """The teachers' plurality accuracy and the cost distribution of standard queries, in one
    line; None when the trace records neither. The distribution is the metadata's (every
    image a standard user may ask) or, for a standard or pool trace without it, its own."""
    meta = trace.metadata
    plurality = meta.extra.get("plurality_accuracy")
    costs = meta.extra.get(STANDARD_COST_KEY)
    if costs is None and meta.kind == "query" and meta.attack in (LEGITIMATE_ATTACK, POOL_ATTACK):
        costs = cost_quantiles(trace.data["cost"].to_numpy())
    if plurality is None and costs is None:
        return None
    parts = [] if plurality is None else [f"plurality accuracy {plurality:.2f} %"]
    if isinstance(costs, dict):  # in this order: metadata read back has its keys sorted
        parts.append("standard queries' cost per query: " + ", ".join(
            f"{name} {costs[name]:.4g}" for name in COST_FIELDS if name in costs))
    return "teachers: " + "; ".join(parts)


def describe_trace(trace: Trace) -> str:
    """Schema, metadata (JSON) and per-column summary statistics of ``trace``, as text."""
    meta = trace.metadata
    lines = [f"{trace.source}: {meta.kind} trace, dataset '{meta.dataset}', attack '{meta.attack}', "
             f"{len(trace)} rows", "", "schema:"]
    for column in COLUMNS[meta.kind]:
        if column.name in trace.data:
            lines.append(f"  {column.name:<10} {str(column.type):<14} {column.description}")
    lines += ["", "metadata:", json.dumps(json.loads(meta.to_json()), indent=2, sort_keys=True), "",
              "summary:"]
    numeric = trace.data.drop(columns=[c for c in ("votes",) if c in trace.data])
    lines.append(numeric.describe().T.to_string(float_format=lambda v: f"{v:.6g}"))
    if meta.kind == "query":
        lines.append(f"\ntotal cost (sum of per-query epsilons): {trace.data['cost'].sum():.6g}")
    teachers = teachers_line(trace)
    if teachers:
        lines.append(teachers)
    return "\n".join(lines)


def trace_summary(traces: list[Trace], legitimate: str = LEGITIMATE_ATTACK,
                  orders: str = "paper") -> pd.DataFrame:
    """One row per per-query trace: size, cost per query and against ``legitimate``, linearity,
    extracted model at the last checkpoint, victim and plurality accuracy, service times.

    ``cost_ratio`` is the trace's mean per-query cost over the legitimate trace's;
    ``r_squared`` the R^2 of a straight line through its cumulative cost against queries;
    ``composed_eps`` the whole trace's epsilon by RDP composition (not the sum) on the order
    grid named by ``orders`` (a key of :data:`~powsim.traces.pate.ORDER_GRIDS`), recorded in
    the ``rdp_orders`` column; the per-query ``mean_cost`` is the traces' own (paper grid).
    """
    grid = ORDER_GRIDS[orders]
    queries = [t for t in traces if t.kind == "query"]
    rates = {t.metadata.attack: t.data["cost"].mean() for t in queries}
    rows = []
    for trace in queries:
        meta, cost = trace.metadata, trace.data["cost"].to_numpy()
        last = meta.checkpoints[-1] if meta.checkpoints else {}
        rows.append({
            "attack": meta.attack, "queries": len(trace), "mean_cost": cost.mean(),
            "cost_ratio": cost.mean() / rates[legitimate] if legitimate in rates else np.nan,
            "total_cost": cost.sum(),
            "composed_eps": (composed_epsilon(trace.data["logq"].to_numpy(), meta.sigma, meta.delta,
                                              grid)[0]
                             if "logq" in trace.data and meta.sigma and meta.delta else np.nan),
            "rdp_orders": orders,
            "r_squared": stats.linregress(np.arange(1, cost.size + 1), np.cumsum(cost)).rvalue ** 2,
            "accuracy": last.get("accuracy", np.nan), "fidelity": last.get("fidelity", np.nan),
            "victim_accuracy": meta.victim_accuracy,
            "plurality_accuracy": meta.extra.get("plurality_accuracy", np.nan),
            "inference_s_per_batch": meta.seconds_per_batch.get("inference", np.nan),
            "with_cost_s_per_batch": meta.seconds_per_batch.get("inference_and_cost", np.nan),
            "wall_time_s": meta.provenance.get("wall_time_s", np.nan),
        })
    return pd.DataFrame(rows)
