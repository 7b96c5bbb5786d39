"""Scenario files: the example works, bad ones fail with one line, runs are reproducible."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powsim.cli import main
from powsim.errors import InputError
from powsim.model.load_parse import declares_load
from powsim.sim.output import read_provenance
from powsim.model.parse import load_scenario
from powsim.traces.curves import read_curve_csv
from powsim.traces.format import write_trace

from simkit import pool_file, query_trace, run, scenario_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PAPER_MNIST = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "paper-mnist"

GOOD = """
[defense]
policy = "paper"
reference = "legit.parquet"
reference_hash_rate = 1.0e6
[[agents]]
kind = "legit"
count = 3
think_s = 2.0
trace = "legit.parquet"
[[agents]]
kind = "attacker"
trace = "attack.parquet"
hardware = "browser"
"""


@pytest.fixture
def folder(tmp_path):
    query_trace(tmp_path / "legit.parquet", 0.1, batches=6)
    query_trace(tmp_path / "attack.parquet", 0.4, batches=6)
    return tmp_path


def test_the_example_scenario_runs(tmp_path, capsys):
    (tmp_path / "examples").mkdir()
    shutil.copy(EXAMPLES / "quickstart.toml", tmp_path / "examples")
    bundled = tmp_path / "traces" / "bundled"
    query_trace(bundled / "fmnist-standard.parquet", 0.1, batches=20, batch_size=64)
    query_trace(bundled / "fmnist-knockoff.parquet", 0.3, batches=20, batch_size=64)
    out = tmp_path / "out"
    assert main(["simulate", str(tmp_path / "examples" / "quickstart.toml"), "--out", str(out),
                 "--mode", "sampled", "--replications", "3", "--seed", "5"]) == 0
    events = pd.read_parquet(out / "events.parquet")
    summary = pd.read_csv(out / "summary.csv")
    assert len(events) == 3 * (100 * 20 + 100 + 20)  # batches and signups, 3 replications
    assert {"sim_time_s", "agent", "account", "queries", "account_cost", "target_s", "bits",
            "trials", "solve_s", "queue_s", "service_s", "replication"} <= set(events.columns)
    assert summary["agent"].tolist() == ["legit-1", "sybil-2"]
    assert summary.loc[0, "members"] == 100 and summary.loc[1, "accounts"] == 100
    assert (summary["ci_low"] <= summary["overhead"]).all()
    assert (summary["overhead"] <= summary["ci_high"]).all()
    assert read_provenance(out / "events.parquet")["seed"] == 5
    assert (summary["seed"] == 5).all() and (summary["mode"] == "sampled").all()
    assert json.loads((out / "summary.csv.provenance.json").read_text())["seed"] == 5


def test_curve_traces_replay_as_batches(tmp_path):
    csv = PAPER_MNIST / "model_extraction_attack_accuracy_mnist.csv"
    for trace in read_curve_csv(csv, "mnist"):
        write_trace(trace, tmp_path / f"{trace.metadata.attack}.parquet")
    events, summary = run(tmp_path, """
        [defense]
        policy = "paper"
        reference = "standard.parquet"
        reference_hash_rate = 1.0e6
        [[agents]]
        kind = "attacker"
        name = "copycat"
        trace = "copycat.parquet"
        """)
    row = summary.loc["copycat"]
    # 11 rows of 16 batches of 62.5 queries; base time is the curve's (73.6 s at 10,000).
    assert len(events) == 176 and row["queries"] == 11_000
    assert events["queries"].iloc[0] == 62.5
    assert row["time_s"] == pytest.approx(80.96)
    assert row["accuracy"] == pytest.approx(93.46)  # its last row


def test_same_seed_same_outputs(folder):
    first, summary_1 = run(folder, GOOD, mode="sampled", seed=3, replications=2)
    second, summary_2 = run(folder, GOOD, mode="sampled", seed=3, replications=2)
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(summary_1, summary_2)
    other, _ = run(folder, GOOD, mode="sampled", seed=4)
    assert not other["trials"].equals(first[first["replication"] == 0]["trials"])


def test_adding_an_agent_leaves_the_others_draws_unchanged(folder):
    extra = GOOD + '[[agents]]\nkind = "attacker"\nname = "late"\ntrace = "attack.parquet"\n'
    before, _ = run(folder, GOOD, mode="sampled", seed=9)
    after, _ = run(folder, extra, mode="sampled", seed=9)
    for agent in ("legit-1", "attacker-2"):
        old = before[before["agent"] == agent].sort_values(["actor", "batch"])
        new = after[after["agent"] == agent].sort_values(["actor", "batch"])
        assert old["trials"].tolist() == new["trials"].tolist()
        assert old["think_s"].tolist() == new["think_s"].tolist()


BAD = {
    "unknown key": (GOOD.replace("count = 3", "count = 3\ncuont = 4"), "unknown key 'cuont'"),
    "unknown defense key": (GOOD.replace('policy = "paper"', 'policy = "paper"\nalpha = 2'),
                            "[defense]: unknown key 'alpha'"),
    "missing trace": (GOOD.replace("attack.parquet", "nowhere.parquet"),
                      "trace: no such trace file"),
    "negative count": (GOOD.replace("count = 3", "count = -3"), ".count: -3, expected a whole"),
    "zero hash rate": (GOOD.replace("1.0e6", "0.0"), "reference_hash_rate: 0.0, expected"),
    "impossible hash rate": (GOOD.replace("1.0e6", "1.0e30"), "reference_hash_rate: 1e+30"),
    "impossible hardware": (GOOD + "[hardware.gpu]\nhash_rate_hz = -5.0\n", "hash_rate_hz: -5.0"),
    "unknown policy": (GOOD.replace('"paper"', '"fair"'), "policy: 'fair', expected one of"),
    "unknown hardware": (GOOD.replace('"browser"', '"abacus"'), "hardware: 'abacus'"),
    "unknown kind": (GOOD.replace('kind = "attacker"', 'kind = "thief"'),
                     "kind: 'thief', expected one of legit, attacker, sybil, colluders, adaptive, "
                     "stream, sessions, botnet"),
    "not toml": ("[defense\n", "not a valid TOML file"),
    "no agents": (GOOD.split("[[agents]]")[0], "[[agents]]: missing"),
    "clip upside down": (GOOD.replace('policy = "paper"', 'policy = "paper"\nmin_s = 5.0\n'
                                      'max_s = 1.0'), "min_s: 5.0 above max_s 1.0"),
    "fractional queries per puzzle": (
        GOOD.replace('policy = "paper"', 'policy = "paper"\nqueries_per_puzzle = 62.5'),
        "queries_per_puzzle: 62.5, expected a whole number"),
    "old and new key": (GOOD.replace('policy = "paper"', 'policy = "paper"\nbatch_size = 8\n'
                                     'queries_per_puzzle = 8'), "batch_size: set beside queries_per_puzzle"),
    "missing defense": (GOOD.split("[[agents]]", 1)[1].join(["[[agents]]", ""]),
                        "[defense]: missing"),
    "probability above one": (GOOD.replace('policy = "paper"', 'policy = "paper"\n'
                                           'accounting = "group"\nlink_probability = 1.5'),
                              "link_probability: 1.5"),
    "link without group": (GOOD.replace('policy = "paper"', 'policy = "paper"\n'
                                        'link_probability = 0.5'), "expected accounting = \"group\""),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenarios_fail_with_one_line_and_exit_2(folder, capsys, case):
    text, message = BAD[case]
    path = scenario_file(folder, text)
    out = folder / "out"
    assert main(["simulate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message in err and str(path) in err
    assert not out.exists()


def test_a_load_kind_among_per_account_agents_is_one_line(folder):
    # The CLI sends such a file to the load reader; the per-account reader refuses it too.
    path = scenario_file(folder, GOOD + '[[agents]]\nkind = "stream"\nrate_hz = 1.0\n')
    with pytest.raises(InputError, match=r"#3\.kind: 'stream' beside per-account agents"):
        load_scenario(path)


def test_old_batch_size_key_still_reads_with_one_deprecation_line(folder, capsys):
    new = scenario_file(folder, GOOD.replace('policy = "paper"', 'policy = "paper"\nqueries_per_puzzle = 5'))
    assert main(["simulate", str(new), "--out", str(folder / "new")]) == 0
    assert capsys.readouterr().err == ""
    old = new.with_name("old.toml")
    old.write_text(new.read_text().replace("queries_per_puzzle = 5", "batch_size = 5"))
    assert main(["simulate", str(old), "--out", str(folder / "old")]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "batch_size is deprecated, write queries_per_puzzle = 5" in err
    columns = ["agent", "batch", "queries", "bits", "target_s"]
    assert pd.read_parquet(folder / "old" / "events.parquet")[columns].equals(
        pd.read_parquet(folder / "new" / "events.parquet")[columns])
    assert pd.read_parquet(folder / "new" / "events.parquet")["queries"].max() == 5


def test_missing_scenario_file(folder, capsys):
    assert main(["simulate", str(folder / "none.toml"), "--out", str(folder / "out")]) == 2
    assert "no such scenario file" in capsys.readouterr().err


def test_bad_replications(folder, capsys):
    path = scenario_file(folder, GOOD)
    assert main(["simulate", str(path), "--out", str(folder / "o"), "--replications", "0"]) == 2
    assert "--replications" in capsys.readouterr().err


# Load scenarios (stream and botnet agents) write other tables: tests/test_load_*.py run them.
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.toml")
                                           if not declares_load(p)))
def test_every_example_runs_on_synthetic_traces(tmp_path, example):
    # The examples point at the bundled fmnist traces; stand-ins with the same names and
    # a logq column (for the rdp policy) are written beside a copy of the example.
    (tmp_path / "examples").mkdir()
    text = (EXAMPLES / example).read_text()
    (tmp_path / "examples" / example).write_text(text)
    for name in set(re.findall(r'"\.\./(traces/\w+/[\w.-]+)"', text)):
        if "pool" in name:  # a legitimate pool: its split recorded as 'powsim traces pool' does
            pool_file(tmp_path / name, np.full(640, 0.1), np.full(640, 0.1), batch_size=64)
            continue
        cost = 0.1 if "standard" in name else 0.3
        query_trace(tmp_path / name, cost, batches=8, batch_size=64, logq=-3.0 / cost)
    out = tmp_path / "out"
    assert main(["simulate", str(tmp_path / "examples" / example), "--out", str(out),
                 "--mode", "sampled", "--replications", "2"]) == 0
    assert (out / "events.parquet").is_file() and (out / "summary.csv").is_file()
