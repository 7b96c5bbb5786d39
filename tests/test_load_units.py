"""Laws of the load engine's parts: the effort-ordered queue, the difficulty rules, the
timeseries, and `powsim simulate` on a load scenario."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from powsim.cli import main
from powsim.hashcash.hardware import PROFILES
from powsim.sweep.capacity import capacity, parse_slo
from powsim.load.engine import LoadRun
from powsim.load.metrics import clients_frame
from powsim.model.load_parse import load_load_scenario
from powsim.load.record import ARRIVALS
from powsim.difficulty.load_rules import RULES, Window, make_rule
from powsim.load.queue import EffortQueue, Entry

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "capacity-under-attack.toml"


def _short(folder: Path, duration_s: int) -> Path:
    """The capacity example cut to ``duration_s`` seconds, written in ``folder``."""
    path = folder / "short.toml"
    path.write_text(EXAMPLE.read_text().replace("duration_s = 900.0", f"duration_s = {duration_s}.0")
                    .replace("end_s = 900.0", f"end_s = {duration_s}.0")
                    .replace('"../traces/', f'"{EXAMPLE.parent.parent}/traces/'))
    return path


def _queue(capacity):
    drops = []
    queue = EffortQueue(capacity, lambda entry, n, why: drops.append((entry.effort, n, why)))
    return queue, drops


def test_queue_serves_highest_effort_first_fifo_within_effort():
    queue, _ = _queue(None)
    for effort, group in ((5, 0), (9, 1), (5, 2), (9, 3)):
        queue.push(Entry(effort, 1, group, 0.0, 100.0), 0.0)
    assert [queue.pop(1.0).group for _ in range(4)] == [1, 3, 0, 2]
    assert queue.pop(1.0) is None and queue.size == 0 and queue.work == 0


def test_queue_trims_expired_first_then_newest_of_lowest_effort():
    queue, drops = _queue(10)
    queue.push(Entry(7.0, 4, 0, 0.0, 5.0), 0.0)  # expires after t = 5
    queue.push(Entry(3.0, 4, 1, 1.0, 50.0), 1.0)
    queue.push(Entry(3.0, 2, 2, 2.0, 50.0), 2.0)
    queue.push(Entry(9.0, 3, 3, 6.0, 50.0), 6.0)  # 13 waiting: 3 too many, the expired go first
    assert drops == [(7.0, 3, "trimmed-expired")]
    queue.push(Entry(9.0, 2, 4, 7.0, 50.0), 7.0)  # 12: one expired left, then the newest 3s
    assert drops[1:] == [(7.0, 1, "trimmed-expired"), (3.0, 1, "trimmed")]
    assert queue.size == 10 and queue.work == 5 * 9 + 5 * 3
    assert [queue.pop(8.0).group for _ in range(6)] == [3, 3, 3, 4, 4, 1]


def test_pop_drops_expired_requests_unserved():
    queue, drops = _queue(None)
    queue.push(Entry(9.0, 3, 0, 0.0, 1.0), 0.0)
    queue.push(Entry(1.0, 1, 1, 0.0, 10.0), 0.0)
    assert queue.pop(2.0).group == 1 and drops == [(9.0, 3, "expired")]


def test_rules_follow_effort_sim():
    window = Window(capacity=100, trimmed=Counter({10.0: 3, 40.0: 1}),
                    handled=Counter({20.0: 2, 30.0: 3}), queued=500.0)
    assert make_rule("tor-v3", 1.0).update(window) == (30 + 40 + 40 + 90 + 500) / 100
    assert make_rule("tor-v3", 1000.0).update(window) == 1000.0
    assert make_rule("tor-v2", 1.0).update(window) == 80.0  # twice the largest trimmed
    assert make_rule("tor-v1", 1.0).update(window) == 10.0  # median trimmed (10, 10, 10, 40)
    assert make_rule("none", 7.0).update(window) == 7.0
    v1 = make_rule("tor-v1", 1.0)
    v1.update(window)
    calm = Window(capacity=100, handled=Counter({4.0: 1, 6.0: 1}))
    assert v1.update(calm) == 5.0  # falls to the median handled
    assert v1.update(Window(capacity=100)) == 5.0  # nothing handled: stays
    assert set(RULES) >= {"none", "tor-v1", "tor-v2", "tor-v3"}


def test_simulate_load_scenario_writes_timeseries_and_summary(tmp_path, capsys):
    scenario = _short(tmp_path, 240)
    out = tmp_path / "out"
    assert main(["simulate", str(scenario), "--out", str(out), "--interval", "30",
                 "--mode", "sampled", "--replications", "2"]) == 0
    series = pd.read_parquet(out / "timeseries.parquet")
    summary = pd.read_csv(out / "summary.csv")
    assert len(series) == 2 * 8 and set(series["replication"]) == {0, 1}
    assert series["t_s"].iloc[:8].tolist() == list(range(0, 240, 30))
    assert series.loc[series["t_s"] < 60, "arrivals_attacker"].sum() == 0  # the GPU starts at 60
    # Conservation: every request submitted is handled, trimmed, timed out, or still waiting
    # (at most the queue's 200) or in service (at most the 3 workers) at the horizon.
    totals = series.groupby("replication").sum()
    for kind in ("legit", "attacker"):
        left = totals[f"arrivals_{kind}"] - totals[[f"{c}_{kind}" for c in (
            "handled", "trimmed", "timed_out")]].sum(axis=1)
        assert ((left >= 0) & (left <= 200 + 3)).all()
    assert summary.columns[:3].tolist() == ["scenario", "agent", "kind"]
    assert set(summary["agent"]) == {"legit", "gpu-botnet"}
    assert (summary["admission"] == "cost-first").all() and (summary["workers"] == 3).all()
    legit = summary[summary["agent"] == "legit"]
    assert (legit["ttc_p95_s"] >= legit["ttc_p50_s"]).all() and (legit["connect_rate"] <= 1).all()
    assert (legit["overhead_with_queue"] >= legit["overhead_no_queue"]).all()
    origin = json.loads((out / "summary.csv.provenance.json").read_text())
    assert origin["seed"] == 0 and origin["replications"] == 2
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("combine,effort", [("max", 1.0e6), ("sum", 1.0e6 + 2.0**16)])
def test_account_charge_combines_with_the_load_effort(combine, effort):
    """The example's [defense] charges a fresh account's first 64 queries 2^16 hashes (the
    paper policy's floor, 0.05 s of a 1.3 MH/s browser, rounds to 16 bits); the load's effort
    is min_effort 10^6: their max or their sum, in hashes, is what every client pays."""
    scenario = load_load_scenario(EXAMPLE)
    assert scenario.streams[0].account_effort == 2.0**16
    variant = dataclasses.replace(
        scenario, botnets=(), duration_s=120.0,
        difficulty=dataclasses.replace(scenario.difficulty, combine=combine),
        server=dataclasses.replace(scenario.server, admission="puzzle-first"))
    record = LoadRun(variant).run()
    assert record.hashes[0] == pytest.approx(effort * record.counts[ARRIVALS, 0].sum())


@pytest.mark.parametrize("mode", ["expected", "sampled"])
def test_same_seed_same_result(tmp_path, mode):
    scenario = _short(tmp_path, 200)
    tables = []
    for run in ("a", "b"):
        assert main(["simulate", str(scenario), "--out", str(tmp_path / run), "--mode", mode]) == 0
        tables.append(pd.read_parquet(tmp_path / run / "timeseries.parquet"))
    pd.testing.assert_frame_equal(*tables)


def test_hardware_mix_sets_each_clients_solve_time():
    """A stream of half browsers (1.3 MH/s), half phones (0.1 MH/s) paying 10^6 hashes: in
    expected mode the profiles alternate, so solve seconds are 0.769 and 10 in equal numbers."""
    scenario = load_load_scenario(EXAMPLE)
    legit = scenario.streams[0]
    mix = dataclasses.replace(legit, mix=((PROFILES["browser"], 0.5), (PROFILES["phone-browser"], 0.5)))
    variant = dataclasses.replace(scenario, streams=(mix,), botnets=(), duration_s=60.0,
                                  server=dataclasses.replace(scenario.server, admission="puzzle-first"))
    clients = clients_frame(LoadRun(variant).run())
    early = clients[clients["first_s"] < 45]  # 180 clients, all connected by the 60 s horizon
    assert early["solve_s"].round(3).value_counts().to_dict() == {0.769: 90, 10.0: 90}


def test_slo_sides_and_undefined_metrics():
    """A count meets '<=' when the upper bound does and '>=' when the lower bound does; a run
    with no connected client (metric undefined) makes the count miss either way."""
    scenario = load_load_scenario(EXAMPLE)
    at_most = parse_slo("legit.ttc_p95<=5", scenario)
    at_least = parse_slo("legit.connect_rate>=0.9", scenario)
    assert at_most.met(4.0, 4.9) and not at_most.met(4.0, 5.1)
    assert at_least.met(0.91, 0.99) and not at_least.met(0.89, 0.99)
    late = dataclasses.replace(scenario.streams[0], start_s=1000.0)  # after the horizon
    cut = dataclasses.replace(scenario, streams=(late,), duration_s=200.0)
    for slo in (at_most, at_least):
        table = capacity(cut, slo, [1], 2, 0)
        assert not table["meets"].iloc[0] and table["lost_share"].isna().all()
    bots = dataclasses.replace(scenario, streams=(), duration_s=200.0)  # no legitimate client
    table = capacity(bots, parse_slo("gpu-botnet.goodput<=10", bots), [1], 2, 0)
    assert table["meets"].iloc[0] and table["lost_share"].isna().all()



def test_set_overrides_a_load_scenario_as_if_written_in_the_file(tmp_path):
    # The override reaches the run (the summary's workers column, the provenance) exactly as
    # the same value written in the file does: the two runs' tables are identical.
    scenario = _short(tmp_path, 240)
    written = tmp_path / "written.toml"
    written.write_text(scenario.read_text().replace("workers = 3", "workers = 5"))
    tables = []
    for path, extra in ((scenario, ["--set", "server.workers=5"]), (written, [])):
        out = tmp_path / path.stem
        assert main(["simulate", str(path), "--out", str(out), "--interval", "30", *extra]) == 0
        tables.append(pd.read_csv(out / "summary.csv").drop(columns="scenario"))
    assert (tables[0]["workers"] == 5).all()
    pd.testing.assert_frame_equal(tables[0], tables[1])
    origin = json.loads((tmp_path / "short" / "summary.csv.provenance.json").read_text())
    assert origin["overrides"] == {"server.workers": 5}
    direct = load_load_scenario(scenario, [("difficulty.update_s", 7.0), ("agents.1.machines", 3)])
    assert direct.difficulty.update_s == 7.0 and direct.botnets[0].machines == 3


def test_set_into_an_unknown_load_key_names_it(tmp_path, capsys):
    scenario = _short(tmp_path, 240)
    assert main(["simulate", str(scenario), "--out", str(tmp_path / "o"),
                 "--set", "load.warm_s=3"]) == 2
    err = capsys.readouterr().err
    assert "override 'load.warm_s': unknown key" in err and "load.warmup_s" in err
    assert not (tmp_path / "o").exists()
