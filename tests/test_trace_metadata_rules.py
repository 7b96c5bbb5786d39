"""The trace metadata's rules and the file's source in every message, exactly."""

from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from powsim.errors import InputError
from powsim.traces.format import METADATA_KEY, SCHEMA_VERSION, TraceMetadata, make_trace, read_trace, write_trace

GOOD = {"kind": "query", "dataset": "toy", "attack": "standard"}
QUERIES = pd.DataFrame({"query": [0, 1], "batch": [0, 0], "cost": [0.1, 0.2]})


@pytest.mark.parametrize("text, message", [
    ("{not json", "f.parquet: metadata 'powsim' is not valid JSON (Expecting property name enclosed "
                  "in double quotes)"),
    ("[1, 2]", "f.parquet: metadata 'powsim' must be a JSON object"),
    (json.dumps({**GOOD, "zeta": 1, "beta": 2}), "f.parquet: metadata has unknown field 'beta'"),
    (json.dumps({**GOOD, "dataset": 5}), "f.parquet: metadata field 'dataset' is missing, expected a string"),
    (json.dumps({**GOOD, "attack": ""}), "f.parquet: metadata field 'attack' is missing, expected a string"),
    (json.dumps({**GOOD, "kind": "table"}), "f.parquet: metadata field 'kind' is 'table', expected 'query' "
                                            "or 'curve'"),
    (json.dumps({**GOOD, "schema_version": 2}), "f.parquet: metadata field 'schema_version' is 2, "
                                                f"expected {SCHEMA_VERSION}"),
    (json.dumps({**GOOD, "teachers": True}), "f.parquet: metadata field 'teachers' is True, expected null "
                                             "or a whole number from 1 to 1,000,000,000"),
    (json.dumps({**GOOD, "sigma": 0}), "f.parquet: metadata field 'sigma' is 0, expected a positive number"),
    (json.dumps({**GOOD, "classes": -1}), "f.parquet: metadata field 'classes' is -1, expected null or a "
                                       "whole number from 1 to 1,000,000,000"),
    (json.dumps({**GOOD, "batch_size": 0}), "f.parquet: metadata field 'batch_size' is 0, expected a positive "
                                            "number"),
    (json.dumps({**GOOD, "delta": 1.0}), "f.parquet: metadata field 'delta' is 1.0, expected 0 < delta < 1"),
    (json.dumps({**GOOD, "delta": 0}), "f.parquet: metadata field 'delta' is 0, expected 0 < delta < 1"),
    (json.dumps({**GOOD, "seconds_per_batch": {"inference": -1}}),
     "f.parquet: metadata field 'seconds_per_batch.inference' is -1, expected seconds from 0 to 1e9"),
])
def test_metadata_errors_name_the_file_and_field(text, message):
    with pytest.raises(InputError) as err:
        TraceMetadata.from_json(text, "f.parquet")
    assert str(err.value) == message


def test_metadata_without_a_schema_version_is_the_current_one():
    assert TraceMetadata.from_json(json.dumps(GOOD), "f.parquet") == TraceMetadata(**GOOD)


def test_zero_seconds_per_batch_is_allowed():
    text = json.dumps({**GOOD, "seconds_per_batch": {"inference": 0}})
    assert TraceMetadata.from_json(text, "f.parquet").seconds_per_batch == {"inference": 0}


def test_an_unreadable_file_without_a_message_is_named_by_its_error(tmp_path, monkeypatch):
    path = tmp_path / "t.parquet"
    path.write_bytes(b"x")

    def fail(*args, **kwargs):
        raise OSError()

    monkeypatch.setattr(pq, "read_table", fail)
    with pytest.raises(InputError) as err:
        read_trace(path)
    assert str(err.value) == f"{path}: not a readable parquet file (OSError)"


def test_a_fractional_batch_size_is_positive():
    # The paper's curves have 62.5 queries per batch; anything above zero is a size.
    assert TraceMetadata.from_json(json.dumps({**GOOD, "batch_size": 0.5}), "f.parquet").batch_size == 0.5


@pytest.mark.parametrize("field, value", [("sigma", math.nan), ("sigma", math.inf), ("batch_size", -2.0)])
def test_metadata_numbers_must_be_finite_and_positive(field, value):
    with pytest.raises(InputError, match=f"^m.parquet: metadata field '{field}' is"):
        make_trace(QUERIES, TraceMetadata(**GOOD, **{field: value}), "m.parquet")


def test_make_trace_names_its_source_or_memory():
    assert make_trace(QUERIES, TraceMetadata(**GOOD), "m.parquet").source == "m.parquet"
    with pytest.raises(InputError) as err:
        make_trace(QUERIES.assign(extra=1), TraceMetadata(**GOOD), "m.parquet")
    assert str(err.value) == "m.parquet: unknown column 'extra' in a query trace"
    with pytest.raises(InputError) as err:
        make_trace(QUERIES.assign(cost=[0.1, -0.2]), TraceMetadata(**GOOD))
    assert str(err.value) == "<memory>: column 'cost' row 1: -0.2, expected a value >= 0"


def test_write_trace_names_the_path_and_compresses_with_zstd(tmp_path):
    trace = make_trace(QUERIES, TraceMetadata(**GOOD))
    path = write_trace(trace, tmp_path / "t.parquet")
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    broken = type(trace)(QUERIES.assign(cost=["x", "y"]), trace.metadata)
    with pytest.raises(InputError) as err:
        write_trace(broken, tmp_path / "u.parquet")
    assert str(err.value) == f"{tmp_path / 'u.parquet'}: column 'cost' cannot be stored as double"


def raw_parquet(path, table: pa.Table, metadata: bytes | None) -> str:
    """Write ``table`` with ``metadata`` under the powsim key, as another writer might."""
    if metadata is not None:
        table = table.replace_schema_metadata({METADATA_KEY: metadata})
    pq.write_table(table, path)
    return str(path)


def test_read_trace_messages_name_the_file(tmp_path):
    missing = tmp_path / "none.parquet"
    with pytest.raises(InputError) as err:
        read_trace(missing)
    assert str(err.value) == f"{missing}: no such trace file"

    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(Exception) as arrow_error:
        pq.read_table(garbage)
    with pytest.raises(InputError) as err:
        read_trace(garbage)
    reason = str(arrow_error.value).splitlines()[0]
    assert reason and str(err.value) == f"{garbage}: not a readable parquet file ({reason})"

    table = pa.Table.from_pandas(QUERIES, preserve_index=False)
    bare = raw_parquet(tmp_path / "bare.parquet", table, None)
    with pytest.raises(InputError) as err:
        read_trace(bare)
    assert str(err.value) == (f"{bare}: no 'powsim' metadata, expected a trace written by powsim "
                              "(import CSV curves with 'powsim traces import-curve')")

    alien = raw_parquet(tmp_path / "alien.parquet", table, b'{"kind": "query"}')
    with pytest.raises(InputError) as err:
        read_trace(alien)
    assert str(err.value) == f"{alien}: metadata field 'dataset' is missing, expected a string"

    good = raw_parquet(tmp_path / "good.parquet", table, json.dumps(GOOD).encode())
    assert read_trace(good).source == good


def test_nulls_and_foreign_types_in_a_file(tmp_path):
    nulls = pa.table({"query": [0, 1], "batch": [0, 0], "cost": pa.array([0.1, None])})
    path = raw_parquet(tmp_path / "nulls.parquet", nulls, json.dumps(GOOD).encode())
    with pytest.raises(InputError) as err:
        read_trace(path)
    assert str(err.value) == f"{path}: column 'cost' row 1: missing value (null or NaN), expected a finite number"

    flat_votes = pa.table({"query": [0, 1], "batch": [0, 0], "cost": [0.1, 0.2], "votes": [3, 4]})
    path = raw_parquet(tmp_path / "votes.parquet", flat_votes, json.dumps(GOOD).encode())
    with pytest.raises(InputError) as err:
        read_trace(path)
    assert str(err.value) == (f"{path}: column 'votes' has type int64, expected list<item: uint16> "
                              "(teacher vote count per class)")
