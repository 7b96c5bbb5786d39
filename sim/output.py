"""Write a simulation's outputs: DIR/events.parquet and DIR/summary.csv, with provenance."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powsim.atomic import atomic_path
from powsim.report import write_table
from powsim.traces.format import METADATA_KEY


def write_outputs(folder: str | os.PathLike[str], events: pd.DataFrame, summary: pd.DataFrame,
                  provenance: dict[str, object]) -> tuple[Path, Path]:
    """Write both files atomically; provenance goes in the parquet key-value metadata (key
    'powsim', JSON) and in the CSV's leading '#' line. Returns their paths."""
    folder = Path(folder)
    table = pa.Table.from_pandas(events, preserve_index=False)
    table = table.replace_schema_metadata({
        **(table.schema.metadata or {}), METADATA_KEY: json.dumps(provenance).encode()})
    events_path, summary_path = folder / "events.parquet", folder / "summary.csv"
    with atomic_path(events_path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    write_table(summary, "csv", provenance, summary_path)
    return events_path, summary_path


def read_provenance(events_path: str | os.PathLike[str]) -> dict[str, object]:
    """The provenance recorded in an events.parquet file."""
    return json.loads(pq.read_schema(events_path).metadata[METADATA_KEY])
