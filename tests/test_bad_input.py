"""Bad input: exit code 2, one line naming the file and field, no traceback, no output left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import assert_one_line_error
from powsim.traces.format import TraceMetadata, make_trace, write_trace

GOOD_CURVE = pd.DataFrame({"queries": [0.0, 1000.0, 2000.0], "cost": [0.0, 250.0, 500.0],
                           "time_s": [0.2, 7.4, 14.7], "accuracy": [10.0, 90.0, 95.0]})
ATTACK_HEADER = "time (sec),mode,accuracy,diff queries,privacy cost\n"


def write_curve_folder(folder: Path, attack: pd.DataFrame | None = None) -> Path:
    """A folder with a valid reference and (optionally broken) attack curve written by pyarrow."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("reference", GOOD_CURVE), ("copycat", GOOD_CURVE if attack is None else attack)):
        metadata = TraceMetadata(kind="curve", dataset="toy", attack=name)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({b"powsim": metadata.to_json().encode()})
        pq.write_table(table, folder / f"toy-{name}.parquet")
    return folder


def table_fails(cli, folder: Path, tmp_path: Path, *fragments: str) -> None:
    out = tmp_path / "table.md"
    result = cli("table", "--traces", folder, "--out", out)
    assert_one_line_error(result, *fragments)
    assert not out.exists()
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("column, values, fragments", [
    ("cost", [0.0, float("nan"), 500.0], ("'cost' row 1", "finite")),
    ("cost", [0.0, float("inf"), 500.0], ("'cost' row 1", "finite")),
    ("cost", [0.0, -1.0, 500.0], ("'cost' row 1", ">= 0")),
    ("cost", [0.0, 600.0, 500.0], ("'cost' row 2", "non-decreasing")),
    ("time_s", [0.2, 7.4, 1.0], ("'time_s' row 2", "non-decreasing")),
    ("cost", ["a", "b", "c"], ("'cost'", "has type", "string", "expected double")),
])
def test_bad_values_in_a_curve(cli, tmp_path, column, values, fragments):
    frame = GOOD_CURVE.assign(**{column: values})
    folder = write_curve_folder(tmp_path / "traces", frame)
    table_fails(cli, folder, tmp_path, "toy-copycat.parquet", *fragments)


def test_missing_column(cli, tmp_path):
    folder = write_curve_folder(tmp_path / "traces", GOOD_CURVE.drop(columns="cost"))
    table_fails(cli, folder, tmp_path, "toy-copycat.parquet", "missing column 'cost'")


def test_empty_trace(cli, tmp_path):
    folder = write_curve_folder(tmp_path / "traces", GOOD_CURVE.iloc[:0])
    table_fails(cli, folder, tmp_path, "toy-copycat.parquet", "no rows")


def test_truncated_parquet(cli, tmp_path):
    folder = write_curve_folder(tmp_path / "traces")
    path = folder / "toy-copycat.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    table_fails(cli, folder, tmp_path, "toy-copycat.parquet", "not a readable parquet file")


def test_not_a_parquet_file(cli, tmp_path):
    folder = write_curve_folder(tmp_path / "traces")
    (folder / "toy-copycat.parquet").write_text("time,privacy\n1,2\n")
    table_fails(cli, folder, tmp_path, "toy-copycat.parquet", "not a readable parquet file")


def test_parquet_without_powsim_metadata(cli, tmp_path):
    folder = write_curve_folder(tmp_path / "traces")
    pq.write_table(pa.Table.from_pandas(GOOD_CURVE), folder / "toy-copycat.parquet")
    table_fails(cli, folder, tmp_path, "toy-copycat.parquet", "no 'powsim' metadata")


def test_no_reference_for_a_dataset(cli, tmp_path):
    folder = write_curve_folder(tmp_path / "traces")
    (folder / "toy-reference.parquet").unlink()
    table_fails(cli, folder, tmp_path, "no legitimate reference", "'toy'")


def test_missing_traces_folder(cli, tmp_path):
    # The library names the folder it was given; the CLI adds its option.
    table_fails(cli, tmp_path / "nowhere", tmp_path, f"option --traces: {tmp_path / 'nowhere'}: "
                "no such folder")


@pytest.mark.parametrize("args, fragments", [
    (["table", "--traces", ".", "--format", "xml"], ("--format", "invalid choice")),
    (["table", "--traces", ".", "--colour"], ("unrecognized arguments: --colour",)),
    (["table", "--traces", ".", "--a", "-2"], ("--a", "'-2'", "expected a finite number in [1,")),
    (["table", "--traces", ".", "--a", "many"], ("--a", "'many'", "expected a finite number")),
    (["frobnicate"], ("invalid choice",)),
    (["traces", "import-curve", "x.csv"], ("--dataset", "--out", "required")),
])
def test_unknown_or_bad_options(cli, args, fragments):
    assert_one_line_error(cli(*args), *fragments)


@pytest.mark.parametrize("content, fragments", [
    ("", ("no rows",)),
    (ATTACK_HEADER, ("no rows",)),
    ("\x00\x01\x02garbage\xff", ("not a readable CSV file",)),
    ("a,b\n1,2\n", ("neither the attack format", "reference format")),
    ("time,mode,accuracy,privacy\n0.2,standard,10,0\n", ("missing column 'diff queries'",)),
    (ATTACK_HEADER + "0.2,standard,10,0,0\n7.3,standard,90,16,abc\n", ("'privacy cost' row 1", "'abc'", "a finite number")),
    (ATTACK_HEADER + "0.2,standard,10,0,0\n7.3,standard,90,16,nan\n", ("'privacy cost' row 1", "finite")),
    (ATTACK_HEADER + "0.2,standard,10,0,0\n7.3,standard,90,-16,5\n", ("'diff queries' row 1", ">= 0")),
    (ATTACK_HEADER + "0.2,standard,10,0,9\n7.3,standard,90,16,5\n",
     ("field 'privacy cost' row 1", "non-decreasing")),
    (ATTACK_HEADER + "0.2,standard,10,0,0\n7.3,standard,90,16,5\n0.2,copycat,10,0,-3\n",
     ("mode 'copycat'", "field 'privacy cost' row 0", ">= 0")),
    ("time,privacy,queries\n1,2,1000\n2,1,2000\n", ("field 'privacy' row 1", "non-decreasing")),
])
def test_bad_curve_csv(cli, tmp_path, content, fragments):
    csv = tmp_path / "curve.csv"
    csv.write_bytes(content.encode("latin-1"))
    out = tmp_path / "out"
    result = cli("traces", "import-curve", csv, "--dataset", "toy", "--out", out)
    assert_one_line_error(result, "curve.csv", *fragments)
    assert not out.exists() or not any(out.iterdir())


def test_missing_csv(cli, tmp_path):
    result = cli("traces", "import-curve", tmp_path / "absent.csv", "--dataset", "toy", "--out", tmp_path)
    assert_one_line_error(result, "absent.csv", "no such CSV file")


def test_info_on_a_bad_file(cli, tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 and then nothing")
    assert_one_line_error(cli("traces", "info", path), "broken.parquet", "not a readable parquet file")


def test_make_trace_refuses_unknown_columns():
    metadata = TraceMetadata(kind="curve", dataset="toy", attack="x")
    with pytest.raises(ValueError, match="unknown column 'speed'"):
        make_trace(GOOD_CURVE.assign(speed=1.0), metadata)


def test_metadata_out_of_range_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="'delta'.*0 < delta < 1"):
        make_trace(GOOD_CURVE, TraceMetadata(kind="curve", dataset="toy", attack="x", delta=2.0))


def test_console_script_prints_one_line_and_exits_2(tmp_path):
    """The installed entry point, not just main(): the process itself exits 2 with no traceback."""
    process = subprocess.run([sys.executable, "-m", "powsim.cli", "table", "--traces", str(tmp_path / "x")],
                             capture_output=True, text=True, check=False)
    assert process.returncode == 2
    assert process.stderr.count("\n") == 1 and "Traceback" not in process.stderr
