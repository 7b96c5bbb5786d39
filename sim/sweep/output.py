"""Result tables as pandas users expect them: ``STEM.parquet``, ``STEM.csv`` with a plain header,
and ``STEM.provenance.json`` beside them (the parquet file also holds it, key 'powsim')."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powsim.atomic import atomic_path, write_text_atomic
from powsim.traces.format import METADATA_KEY


def write_result_table(table: pd.DataFrame, provenance: dict[str, object],
                       stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``table`` three ways, each file atomically; returns the paths written."""
    stem = Path(stem)
    paths = [stem.with_suffix(".parquet"), stem.with_suffix(".csv"),
             stem.with_suffix(".provenance.json")]
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                           METADATA_KEY: json.dumps(provenance).encode()})
    with atomic_path(paths[0]) as tmp:
        pq.write_table(arrow, tmp, compression="zstd")
    write_text_atomic(paths[1], table.to_csv(index=False))
    write_text_atomic(paths[2], json.dumps(provenance, indent=2, sort_keys=True) + "\n")
    return paths
