"""The trace format: round trips, kinds and the info command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from powsim.errors import InputError
from powsim.traces.format import TraceMetadata, make_trace, read_trace, write_trace


def query_trace(rows: int = 200):
    rng = np.random.default_rng(7)
    data = pd.DataFrame({
        "query": np.arange(rows), "batch": np.arange(rows) // 64,
        "cost": rng.exponential(0.3, rows), "logq": -rng.exponential(3.0, rows),
        "label": rng.integers(0, 10, rows), "entropy": rng.random(rows), "gap": rng.integers(0, 250, rows),
        "votes": list(rng.multinomial(250, np.full(10, 0.1), rows)),
    })
    metadata = TraceMetadata(kind="query", dataset="toy", attack="standard", teachers=250, sigma=10.0,
                             delta=1e-5, classes=10, batch_size=64,
                             seconds_per_batch={"inference": 0.01, "inference_and_cost": 0.5},
                             checkpoints=({"queries": 100, "accuracy": 80.0, "fidelity": 82.0},))
    return make_trace(data, metadata)


def test_query_trace_round_trip_keeps_values_types_and_metadata(tmp_path):
    trace = query_trace()
    back = read_trace(write_trace(trace, tmp_path / "t.parquet"))
    assert back.metadata == trace.metadata
    pd.testing.assert_frame_equal(back.data.drop(columns="votes"), trace.data.drop(columns="votes"))
    assert np.array_equal(np.stack(back.data["votes"]), np.stack(trace.data["votes"]))
    assert str(back.data["batch"].dtype) == "int32" and str(back.data["entropy"].dtype) == "float32"


def test_reading_the_wrong_kind_is_an_input_error(tmp_path):
    path = write_trace(query_trace(), tmp_path / "t.parquet")
    with pytest.raises(InputError, match="a query trace, expected a curve trace"):
        read_trace(path, kind="curve")


def test_query_numbers_must_increase():
    trace = query_trace()
    with pytest.raises(InputError, match="column 'query' row 3: 2 after 2, expected increasing"):
        make_trace(trace.data.assign(query=[0, 1, 2, 2] + list(range(4, 200))), trace.metadata)


def test_no_partial_file_when_a_write_fails(tmp_path):
    trace = query_trace()
    broken = trace.data.assign(votes=["not a list"] * len(trace))
    with pytest.raises(InputError, match="'votes' cannot be stored"):
        write_trace(type(trace)(broken, trace.metadata), tmp_path / "t.parquet")
    assert list(tmp_path.iterdir()) == []


def test_info_prints_schema_metadata_and_summary(cli, tmp_path):
    path = write_trace(query_trace(), tmp_path / "t.parquet")
    result = cli("traces", "info", path)
    assert result.code == 0
    for text in ("query trace", "attack 'standard'", "200 rows", "cost", "double", "list<item: uint16>", '"teachers": 250',
                 "mean", "total cost"):
        assert text in result.out
