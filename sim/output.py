"""Write a simulation's outputs: DIR/events.parquet and DIR/summary.csv, with provenance."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powsim.outputs import sidecar_name, staged
from powsim.report import provenance_json
from powsim.traces.format import METADATA_KEY

OUTPUT_NAMES = ("events.parquet", "summary.csv", sidecar_name("summary.csv"))


def write_outputs(folder: str | os.PathLike[str], events: pd.DataFrame, summary: pd.DataFrame,
                  provenance: dict[str, object]) -> tuple[Path, Path]:
    """Write both files, all or nothing; provenance goes in the parquet key-value metadata (key
    'powsim', JSON) and in ``summary.csv.provenance.json``. Returns their paths."""
    folder = Path(folder)
    table = pa.Table.from_pandas(events, preserve_index=False)
    table = table.replace_schema_metadata({
        **(table.schema.metadata or {}), METADATA_KEY: json.dumps(provenance).encode()})
    with staged(folder, "folder") as staging:
        pq.write_table(table, staging.path(OUTPUT_NAMES[0]), compression="zstd")
        summary.to_csv(staging.path(OUTPUT_NAMES[1]), index=False)
        staging.path(OUTPUT_NAMES[2]).write_text(provenance_json(provenance), encoding="utf-8")
    return folder / OUTPUT_NAMES[0], folder / OUTPUT_NAMES[1]


def read_provenance(events_path: str | os.PathLike[str]) -> dict[str, object]:
    """The provenance recorded in an events.parquet file."""
    return json.loads(pq.read_schema(events_path).metadata[METADATA_KEY])
