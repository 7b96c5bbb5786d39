"""Bring your own traces: a CSV or parquet table of per-query costs, or of vote histograms,
made into a validated query trace (``powsim traces import``).

Two layouts are recognised by their columns:

* **costs**: a ``cost`` column (or ``eps``, as ``powsim pate-cost`` writes it), one row per
  query in submission order, with optional ``query``, ``batch``, ``logq``, ``label`` and
  ``accuracy`` (the extracted model's accuracy in % measured after that query, empty where
  not measured: each value becomes a checkpoint);
* **vote histograms**: every column a class's teacher vote count (no ``cost``/``eps``);
  ``--sigma`` and ``--delta`` price each query with the GNMax analysis (logq and eps).

Batches are the file's ``batch`` column, else consecutive runs of ``queries_per_batch`` (the
nominal batch size either way, recorded as the trace's ``batch_size``).
Timing (``seconds_per_batch``) is optional, but the table's time columns and the simulator
refuse a trace without it, naming the option that gives it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from powsim.errors import InputError, ParameterError
from powsim.outputs import safe_name
from powsim.provenance import provenance
from powsim.traces.curves import read_csv
from powsim.traces.format import Trace, TraceMetadata, make_trace, read_parquet_table
from powsim.traces.pate import query_costs
from powsim.traces.votes import vote_counts

COST_COLUMNS = ("query", "batch", "cost", "eps", "logq", "label", "accuracy")
MAX_ROWS = 10**8  # 100 M queries: about 4 GB in memory as a trace


@dataclass(frozen=True)
class ImportRequest:
    """What ``powsim traces import`` was asked: names, pricing and timing of the trace.

    ``queries_per_batch`` queries make one batch (the PoW unit); ``seconds_per_batch`` is
    the measured service time of one batch including cost estimation, ``inference_seconds``
    the part of it spent on inference (default: all of it); ``accuracy`` (%) the extracted
    model's accuracy after the last query, when known.
    """

    dataset: str
    attack: str
    queries_per_batch: int = 1
    seconds_per_batch: float | None = None
    inference_seconds: float | None = None
    sigma: float | None = None
    delta: float | None = None
    accuracy: float | None = None

    def check(self) -> None:
        """Raise :class:`ParameterError` for a name or combination of parameters that cannot work."""
        safe_name(self.dataset, "{dataset}", ParameterError)
        safe_name(self.attack, "{attack}", ParameterError)
        if (self.sigma is None) != (self.delta is None):
            raise ParameterError("{sigma}: expected {sigma} and {delta} together")
        if self.inference_seconds is not None and (
                self.seconds_per_batch is None or self.inference_seconds > self.seconds_per_batch):
            raise ParameterError("{inference_seconds}: expected it with {seconds_per_batch} "
                                 "and not above it")


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows of a ``.csv`` or ``.parquet`` file, as read (CSV values as text)."""
    source, suffix = str(path), Path(path).suffix.lower()
    if suffix == ".csv":
        return read_csv(source, "one row per query")
    if suffix != ".parquet":
        raise InputError(f"{source}: file name ends in {suffix or 'nothing'!r}, expected .csv or .parquet")
    table = read_parquet_table(path, "parquet")
    if table.num_rows == 0:
        raise InputError(f"{source}: no rows, expected one row per query")
    if table.num_rows > MAX_ROWS:
        raise InputError(f"{source}: {table.num_rows:,} rows, expected at most {MAX_ROWS:,}")
    return table.to_pandas()


def import_trace(path: str | os.PathLike[str], request: ImportRequest) -> Trace:
    """Read ``path`` (costs or vote histograms, see the module docstring) as a query trace."""
    request.check()
    source = str(path)
    frame = read_table(path)
    if {"cost", "eps"} & set(frame.columns):
        data = _costs(frame, source)
        sigma, delta = request.sigma, request.delta
    else:
        if request.sigma is None:
            raise ParameterError(f"{{sigma}}: missing for {source}: it has no 'cost' (or 'eps') "
                                 "column, so its columns are read as vote histograms: expected "
                                 "{sigma} and {delta} to price them")
        votes = vote_counts(frame, source).to_numpy(dtype=np.int64)
        if votes.max() > np.iinfo(np.uint16).max:
            raise InputError(f"{source}: a vote count above 65,535, expected counts of teachers "
                             "that fit the trace's uint16 votes column")
        costs = query_costs(votes.astype(np.float64), request.sigma, request.delta)
        data = pd.DataFrame({"cost": costs.eps, "logq": costs.logq, "votes": list(votes)})
        sigma, delta = request.sigma, request.delta
    data = _batched(data, request.queries_per_batch, source)
    seconds = {}
    if request.seconds_per_batch is not None:
        seconds = {"inference": request.inference_seconds if request.inference_seconds is not None
                   else request.seconds_per_batch, "inference_and_cost": request.seconds_per_batch}
    measured = data.pop("accuracy").to_numpy() if "accuracy" in data else np.array([])
    checkpoints = tuple({"queries": int(row) + 1, "accuracy": float(measured[row])}
                        for row in np.flatnonzero(np.isfinite(measured)))
    if request.accuracy is not None:
        checkpoints = (*[c for c in checkpoints if c["queries"] != len(data)],
                       {"queries": len(data), "accuracy": request.accuracy})
    metadata = TraceMetadata(
        kind="query", dataset=request.dataset, attack=request.attack, sigma=sigma, delta=delta,
        classes=len(data["votes"].iloc[0]) if "votes" in data else None,
        batch_size=request.queries_per_batch,
        seconds_per_batch=seconds, checkpoints=checkpoints,
        provenance=provenance(source=Path(source).name))
    return make_trace(data, metadata, source, labels={"cost": _cost_label(frame)})


def _cost_label(frame: pd.DataFrame) -> str:
    return "field 'cost'" if "cost" in frame.columns else "field 'eps'"


def _costs(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The known columns of a costs table, as numbers; any other column is refused."""
    unknown = [name for name in frame.columns if name not in COST_COLUMNS]
    if unknown:
        raise InputError(f"{source}: unknown column '{unknown[0]}', expected {', '.join(COST_COLUMNS)} "
                         "(a table of vote histograms has no cost or eps column)")
    if {"cost", "eps"} <= set(frame.columns):
        raise InputError(f"{source}: both 'cost' and 'eps' columns, expected one cost column")
    data = {}
    for name in frame.columns:
        values = pd.to_numeric(frame[name], errors="coerce")
        absent = (frame[name].isna() | frame[name].astype(str).str.strip().isin(["", "nan", "NaN"])
                  if name == "accuracy" else False)
        bad = np.flatnonzero((values.isna() & ~absent).to_numpy())
        if bad.size:
            row = int(bad[0])
            raise InputError(f"{source}: field '{name}' row {row}: {frame[name].iloc[row]!r}, "
                             "expected a number")
        data["cost" if name == "eps" else name] = values.to_numpy(dtype=np.float64)
    accuracy = data.get("accuracy", np.array([]))
    outside = np.flatnonzero((accuracy < 0) | (accuracy > 100))
    if outside.size:
        raise InputError(f"{source}: field 'accuracy' row {int(outside[0])}: "
                         f"{accuracy[outside[0]]:g}, expected a percentage from 0 to 100")
    return pd.DataFrame(data)


def _batched(data: pd.DataFrame, queries_per_batch: int, source: str) -> pd.DataFrame:
    """``data`` with ``query`` and ``batch`` columns (from the file, else counted)."""
    if "query" not in data:
        data.insert(0, "query", np.arange(len(data), dtype=np.int64))
    if "batch" not in data:
        data.insert(1, "batch", np.arange(len(data), dtype=np.int64) // queries_per_batch)
    for name in ("query", "batch", "label"):
        if name in data and not (data[name] == np.round(data[name])).all():
            row = int(np.flatnonzero(data[name] != np.round(data[name]))[0])
            raise InputError(f"{source}: field '{name}' row {row}: {data[name].iloc[row]!r}, "
                             "expected a whole number")
    return data
