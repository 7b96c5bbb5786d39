"""Every value rule of both trace schemas, on both ways in (built in memory, read from a
parquet file written without validation): the exact message naming file, column, row,
value and what was expected."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from powsim.errors import InputError
from powsim.traces.format import METADATA_KEY, TraceMetadata, make_trace, read_trace

QUERY = TraceMetadata(kind="query", dataset="toy", attack="standard")
CURVE = TraceMetadata(kind="curve", dataset="toy", attack="standard")


def good(kind: str) -> pd.DataFrame:
    if kind == "query":
        return pd.DataFrame({"query": [0, 1, 2, 3], "batch": [0, 0, 1, 1], "cost": [0.1, 0.2, 0.0, 0.3],
                             "label": [1, 2, 3, 4], "entropy": [0.1, 0.2, 0.3, 0.4],
                             "gap": [5.0, 6.0, 7.0, 8.0]})
    return pd.DataFrame({"queries": [0.0, 10.0, 10.0, 30.0], "cost": [0.0, 1.0, 1.0, 2.0],
                         "time_s": [0.0, 1.0, 2.0, 3.0], "accuracy": [10.0, np.nan, 30.0, 40.0]})


# (kind, column, row 2's bad value, the message's ending)
BAD = [
    ("query", "cost", -0.5, "row 2: -0.5, expected a value >= 0"),
    ("query", "cost", np.inf, "row 2: inf, expected a finite number"),
    ("query", "query", 1, "row 2: 1 after 1, expected increasing values"),
    ("query", "query", -1, "row 2: -1, expected a value >= 0"),
    ("query", "batch", -1, "row 2: -1, expected a value >= 0"),
    ("query", "label", -3, "row 2: -3, expected a value >= 0"),
    ("query", "entropy", -0.25, "row 2: -0.25, expected a value >= 0"),
    ("query", "gap", -1.0, "row 2: -1, expected a value >= 0"),
    ("curve", "queries", 5.0, "row 2: 5 after 10, expected non-decreasing (cumulative) values"),
    ("curve", "cost", 0.5, "row 2: 0.5 after 1, expected non-decreasing (cumulative) values"),
    ("curve", "time_s", 0.5, "row 2: 0.5 after 1, expected non-decreasing (cumulative) values"),
    ("curve", "time_s", -np.inf, "row 2: -inf, expected a finite number"),
    ("curve", "accuracy", -1.0, "row 2: -1, expected a value >= 0"),
    ("curve", "accuracy", np.inf, "row 2: inf, expected a finite number"),
]


def bad_frame(kind: str, column: str, value: float) -> pd.DataFrame:
    data = good(kind)
    data[column] = data[column].astype(type(value) if isinstance(value, int) else float)
    data.loc[2, column] = value
    return data


@pytest.mark.parametrize("kind, column, value, ending", BAD)
def test_make_trace_names_the_broken_rule(kind, column, value, ending):
    metadata = QUERY if kind == "query" else CURVE
    make_trace(good(kind), metadata, "mem.parquet")  # the good frame passes
    with pytest.raises(InputError) as err:
        make_trace(bad_frame(kind, column, value), metadata, "mem.parquet")
    assert str(err.value) == f"mem.parquet: column '{column}' {ending}"


@pytest.mark.parametrize("kind, column, value, ending", BAD)
def test_read_trace_names_the_broken_rule(tmp_path, kind, column, value, ending):
    # Written by pyarrow directly, as a foreign or corrupted file would be.
    metadata = QUERY if kind == "query" else CURVE
    table = pa.Table.from_pandas(bad_frame(kind, column, value), preserve_index=False)
    path = tmp_path / "raw.parquet"
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: metadata.to_json().encode()}), path)
    with pytest.raises(InputError) as err:
        read_trace(path)
    assert str(err.value) == f"{path}: column '{column}' {ending}"


def test_a_missing_accuracy_is_allowed_but_a_missing_cost_is_not():
    assert np.isnan(make_trace(good("curve"), CURVE).data["accuracy"][1])
    data = good("query").astype({"cost": float})
    data.loc[1, "cost"] = np.nan
    with pytest.raises(InputError, match=re.escape("column 'cost' row 1: nan, expected a finite number")):
        make_trace(data, QUERY)


def test_equal_cumulative_values_are_allowed():
    trace = make_trace(good("curve"), CURVE)
    assert trace.data["queries"].tolist() == [0.0, 10.0, 10.0, 30.0]
