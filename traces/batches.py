"""A trace cut into the batches an agent submits: per-batch queries, cost and service time.

Both kinds of trace become the same thing:

* a **query** trace is cut into consecutive batches of ``queries_per_puzzle`` queries (the
  scenario's ``defense.queries_per_puzzle``), or into its own ``batch`` column when none is set. Per-batch
  service times are the trace's measured ``seconds_per_batch`` scaled pro rata to the
  batch's queries (``inference`` for the inference worker, ``inference_and_cost`` minus
  it for the cost-estimation worker).
* a **curve** trace is replayed row by row: row r's new queries are cut into
  max(1, round(new queries / queries_per_puzzle)) equal batches that share the row's new cost and
  new base time (all given to the inference worker). As in paper mode, the first row is the
  starting point: its queries are not replayed and later rows count from it, while its
  cost and time are carried into the first replayed row.

Service times set in the scenario (``[server] inference_s`` / ``cost_s``, seconds per batch)
replace the trace's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from powsim.errors import InputError
from powsim.traces.format import Trace
from powsim.traces import pate


@dataclass(frozen=True)
class ServiceTimes:
    """Per-batch service seconds set by the scenario; ``None`` keeps the trace's figure."""

    inference_s: float | None = None
    cost_s: float | None = None


class Batch(NamedTuple):
    """One batch as an agent submits it: queries, additive cost, RDP row, service seconds."""

    index: int
    queries: float
    cost: float
    rdp: np.ndarray | None
    inference_s: float
    cost_s: float


@dataclass(frozen=True)
class Workload:
    """The batches of one trace, all arrays of shape (batches,) except ``rdp``.

    ``queries``: queries per batch; ``cost``: additive privacy cost per batch (sum of
    single-query epsilons); ``rdp``: per-batch RDP at each order of the grid it was cut on
    (:data:`~powsim.traces.pate.ORDERS` unless told), shape (batches, orders), or ``None``
    when not needed;
    ``inference_s``/``cost_s``: service seconds per batch on each worker; ``accuracy``:
    the extracted model's final accuracy (%) or NaN.
    """

    queries: np.ndarray
    cost: np.ndarray
    inference_s: np.ndarray
    cost_s: np.ndarray
    accuracy: float
    rdp: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.queries)

    @cached_property
    def batches(self) -> tuple[Batch, ...]:
        """The batches as plain Python records, built once and shared by every agent."""
        rdp = self.rdp if self.rdp is not None else [None] * len(self)
        return tuple(Batch(i, *values) for i, values in enumerate(zip(
            self.queries.tolist(), self.cost.tolist(), rdp, self.inference_s.tolist(),
            self.cost_s.tolist())))


def workload(trace: Trace, queries_per_puzzle: float | None = None, service: ServiceTimes = ServiceTimes(),
             rdp: bool = False, orders: np.ndarray = pate.ORDERS) -> Workload:
    """Cut ``trace`` into batches of ``queries_per_puzzle`` queries (see the module docstring);
    with ``rdp``, each batch's RDP curve at ``orders`` too."""
    if trace.kind == "curve":
        if rdp:
            raise InputError(f"{trace.source}: the rdp policy needs a query trace with a 'logq' "
                             "column, got a curve trace")
        return _curve_workload(trace, queries_per_puzzle, service)
    return _query_workload(trace, queries_per_puzzle, service, orders if rdp else None)


def _curve_workload(trace: Trace, queries_per_puzzle: float | None, service: ServiceTimes) -> Workload:
    size = queries_per_puzzle or trace.metadata.batch_size
    if size is None:
        raise InputError(f"{trace.source}: metadata field 'batch_size' is missing, expected it "
                         "or defense.queries_per_puzzle in the scenario")
    data = trace.data
    if len(data) < 2:
        raise InputError(f"{trace.source}: one row, expected at least two rows in a curve trace "
                         "(the first is the starting point)")
    steps = {name: np.diff(data[name].to_numpy(dtype=np.float64), prepend=0.0)
             for name in ("queries", "cost", "time_s")}
    steps["queries"][0] = 0.0
    steps["cost"][1] += steps["cost"][0]
    steps["time_s"][1] += steps["time_s"][0]
    batches = np.maximum(1, np.rint(steps["queries"][1:] / size)).astype(np.int64)
    per_batch = {name: np.repeat(values[1:] / batches, batches) for name, values in steps.items()}
    accuracy = float(data["accuracy"].iloc[-1]) if "accuracy" in data else np.nan
    return Workload(per_batch["queries"], per_batch["cost"],
                    _override(service.inference_s, per_batch["time_s"]),
                    _override(service.cost_s, np.zeros_like(per_batch["time_s"])), accuracy)


def _query_workload(trace: Trace, queries_per_puzzle: float | None, service: ServiceTimes,
                    orders: np.ndarray | None) -> Workload:
    data, meta = trace.data, trace.metadata
    if queries_per_puzzle is None:
        starts = np.flatnonzero(np.diff(data["batch"].to_numpy(), prepend=-1))
    elif queries_per_puzzle == int(queries_per_puzzle):
        starts = np.arange(0, len(data), int(queries_per_puzzle))
    else:
        raise InputError(f"defense.queries_per_puzzle: {queries_per_puzzle}, expected a whole number of queries "
                         f"to cut the query trace {trace.source}")
    queries = np.diff(np.append(starts, len(data))).astype(np.float64)
    cost = np.add.reduceat(data["cost"].to_numpy(dtype=np.float64), starts)
    scale = queries / (meta.batch_size or len(data) / np.unique(data["batch"]).size)
    measured = meta.seconds_per_batch
    if service.inference_s is None and "inference" not in measured:
        raise InputError(f"{trace.source}: metadata field 'seconds_per_batch.inference' is "
                         "missing, expected it or [server] inference_s in the scenario")
    inference = measured.get("inference", 0.0)
    estimation = measured.get("inference_and_cost", inference) - inference
    if estimation < 0:
        raise InputError(f"{trace.source}: metadata field 'seconds_per_batch.inference_and_cost' "
                         f"is below 'inference', expected inference plus cost estimation")
    checkpoints = sorted(meta.checkpoints, key=lambda c: c.get("queries", 0))
    accuracy = checkpoints[-1].get("accuracy", np.nan) if checkpoints else np.nan
    return Workload(queries, cost,
                    _override(service.inference_s, inference * scale),
                    _override(service.cost_s, estimation * scale), float(accuracy),
                    np.add.reduceat(_query_rdp(trace, orders), starts, axis=0)
                    if orders is not None else None)


def _override(value: float | None, per_batch: np.ndarray) -> np.ndarray:
    """The scenario's per-batch seconds when set, else the trace's ``per_batch`` seconds."""
    return per_batch if value is None else np.full_like(per_batch, value)


def _query_rdp(trace: Trace, orders: np.ndarray) -> np.ndarray:
    """Per-query RDP of a query trace at ``orders``, shape (queries, orders)."""
    if "logq" not in trace.data:
        raise InputError(f"{trace.source}: missing column 'logq', expected it for the rdp policy "
                         "(log Pr[noisy argmax != argmax] of each answer)")
    if trace.metadata.sigma is None:
        raise InputError(f"{trace.source}: metadata field 'sigma' is missing, expected the GNMax "
                         "noise for the rdp policy")
    return pate.rdp(trace.data["logq"].to_numpy(dtype=np.float64), trace.metadata.sigma, orders)
