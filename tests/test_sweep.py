"""Sweeps: dotted-key overrides, grids, the same numbers serially and on local worker processes,
resuming an interrupted sweep, and one clear line for every bad option."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powsim.cli import main
from powsim.errors import InputError
from powsim.model.overrides import Override, parse_override
from powsim.model.parse import load_scenario
from powsim.sweep.executor import Executor, open_executor
from powsim.sweep.grid import Axis, grid_points, parse_axis
from powsim.sweep.runner import Sweep, run_sweep
from simkit import query_trace, scenario_file

REPO = Path(__file__).resolve().parents[1]
SCENARIO = """
    [defense]
    policy = "paper"
    reference = "legit.parquet"
    reference_hash_rate = 1e6
    [server]
    workers = 2
    [[agents]]
    kind = "legit"
    name = "users"
    count = 3
    trace = "legit.parquet"
    think_s = 2.0
    [[agents]]
    kind = "sybil"
    name = "ring"
    accounts = 3
    trace = "attack.parquet"
    hardware = "gpu"
"""


@pytest.fixture
def scenario(tmp_path):
    query_trace(tmp_path / "legit.parquet", [0.3, 0.5, 0.2, 0.4] * 3, 12)
    query_trace(tmp_path / "attack.parquet", 0.7, 12)
    return scenario_file(tmp_path, SCENARIO)


def test_grid_values():
    assert parse_axis("defense.a=1.001, 1.01").values == (1.001, 1.01)
    assert parse_axis("server.workers=lin:1:4:4").values == (1, 2, 3, 4)
    assert np.allclose(parse_axis("defense.a=log:1:100:3").values, (1, 10, 100))
    assert parse_axis("defense.policy=paper,one-sided").values == ("paper", "one-sided")
    points = grid_points([Axis("defense.a", (1.0, 2.0)), Axis("server.workers", (1, 2, 3))])
    assert len(points) == 6 and points[1] == (Override("defense.a", 1.0), Override("server.workers", 2))


def test_overrides_change_the_scenario_and_are_checked_like_the_file(scenario):
    changed = load_scenario(scenario, [parse_override("defense.a=1.2"),
                                       parse_override("agents.1.hardware=laptop-cpu"),
                                       parse_override("server.workers=5")])
    assert changed.defense.parameters.a == 1.2 and changed.server.workers == 5
    assert changed.agents[1].hardware.name == "laptop-cpu"
    with pytest.raises(InputError, match=r"override 'defense.b': unknown key, expected one of "
                                         r"the scenario's \d+ keys, e.g. .*defense.a"):
        load_scenario(scenario, [parse_override("defense.b=1")])
    with pytest.raises(InputError, match=r"\[defense\].a: 'x', expected a finite number"):
        load_scenario(scenario, [parse_override("defense.a=x")])
    with pytest.raises(InputError, match=r"override 'agents.2.count': unknown key"):
        load_scenario(scenario, [parse_override("agents.2.count=4")])


def test_simulate_set_gives_the_run_of_the_edited_file(scenario, tmp_path):
    assert main(["simulate", str(scenario), "--out", str(tmp_path / "set"), "--mode", "sampled",
                 "--set", "defense.a=1.3", "--set", "agents.0.count=5"]) == 0
    edited = scenario_file(tmp_path, SCENARIO.replace('policy = "paper"', 'policy = "paper"\n    a = 1.3')
                           .replace("count = 3", "count = 5"), "edited.toml")
    assert main(["simulate", str(edited), "--out", str(tmp_path / "file"), "--mode", "sampled"]) == 0
    read = [pd.read_parquet(tmp_path / name / "events.parquet") for name in ("set", "file")]
    assert read[0].equals(read[1]) and read[0]["actor"].max() == 4


def test_sweep_on_local_workers_equals_the_serial_sweep(scenario):
    sweep = Sweep(scenario, (Axis("defense.a", (1.0075, 1.3)), Axis("server.workers", (1, 2))), 2)
    serial_runs, serial = run_sweep(sweep, Executor(), progress=False)
    with open_executor(workers=2) as executor:
        assert "2 worker processes" in executor.where
        dask_runs, parallel = run_sweep(sweep, executor, progress=False)
    pd.testing.assert_frame_equal(serial, parallel)
    pd.testing.assert_frame_equal(serial_runs, dask_runs)
    assert len(serial) == 4 * 2  # points x agents
    # The swept values change the results: the larger a charges the ring more.
    ring = serial[serial["agent"] == "ring"].set_index(["defense.a", "server.workers"])
    assert ring.loc[(1.3, 1), "hashes"] > ring.loc[(1.0075, 1), "hashes"]


class _Counting(Executor):
    """Counts the runs (point x replication) its tasks make."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def run(self, calls, lanes=None):
        self.calls += sum(len(runs) for _, _, runs, *_ in calls)
        return super().run(calls, lanes)


def test_an_interrupted_sweep_computes_only_missing_points(scenario, tmp_path):
    sweep = Sweep(scenario, (Axis("defense.a", (1.0, 1.1, 1.2)),), 2)
    first = _Counting()
    _, table = run_sweep(sweep, first, tmp_path / "out", progress=False)
    points = sorted((tmp_path / "out" / "points").glob("*.parquet"))
    assert first.calls == 6 and len(points) == 3
    points[1].unlink()
    again = _Counting()
    _, resumed = run_sweep(sweep, again, tmp_path / "out", progress=False)
    assert again.calls == 2
    pd.testing.assert_frame_equal(table, resumed)
    other_seed = _Counting()
    run_sweep(Sweep(scenario, sweep.axes, 2, seed=5), other_seed, tmp_path / "out", progress=False)
    assert other_seed.calls == 6  # a point of another seed is never reused


def test_sweep_command_writes_tidy_tables(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(scenario), "--grid", "defense.a=1.0075,1.2", "--replications", "3",
                 "--out", str(out), "--jobs", "0"]) == 0
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.columns[:2]) == ["defense.a", "agent"]
    assert table["replications"].eq(3).all()
    assert (table["overhead_p95_ci_low"] <= table["overhead_p95"]).all()
    assert (table["overhead_p95"] <= table["overhead_p95_ci_high"]).all()
    pd.testing.assert_frame_equal(table, pd.read_parquet(out / "sweep.parquet"), check_dtype=False)
    provenance = json.loads((out / "sweep.csv.provenance.json").read_text())
    assert provenance["grid"] == {"defense.a": [1.0075, 1.2]} and provenance["replications"] == 3


@pytest.mark.parametrize("options, message", [
    (["--grid", "defense.speed=1,2"], "override 'defense.speed': unknown key, expected one of"),
    (["--grid", "defense.a="], "option --grid: 'defense.a=', expected KEY=VALUES"),
    (["--grid", "defense.a=log:0:2:3"], "expected finite START and STOP (> 0 for log)"),
    (["--grid", "server.workers=1.5"], "[server].workers: 1.5, expected a whole number"),
    (["--grid", "defense.a=1.1", "--grid", "defense.a=1.2"], "key 'defense.a' given twice"),
])
def test_bad_sweep_options_are_one_line_and_write_nothing(scenario, tmp_path, capsys, options, message):
    assert main(["sweep", str(scenario), *options, "--out", str(tmp_path / "out"),
                 "--jobs", "0"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_one_line_within_seconds(scenario, tmp_path, capsys):
    # "Within seconds" is the client's connect timeout, asserted as configured rather than
    # timed (a wall-clock bound would fail on a slow machine, not on a wrong program).
    from powsim.sweep.executor import CONNECT_TIMEOUT_S
    assert CONNECT_TIMEOUT_S <= 5
    assert main(["sweep", str(scenario), "--grid", "defense.a=1.1", "--out", str(tmp_path / "out"),
                 "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach a dask scheduler at 'tcp://127.0.0.1:9'" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_sweep_runs_a_load_scenario_and_each_point_is_its_simulate_run(tmp_path, capsys):
    # The load kernel is chosen from the model, not by the command: each point of the sweep is
    # the `simulate --set` run of that point (same seed, same replications), averaged.
    example = REPO / "examples" / "tor-small-botnet.toml"
    short = tmp_path / "tor.toml"
    short.write_text(example.read_text().replace("duration_s = 9000.0", "duration_s = 600.0")
                     .replace("end_s = 7350.0", "end_s = 500.0"))
    out = tmp_path / "sweep"
    assert main(["sweep", str(short), "--grid", "agents.1.machines=250,1000", "--replications",
                 "2", "--out", str(out), "--jobs", "0"]) == 0
    table = pd.read_csv(out / "sweep.csv")
    assert table[["agents.1.machines", "agent"]].values.tolist() == [
        [250, "clients"], [250, "botnet"], [1000, "clients"], [1000, "botnet"]]
    for machines in (250, 1000):
        run = tmp_path / f"run-{machines}"
        assert main(["simulate", str(short), "--set", f"agents.1.machines={machines}", "--mode",
                     "sampled", "--replications", "2", "--out", str(run), "--interval", "60"]) == 0
        summary = pd.read_csv(run / "summary.csv").groupby("agent", sort=False).mean(numeric_only=True)
        point = table[table["agents.1.machines"] == machines].set_index("agent")
        for figure in ("goodput_hz", "handled", "ttc_p95_s"):
            assert point[figure].to_numpy() == pytest.approx(summary[figure].to_numpy(), nan_ok=True)
    # A bigger botnet delays the legitimate clients more (the law the sweep is for).
    clients = table[table["agent"] == "clients"].set_index("agents.1.machines")
    assert clients.loc[1000, "ttc_p95_s"] > clients.loc[250, "ttc_p95_s"]
