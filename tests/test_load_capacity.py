"""`powsim capacity` and the capacity-under-attack example: the decision holds on fresh seeds,
and the example shows what its header says."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from powsim.cli import main
from powsim.sweep.capacity import capacity, parse_slo, smallest
from powsim.model.load_parse import load_load_scenario
from powsim.load.runs import run_tables
from powsim.sim.output import read_provenance
from powsim.sweep.executor import open_executor

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "capacity-under-attack.toml"
SLO = "legit.ttc_p95<=5"


def test_capacity_answer_holds_on_an_independent_seed_set():
    """Seeds 0 and 1 root independent SeedSequences: 6 replications each. The answer (2: 1
    worker misses, 2 meet) must agree, and the example's header claims 1 worker without the
    botnet. Its header's losses: 1 worker loses about 3 % of the legitimate clients (seed 0:
    3.3 %, the worst replication 3.7 %), 2 lose none, so 'legit.connect_rate>=0.99' needs 2."""
    scenario = load_load_scenario(EXAMPLE)
    slo = parse_slo(SLO, scenario)
    tables = {seed: capacity(scenario, slo, [1, 2], 6, seed) for seed in (0, 1)}
    assert {seed: smallest(table) for seed, table in tables.items()} == {0: 2, 1: 2}
    for table in tables.values():
        assert 0.02 < table["lost_share"].iloc[0] < 0.05 and table["lost_share_max"].iloc[1] == 0
    connect = parse_slo("legit.connect_rate>=0.99", scenario)
    assert smallest(capacity(scenario, connect, [1, 2], 6, 1)) == 2
    alone = dataclasses.replace(scenario, botnets=())
    assert smallest(capacity(alone, slo, [1], 6, 1)) == 1


def test_puzzle_first_does_not_throttle_a_gpu_and_serves_it_first():
    """Under both orders the GPU gets its 6 requests/s served (the steady-state goodput is 6
    within the Poisson-free emission's rounding: emission is deterministic, so 1 %); at 2
    workers puzzle-first's legitimate p95 time-to-connect is the larger (bots bid higher)."""
    scenario = load_load_scenario(EXAMPLE)
    p95 = {}
    for admission in ("cost-first", "puzzle-first"):
        variant = dataclasses.replace(
            scenario, server=dataclasses.replace(scenario.server, admission=admission))
        _, table = run_tables(variant, "sampled", 0, 0, workers=2)
        rows = table.set_index("agent")
        assert abs(rows.loc["gpu-botnet", "goodput_hz"] / 6 - 1) < 0.01
        p95[admission] = rows.loc["legit", "ttc_p95_s"]
    assert p95["puzzle-first"] > p95["cost-first"]


def test_capacity_on_a_local_cluster_equals_the_serial_capacity():
    """Each worker count x replication is a task whose seed depends only on (seed, replication):
    the table is the same serially and on 2 local worker processes (the example cut to
    240 s so that the runs are short)."""
    scenario = load_load_scenario(EXAMPLE)
    short = dataclasses.replace(scenario, duration_s=240.0, warmup_s=30.0)
    slo = parse_slo(SLO, short)
    serial = capacity(short, slo, [1, 2], 3, 5)
    with open_executor(workers=2) as executor:
        assert "2 worker processes" in executor.where
        parallel = capacity(short, slo, [1, 2], 3, 5, executor)
    pd.testing.assert_frame_equal(serial, parallel)
    assert (serial["ci_low"] < serial["ci_high"]).all()  # the replications differ


def test_capacity_command_writes_table_chart_and_provenance(tmp_path, capsys):
    """On one local worker process (--jobs 1) the command's table is the
    serial one."""
    out = tmp_path / "cap"
    assert main(["capacity", str(EXAMPLE), "--slo", SLO, "--workers", "1:2", "--replications",
                 "3", "--out", str(out), "--jobs", "1"]) == 0
    assert "smallest worker count meeting legit.ttc_p95<=5 (whole 95 % CI): 2" in capsys.readouterr().out
    table = pd.read_parquet(out / "capacity.parquet")
    scenario = load_load_scenario(EXAMPLE)
    pd.testing.assert_frame_equal(table, capacity(scenario, parse_slo(SLO, scenario), [1, 2], 3, 0))
    ran_on = read_provenance(out / "capacity.parquet")["ran_on"]
    assert ran_on == "1 worker process forked from this one"
    assert table["workers"].tolist() == [1, 2] and table["meets"].tolist() == [False, True]
    assert (table["ci_low"] <= table["mean"]).all() and (table["mean"] <= table["ci_high"]).all()
    assert read_provenance(out / "capacity.parquet")["slo"] == SLO
    assert (out / "capacity.png").stat().st_size > 0 and (out / "capacity.html").is_file()
