"""The trace format: per-query and curve schemas, their metadata, validation and parquet IO.

Two kinds of trace share one metadata record:

* a **query** trace has one row per answered query, in submission order
  (``query``, ``batch``, ``cost`` and optional PATE columns);
* a **curve** trace is the cumulative form, one row per checkpoint
  (``queries``, ``cost``, ``time_s`` and optional ``accuracy``), as in the paper's CSVs.

The metadata travels as JSON under the key ``powsim`` of the parquet file's key-value
metadata. Every problem found while reading becomes one :class:`~powsim.errors.InputError`
that names the file, the field and what was expected.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powsim.atomic import atomic_path
from powsim.errors import InputError
from powsim.outputs import staged
from powsim.traces.metadata_fields import check_record

SCHEMA_VERSION = 1
METADATA_KEY = b"powsim"
TraceKind = Literal["query", "curve"]


@dataclass(frozen=True)
class Column:
    """One column of a trace schema: its arrow type and the rules its values obey."""

    name: str
    type: pa.DataType
    description: str
    required: bool = True
    nonnegative: bool = False
    nondecreasing: bool = False
    strictly_increasing: bool = False
    nullable: bool = False


QUERY_COLUMNS = (
    Column("query", pa.int64(), "index of the query in submission order", strictly_increasing=True,
           nonnegative=True),
    Column("batch", pa.int32(), "index of the batch the query was answered in", nondecreasing=True,
           nonnegative=True),
    Column("cost", pa.float64(), "single-query PATE epsilon (the paper's additive cost)",
           nonnegative=True),
    Column("logq", pa.float64(), "log Pr[noisy argmax != argmax] of the GNMax answer", required=False),
    Column("label", pa.int16(), "the victim's answer", required=False, nonnegative=True),
    Column("entropy", pa.float32(), "entropy of the victim's softmax output (nats)", required=False,
           nonnegative=True),
    Column("gap", pa.float32(), "gap between the two largest teacher vote counts", required=False,
           nonnegative=True),
    Column("votes", pa.list_(pa.uint16()), "teacher vote count per class", required=False),
)

CURVE_COLUMNS = (
    Column("queries", pa.float64(), "cumulative number of queries answered", nonnegative=True,
           nondecreasing=True),
    Column("cost", pa.float64(), "cumulative privacy cost (sum of per-query epsilons)",
           nonnegative=True, nondecreasing=True),
    Column("time_s", pa.float64(), "cumulative base query time without PoW, seconds",
           nonnegative=True, nondecreasing=True),
    Column("accuracy", pa.float64(), "accuracy of the extracted model at this point, %",
           required=False, nonnegative=True, nullable=True),
)

COLUMNS: dict[str, tuple[Column, ...]] = {"query": QUERY_COLUMNS, "curve": CURVE_COLUMNS}


@dataclass(frozen=True)
class TraceMetadata:
    """What a trace is and how it was produced.

    ``batch_size`` is the number of queries per batch (62.5 in the paper's curves,
    where 16 batches make 1000 queries). ``seconds_per_batch`` holds measured service
    times in seconds, keyed ``inference`` and ``inference_and_cost``. ``checkpoints``
    lists ``{"queries", "accuracy", "fidelity"}`` records of the extracted model (%).
    """

    kind: TraceKind
    dataset: str
    attack: str
    schema_version: int = SCHEMA_VERSION
    teachers: int | None = None
    sigma: float | None = None
    delta: float | None = None
    classes: int | None = None
    batch_size: float | None = None
    victim_accuracy: float | None = None
    seconds_per_batch: dict[str, float] = field(default_factory=dict)
    checkpoints: tuple[dict[str, float], ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The metadata as one JSON object."""
        record = dataclasses.asdict(self)
        record["checkpoints"] = list(self.checkpoints)
        return json.dumps(record, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes, source: str) -> TraceMetadata:
        """Parse and check the metadata JSON of the file ``source``."""
        try:
            record = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
        except UnicodeDecodeError as err:
            raise InputError(f"{source}: metadata 'powsim' byte {err.start} is not UTF-8, "
                             "expected UTF-8 JSON") from None
        except (json.JSONDecodeError, RecursionError) as err:
            reason = getattr(err, "msg", "nested too deeply")
            raise InputError(f"{source}: metadata 'powsim' is not valid JSON ({reason})") from None
        if not isinstance(record, dict):
            raise InputError(f"{source}: metadata 'powsim' must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(record) - known)
        if unknown:
            raise InputError(f"{source}: metadata has unknown field '{unknown[0]}'")
        for name in ("kind", "dataset", "attack"):
            if not isinstance(record.get(name), str) or not record[name]:
                raise InputError(f"{source}: metadata field '{name}' is missing, expected a string")
        if record["kind"] not in COLUMNS:
            raise InputError(f"{source}: metadata field 'kind' is {record['kind']!r}, "
                             "expected 'query' or 'curve'")
        version = record.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise InputError(f"{source}: metadata field 'schema_version' is {version!r}, "
                             f"expected {SCHEMA_VERSION}")
        check_record(record, source)
        record["checkpoints"] = tuple(record.get("checkpoints", ()))
        metadata = cls(**record)
        metadata.check(source)
        return metadata

    def check(self, source: str) -> None:
        """Raise :class:`InputError` if a numeric field is out of range."""
        positive = {"teachers": self.teachers, "sigma": self.sigma, "classes": self.classes,
                    "batch_size": self.batch_size}
        for name, value in positive.items():
            if value is not None and not (_is_number(value) and value > 0):
                raise InputError(f"{source}: metadata field '{name}' is {value!r}, "
                                 "expected a positive number")
        if self.delta is not None and not (_is_number(self.delta) and 0 < self.delta < 1):
            raise InputError(f"{source}: metadata field 'delta' is {self.delta!r}, expected 0 < delta < 1")
        for name, value in self.seconds_per_batch.items():
            if not (_is_number(value) and value >= 0):
                raise InputError(f"{source}: metadata field 'seconds_per_batch.{name}' is {value!r}, "
                                 "expected a non-negative number of seconds")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and bool(np.isfinite(value))


@dataclass(frozen=True)
class Trace:
    """A validated trace: a table of rows (pandas, columns as in the schema) and its metadata."""

    data: pd.DataFrame
    metadata: TraceMetadata
    source: str = "<memory>"

    @property
    def kind(self) -> TraceKind:
        return self.metadata.kind

    def __len__(self) -> int:
        return len(self.data)


def make_trace(data: pd.DataFrame, metadata: TraceMetadata, source: str = "<memory>",
               labels: dict[str, str] | None = None) -> Trace:
    """Build a trace from a data frame, casting columns to the schema and validating them.

    ``labels`` names columns in error messages by where they came from (e.g. a CSV field);
    by default a column is named "column 'NAME'".
    """
    table = _to_arrow(data, metadata.kind, source)
    metadata.check(source)
    return Trace(_validated_frame(table, metadata.kind, source, labels or {}), metadata, source)


def write_trace(trace: Trace, path: str | os.PathLike[str]) -> Path:
    """Write ``trace`` to ``path`` as parquet (atomically: whole or not at all)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _write_parquet(trace, tmp, str(path))
    return path


def write_traces(folder: str | os.PathLike[str], traces: list[tuple[str, Trace]]) -> list[Path]:
    """Write each ``(file name, trace)`` into ``folder``: all of them or none; a name used
    twice is refused. Returns the paths."""
    with staged(folder, "folder") as staging:
        for name, trace in traces:
            _write_parquet(trace, staging.path(name), str(Path(folder) / name))
    return [Path(folder) / name for name, _ in traces]


def _write_parquet(trace: Trace, path: Path, source: str) -> None:
    table = _to_arrow(trace.data, trace.kind, source)
    table = table.replace_schema_metadata({METADATA_KEY: trace.metadata.to_json().encode()})
    pq.write_table(table, path, compression="zstd")


def read_parquet_table(path: str | os.PathLike[str], what: str) -> pa.Table:
    """The parquet file at ``path`` (a ``what``, for the message) as an arrow table, or one
    InputError line saying why it cannot be read."""
    if not Path(path).is_file():
        raise InputError(f"{path}: no such {what} file")
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: not a readable parquet file ({reason})") from None


def read_trace(path: str | os.PathLike[str], kind: TraceKind | None = None) -> Trace:
    """Read and validate the trace at ``path``; ``kind`` restricts which kind is accepted."""
    source = str(path)
    table = read_parquet_table(path, "trace")
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise InputError(f"{source}: no 'powsim' metadata, expected a trace written by powsim "
                         "(import CSV curves with 'powsim traces import-curve')")
    metadata = TraceMetadata.from_json(raw, source)
    if kind is not None and metadata.kind != kind:
        raise InputError(f"{source}: a {metadata.kind} trace, expected a {kind} trace")
    return Trace(_validated_frame(table, metadata.kind, source, {}), metadata, source)


def _to_arrow(data: pd.DataFrame, kind: TraceKind, source: str) -> pa.Table:
    """Cast the schema's columns of ``data`` to their arrow types (extra columns are refused)."""
    columns = COLUMNS[kind]
    names = {c.name for c in columns}
    extra = [name for name in data.columns if name not in names]
    if extra:
        raise InputError(f"{source}: unknown column '{extra[0]}' in a {kind} trace")
    arrays, fields = [], []
    for column in columns:
        if column.name not in data.columns:
            continue
        try:
            arrays.append(pa.array(data[column.name], type=column.type, from_pandas=False))
        except (pa.ArrowException, TypeError, ValueError):
            raise InputError(f"{source}: column '{column.name}' cannot be stored as "
                             f"{column.type}") from None
        fields.append(pa.field(column.name, column.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _validated_frame(table: pa.Table, kind: TraceKind, source: str, labels: dict[str, str]
                     ) -> pd.DataFrame:
    """Check ``table`` against the ``kind`` schema and return it as a data frame."""
    if table.num_rows == 0:
        raise InputError(f"{source}: no rows, expected at least one row in a {kind} trace")
    frame = {}
    for column in COLUMNS[kind]:
        if column.name not in table.column_names:
            if column.required:
                raise InputError(f"{source}: missing column '{column.name}' "
                                 f"({column.type}: {column.description})")
            continue
        label = labels.get(column.name, f"column '{column.name}'")
        array = table.column(column.name)
        if not _compatible(array.type, column.type):
            raise InputError(f"{source}: {label} has type {array.type}, "
                             f"expected {column.type} ({column.description})")
        if array.null_count and not column.nullable:
            row = int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])
            raise InputError(f"{source}: {label} row {row}: missing value (null or NaN), "
                             "expected a finite number")
        try:
            values = array.cast(column.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise InputError(f"{source}: {label} holds values out of range for {column.type} "
                             f"({column.description})") from None
        if pa.types.is_list(column.type):
            frame[column.name] = values.to_pandas()
            continue
        numbers = values.to_numpy(zero_copy_only=False).astype(np.float64)
        _check_values(numbers, column, f"{source}: {label}")
        frame[column.name] = values.to_pandas()
    return pd.DataFrame(frame)


def _compatible(actual: pa.DataType, expected: pa.DataType) -> bool:
    if pa.types.is_list(expected):
        return pa.types.is_list(actual) and pa.types.is_integer(actual.value_type)
    if pa.types.is_floating(expected):
        return pa.types.is_floating(actual) or pa.types.is_integer(actual)
    return pa.types.is_integer(actual)


def _check_values(values: np.ndarray, column: Column, where: str) -> None:
    """Raise on the first value in ``values`` (shape (rows,)) that breaks the column's rules.

    ``where`` starts each message ("FILE: column 'NAME'").
    """
    present = ~np.isnan(values) if column.nullable else np.ones(values.shape, dtype=bool)
    bad = np.flatnonzero(present & ~np.isfinite(values))
    if bad.size:
        row = int(bad[0])
        raise InputError(f"{where} row {row}: {values[row]}, expected a finite number")
    if column.nonnegative:
        bad = np.flatnonzero(present & (values < 0))
        if bad.size:
            row = int(bad[0])
            raise InputError(f"{where} row {row}: {values[row]:g}, expected a value >= 0")
    if column.nondecreasing or column.strictly_increasing:
        steps = np.diff(values)
        bad = np.flatnonzero(steps <= 0 if column.strictly_increasing else steps < 0)
        if bad.size:
            row = int(bad[0]) + 1
            rule = "increasing" if column.strictly_increasing else "non-decreasing (cumulative)"
            raise InputError(f"{where} row {row}: {values[row]:g} after {values[row - 1]:g}, "
                             f"expected {rule} values")
