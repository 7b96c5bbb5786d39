"""Every table file every command writes loads with pandas' defaults, with the documented columns.

``pandas.read_csv(path)``, ``read_parquet(path)`` and ``read_json(path)`` with no arguments;
the run's parameters are columns; the provenance sits in ``NAME.provenance.json`` (or in the
parquet metadata) and names the command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import ATTACK_CSV, REFERENCE_CSV
from powsim.hashcash.validate import COLUMNS as VALIDATE_COLUMNS
from powsim.sim.summary import SUMMARY_COLUMNS
from powsim.sim.table import SIMULATED_COLUMNS, TABLE_COLUMNS
from simkit import query_trace

READERS = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".json": pd.read_json}


def tables_in(folder: Path) -> dict[str, pd.DataFrame]:
    """Every CSV, parquet and JSON table under ``folder`` (sidecars aside), read with defaults."""
    return {path.name: READERS[path.suffix](path) for path in sorted(folder.rglob("*"))
            if path.suffix in READERS and not path.name.endswith(".provenance.json")}


def sidecar(path: Path) -> dict[str, object]:
    return json.loads(path.with_name(path.name + ".provenance.json").read_text())


@pytest.fixture
def synthetic(tmp_path) -> Path:
    folder = tmp_path / "traces"
    query_trace(folder / "standard.parquet", 0.1, batches=6, attack="standard", logq=-5.0)
    query_trace(folder / "greedy.parquet", 1.0, batches=6, attack="greedy", logq=-1.0)
    return folder


def attacker_scenario(traces: Path) -> Path:
    """A scenario of one greedy attacker against the standard reference, in ``traces``."""
    scenario = traces / "s.toml"
    scenario.write_text('[defense]\npolicy = "paper"\nreference = "standard.parquet"\n'
                        'reference_hash_rate = 1e6\n[[agents]]\nkind = "attacker"\n'
                        'trace = "greedy.parquet"\n')
    return scenario


@pytest.mark.parametrize("mode, extra", [
    ("paper", []), ("expected", ["--policy", "one-sided"]),
    ("sampled", ["--replications", "3", "--seed", "7"])])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_table_files(cli, synthetic, tmp_path, mode, extra, fmt):
    out = tmp_path / "out" / f"table.{fmt}"
    assert cli("table", "--traces", synthetic, "--mode", mode, "--format", fmt, "--out", out,
               *extra).code == 0
    table = tables_in(out.parent)[out.name]
    parameters = ["mode", "a"] + ([] if mode == "paper" else
                                  ["policy", "rdp_orders", "hardware", "seed", "replications",
                                   "reference_hash_rate"])
    columns = (TABLE_COLUMNS if mode == "paper" else SIMULATED_COLUMNS
               + (["ci_low", "ci_high"] if mode == "sampled" else []))
    assert list(table.columns) == columns + parameters
    assert sorted(table["attack"]) == ["greedy", "standard"]
    assert (table["mode"] == mode).all() and (table["a"] == 1.0075).all()
    assert sidecar(out)["command"].startswith("powsim table")


def test_pate_cost_file(cli, tmp_path):
    votes = tmp_path / "votes.csv"
    votes.write_text("cat,dog\n200,50\n120,130\n")
    out = tmp_path / "out" / "costs.csv"
    assert cli("pate-cost", votes, "--sigma", "10", "--delta", "1e-5", "--out", out).code == 0
    costs = tables_in(out.parent)["costs.csv"]
    assert list(costs.columns) == ["cat", "dog", "logq", "eps", "order", "sigma", "delta"]
    assert sidecar(out)["sigma"] == 10.0


def test_simulate_files(cli, synthetic, tmp_path):
    scenario = attacker_scenario(synthetic)
    out = tmp_path / "out"
    assert cli("simulate", scenario, "--out", out, "--mode", "sampled", "--seed", "3",
               "--replications", "2").code == 0
    tables = tables_in(out)
    assert set(tables) == {"events.parquet", "summary.csv"}
    assert list(tables["summary.csv"].columns) == SUMMARY_COLUMNS + [
        "ci_low", "ci_high", "replications", "mode", "hash", "seed", "scenario", "a", "policy",
        "puzzle"]
    assert {"agent", "queries", "bits", "trials", "solve_s", "replication"} <= set(
        tables["events.parquet"].columns)
    assert sidecar(out / "summary.csv")["seed"] == 3
    assert sidecar(out / "summary.csv")["rdp_orders"] == "paper"


def test_import_curve_files(cli, tmp_path):
    out = tmp_path / "out"
    for csv in (ATTACK_CSV, REFERENCE_CSV):
        assert cli("traces", "import-curve", csv, "--dataset", "mnist", "--out", out).code == 0
    tables = tables_in(out)
    assert "mnist-data-free.parquet" in tables and "mnist-reference.parquet" in tables
    for table in tables.values():
        assert list(table.columns) in (["queries", "cost", "time_s", "accuracy"],
                                       ["queries", "cost", "time_s"])


def test_import_file(cli, tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("cost,logq,accuracy\n0.5,-3,\n0.25,-4,80\n")
    out = tmp_path / "out" / "toy-mine.parquet"
    assert cli("traces", "import", costs, "--dataset", "toy", "--attack", "mine",
               "--seconds-per-batch", "0.1", "--out", out).code == 0
    assert list(tables_in(out.parent)["toy-mine.parquet"].columns) == ["query", "batch", "cost", "logq"]


def test_validate_files(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("hashcash", "validate", "--bits", "3:4", "--samples", "20", "--out", out).code == 0
    tables = tables_in(out)
    assert list(tables["validate.csv"].columns) == [*VALIDATE_COLUMNS, "seed", "puzzle"]
    assert sidecar(out / "validate.csv")["seed"] == 0


def test_summary_printed_as_csv_and_json_loads(cli, synthetic, tmp_path):
    for fmt in ("csv", "json"):
        result = cli("traces", "summary", synthetic, "--format", fmt)
        path = tmp_path / f"summary.{fmt}"
        path.write_text(result.out)
        table = READERS[path.suffix](path)
        assert table.loc[0, "attack"] == "greedy" and "cost_ratio" in table.columns


def test_sweep_files(cli, synthetic, tmp_path):
    scenario = attacker_scenario(synthetic)
    out = tmp_path / "out"
    assert cli("sweep", scenario, "--grid", "defense.a=1.01,1.1", "--replications", "2",
               "--seed", "5", "--jobs", "0", "--out", out).code == 0
    sweep = pd.read_csv(out / "sweep.csv")
    assert sweep["defense.a"].tolist() == [1.01, 1.1]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), sweep,
                                  check_dtype=False)
    assert sidecar(out / "sweep.csv")["seed"] == 5
