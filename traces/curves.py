"""Importers for cumulative cost curves in the paper's CSV formats.

Two formats are recognised by their header:

* attack curves, ``time (sec),mode,accuracy,diff queries,privacy cost`` (``time`` and
  ``privacy`` accepted as short names): one curve per ``mode``. ``diff queries`` counts
  new batches since the previous row; one batch is 1000/16 = 62.5 queries.
* the legitimate reference, ``time,privacy,queries``: cumulative base time (s),
  cumulative privacy cost and cumulative queries.

A per-query trace becomes a curve with :func:`curve_from_queries`, so that both kinds feed
the same table builder.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd

from powsim.errors import InputError, ParameterError
from powsim.outputs import safe_name
from powsim.provenance import provenance
from powsim.traces.format import Trace, TraceMetadata, make_trace

CURVE_EVERY = 1000
"""Queries between the rows of a curve made from a per-query trace (the paper's spacing)."""

PAPER_QUERIES_PER_BATCH = 1000 / 16
REFERENCE_ATTACK = "reference"

_ATTACK_ALIASES = {
    "time (sec)": "time_s", "time": "time_s",
    "privacy cost": "cost", "privacy": "cost",
    "diff queries": "new_batches",
    "accuracy": "accuracy",
    "mode": "mode",
}
_REFERENCE_ALIASES = {"time": "time_s", "privacy": "cost", "queries": "queries"}


def mode_slug(mode: str) -> str:
    """File-name form of a mode: lower case, spaces turned into '-' ("data free" -> "data-free")."""
    return "-".join(str(mode).strip().lower().split())


def curve_file_name(dataset: str, attack: str) -> str:
    """The file name a curve trace of ``dataset`` and ``attack`` is stored under."""
    return safe_name(f"{dataset}-{attack}.parquet", "file name")


def read_curve_csv(path: str | os.PathLike[str], dataset: str) -> list[Trace]:
    """Read one of the paper's cumulative CSVs into curve traces (one per mode, or the reference)."""
    source = str(path)
    safe_name(dataset, "{dataset}", ParameterError)
    frame = read_csv(source)
    header = {name.strip().lower() for name in frame.columns}
    frame.columns = [name.strip().lower() for name in frame.columns]
    if "mode" in header:
        return _attack_curves(frame, dataset, source)
    if {"time", "privacy", "queries"} <= header:
        return [_reference_curve(frame, dataset, source)]
    raise InputError(f"{source}: header {sorted(header)} is neither the attack format "
                     "'time (sec),mode,accuracy,diff queries,privacy cost' nor the reference "
                     "format 'time,privacy,queries'")


def read_csv(source: str, expected: str = "a cumulative curve") -> pd.DataFrame:
    """The CSV file ``source`` as a data frame; an unreadable or empty file is an InputError
    whose message says what the file was ``expected`` to hold."""
    if not Path(source).is_file():
        raise InputError(f"{source}: no such CSV file")
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError(f"{source}: no rows, expected {expected}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"{source}: not a readable CSV file ({reason})") from None
    if frame.empty:
        raise InputError(f"{source}: no rows, expected {expected}")
    _check_header(source)
    return frame


def _check_header(source: str) -> None:
    """Refuse a header that names a column twice (pandas would rename the second 'x.1')."""
    with open(source, encoding="utf-8", newline="") as handle:
        names = [name.strip().lower() for name in next(csv.reader(handle))]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise InputError(f"{source}: header names column '{twice}' twice, expected each column once")


def _numeric(frame: pd.DataFrame, field: str, source: str) -> np.ndarray:
    """CSV field ``field`` as float64 (shape (rows,)), or an error naming the first bad row."""
    values = pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        row = int(bad[0])
        raise InputError(f"{source}: field '{field}' row {row}: {frame[field].iloc[row]!r}, "
                         "expected a finite number")
    return values


def _fields(frame: pd.DataFrame, aliases: dict[str, str], required: list[str], source: str
            ) -> dict[str, str]:
    """Map each internal name to the CSV field that holds it; error on a missing required one."""
    fields = {aliases[name]: name for name in frame.columns if name in aliases}
    for name in required:
        if name not in fields:
            wanted = next(alias for alias, internal in aliases.items() if internal == name)
            raise InputError(f"{source}: missing column '{wanted}'")
    return fields


def _attack_curves(frame: pd.DataFrame, dataset: str, source: str) -> list[Trace]:
    fields = _fields(frame, _ATTACK_ALIASES, ["time_s", "mode", "new_batches", "cost"], source)
    numbers = {name: _numeric(frame, field, source) for name, field in fields.items() if name != "mode"}
    if (numbers["new_batches"] < 0).any():
        row = int(np.flatnonzero(numbers["new_batches"] < 0)[0])
        raise InputError(f"{source}: field '{fields['new_batches']}' row {row}: "
                         f"{numbers['new_batches'][row]:g}, expected a count >= 0")
    traces, slugs = [], {}
    for mode, index in frame.groupby(fields["mode"], sort=False).indices.items():
        where = f"{source}: field '{fields['mode']}' row {int(index[0])}"
        slug = safe_name(mode_slug(mode), where)
        if slug in slugs:
            raise InputError(f"{where}: mode {mode!r} and mode {slugs[slug]!r} both become "
                             f"'{slug}', expected modes with distinct names")
        slugs[slug] = mode
        data = pd.DataFrame({
            "queries": PAPER_QUERIES_PER_BATCH * np.cumsum(numbers["new_batches"][index]),
            "cost": numbers["cost"][index],
            "time_s": numbers["time_s"][index],
        })
        if "accuracy" in numbers:
            data["accuracy"] = numbers["accuracy"][index]
        metadata = TraceMetadata(
            kind="curve", dataset=dataset, attack=slug,
            batch_size=PAPER_QUERIES_PER_BATCH,
            provenance=provenance(source=str(Path(source).name), mode=str(mode)),
        )
        traces.append(make_trace(data, metadata, f"{source} (mode {mode!r})", labels=_labels(fields)))
    return traces


def _reference_curve(frame: pd.DataFrame, dataset: str, source: str) -> Trace:
    fields = _fields(frame, _REFERENCE_ALIASES, ["time_s", "cost", "queries"], source)
    data = pd.DataFrame({name: _numeric(frame, field, source) for name, field in fields.items()})
    metadata = TraceMetadata(kind="curve", dataset=dataset, attack=REFERENCE_ATTACK,
                             provenance=provenance(source=str(Path(source).name)))
    return make_trace(data, metadata, source, labels=_labels(fields))


def _labels(fields: dict[str, str]) -> dict[str, str]:
    """How to name a trace column in messages about the CSV it came from."""
    return {name: f"field '{field}'" for name, field in fields.items()}


def curve_from_queries(trace: Trace, every: int = CURVE_EVERY) -> Trace:
    """The cumulative curve of a per-query trace: a row at 0 queries, every ``every``, and the end.

    ``cost`` is the running sum of per-query epsilons; ``time_s`` the base time of the
    batches answered so far at the trace's measured ``seconds_per_batch["inference_and_cost"]``
    (0 when not measured): the server's time with the defense's cost estimation but without
    PoW, as in the paper's time column and the simulator's ``time_s``; ``accuracy`` the extracted model's at a checkpoint of those
    queries, else missing.
    """
    if trace.kind != "query":
        raise InputError(f"{trace.source}: a {trace.kind} trace, expected a query trace")
    meta = trace.metadata
    total = len(trace)
    queries = np.unique(np.r_[np.arange(0, total, every), total])
    cost = np.r_[0.0, np.cumsum(trace.data["cost"].to_numpy(dtype=np.float64))][queries]
    batch_size = meta.batch_size or 1.0
    time_s = np.ceil(queries / batch_size) * meta.seconds_per_batch.get("inference_and_cost", 0.0)
    measured = {int(point["queries"]): point["accuracy"] for point in meta.checkpoints}
    accuracy = [measured.get(int(q), np.nan) for q in queries]
    data = pd.DataFrame({"queries": queries.astype(np.float64), "cost": cost, "time_s": time_s,
                         "accuracy": np.asarray(accuracy, dtype=np.float64)})
    curve_meta = dataclasses.replace(meta, kind="curve", extra={**meta.extra, "curve_every": every})
    return make_trace(data, curve_meta, f"{trace.source} (as a curve)")


def as_curve(trace: Trace) -> Trace:
    """``trace`` itself if it is a curve, else its cumulative curve."""
    return trace if trace.kind == "curve" else curve_from_queries(trace)
