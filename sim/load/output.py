"""Write a load run's tables: plain-header CSV or parquet, each with ``NAME.provenance.json``
beside it (parquet also carries it in its key-value metadata, key 'powsim'). All files of one
command are staged and renamed together, so a failure leaves none of them."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powsim.atomic import atomic_path
from powsim.traces.format import METADATA_KEY


def provenance_name(path: Path) -> Path:
    """The sidecar of ``path``: ``NAME.provenance.json`` beside it."""
    return path.with_name(path.name + ".provenance.json")


def write_tables(folder: str | os.PathLike[str], tables: dict[str, pd.DataFrame],
                 provenance: dict[str, object]) -> list[Path]:
    """Write each ``tables[name]`` to ``folder/name`` (.csv or .parquet) and its sidecar;
    returns the table paths."""
    folder = Path(folder)
    record = json.dumps(provenance, indent=2, default=str)
    paths = [folder / name for name in tables]
    with contextlib.ExitStack() as stack:
        for path, table in zip(paths, tables.values()):
            tmp = stack.enter_context(atomic_path(path))
            if path.suffix == ".parquet":
                arrow = pa.Table.from_pandas(table, preserve_index=False)
                arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                                       METADATA_KEY: record.encode()})
                pq.write_table(arrow, tmp, compression="zstd")
            else:
                table.to_csv(tmp, index=False)
            stack.enter_context(atomic_path(provenance_name(path))).write_text(record, encoding="utf-8")
    return paths
