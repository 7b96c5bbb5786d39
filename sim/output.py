"""Write a run's tables into one output folder, all or nothing, each with its provenance.

A table named ``NAME.parquet`` carries the provenance in its key-value metadata (key 'powsim',
JSON); a table named ``NAME.csv`` has a plain header and the provenance in the sidecar
``NAME.csv.provenance.json``. Every file is staged and moved in together (``powsim.outputs``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powsim.outputs import Staging, sidecar_name, staged
from powsim.report import provenance_json
from powsim.traces.format import METADATA_KEY


def table_names(*names: str) -> tuple[str, ...]:
    """The files that :func:`stage_tables` writes for tables ``names`` (CSV sidecars included)."""
    return tuple(file for name in names
                 for file in ((name, sidecar_name(name)) if name.endswith(".csv") else (name,)))


def stage_tables(staging: Staging, tables: dict[str, pd.DataFrame],
                 provenance: dict[str, object]) -> None:
    """Write each ``tables[name]`` (``name`` ending in .parquet or .csv) into ``staging``."""
    record = provenance_json(provenance)
    for name, frame in tables.items():
        if name.endswith(".parquet"):
            arrow = pa.Table.from_pandas(frame, preserve_index=False)
            arrow = arrow.replace_schema_metadata({
                **(arrow.schema.metadata or {}), METADATA_KEY: json.dumps(provenance).encode()})
            pq.write_table(arrow, staging.path(name), compression="zstd")
        else:
            frame.to_csv(staging.path(name), index=False)
            staging.path(sidecar_name(name)).write_text(record, encoding="utf-8")


def write_tables(folder: str | os.PathLike[str], tables: dict[str, pd.DataFrame],
                 provenance: dict[str, object], owned: tuple[str, ...] = ()) -> list[Path]:
    """Write ``tables`` into ``folder`` all or nothing; remove the files among ``owned`` that
    this run does not write (:meth:`~powsim.outputs.Staging.retire`). Returns the tables' paths."""
    with staged(folder, "folder") as staging:
        stage_tables(staging, tables, provenance)
        staging.retire(*owned)
    return [Path(folder) / name for name in tables]


OUTPUT_NAMES = table_names("events.parquet", "summary.csv")
# Every file 'powsim simulate' may leave in its folder: a per-account run's and a load run's.
SIMULATE_NAMES = (*table_names("events.parquet", "timeseries.parquet", "summary.csv"),
                  "timeseries.html", "timeseries.png")


def write_outputs(folder: str | os.PathLike[str], events: pd.DataFrame, summary: pd.DataFrame,
                  provenance: dict[str, object]) -> tuple[Path, Path]:
    """Write a simulation's DIR/events.parquet and DIR/summary.csv. Returns their paths."""
    events_path, summary_path = write_tables(
        folder, {"events.parquet": events, "summary.csv": summary}, provenance, SIMULATE_NAMES)
    return events_path, summary_path


def read_provenance(events_path: str | os.PathLike[str]) -> dict[str, object]:
    """The provenance recorded in an events.parquet file."""
    return json.loads(pq.read_schema(events_path).metadata[METADATA_KEY])
