"""Multi-request accounts in the load kernel (``kind = "sessions"``): their charges are the
per-account kernel's, request by request, and their time-to-connect adds up by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powsim.cli import main
from powsim.hashcash.hardware import DEFAULT_PROFILE, PROFILES
from powsim.load.engine import LoadRun
from powsim.load.metrics import clients_frame
from powsim.model.load_parse import load_load_scenario
from simkit import query_trace, run, scenario_file

REPO = Path(__file__).resolve().parents[1]

# A legitimate trace of 0.2 per query and an attack trace of 1.0 per query, 10 queries a batch:
# the attack's batches sit far above the reference, so each costs many more bits.
DEFENSE = """
    [defense]
    policy = "paper"
    a = 1.2
    reference = "legit.parquet"
    reference_hash_rate = 1000.0
    queries_per_puzzle = 10
"""
LOAD = DEFENSE + """
    [server]
    admission = "puzzle-first"
    workers = 1
    inference_s = 0.5
    [difficulty]
    rule = "none"
    [load]
    duration_s = 100000.0
    warmup_s = 1.0
"""


@pytest.fixture
def traces(tmp_path):
    query_trace(tmp_path / "legit.parquet", 0.2, 8)
    query_trace(tmp_path / "attack.parquet", 1.0, 8)
    return tmp_path


@pytest.mark.parametrize("per_account, load_entry", [
    ('kind = "attacker"\nname = "a"\ntrace = "attack.parquet"',
     'kind = "sessions"\nname = "a"\nrole = "attacker"\ntrace = "attack.parquet"\nqueries = 10'),
    ('kind = "sybil"\nname = "a"\naccounts = 3\ntrace = "attack.parquet"',
     'kind = "sessions"\nname = "a"\nrole = "attacker"\nring = true\naccounts = 3\n'
     'trace = "attack.parquet"\nqueries = 10'),
])
def test_session_charges_are_the_per_account_kernels_puzzles(traces, per_account, load_entry):
    # One model, two kernels: the load kernel charges request i exactly the puzzle the
    # per-account server issues for batch i (2^bits hashes), for one account and for a ring.
    events, _ = run(traces, DEFENSE + "[server]\n[[agents]]\n" + per_account)
    batches = events[events["batch"] >= 0]
    scenario = load_load_scenario(scenario_file(traces, LOAD + "[[agents]]\n" + load_entry, "l.toml"))
    charges = np.array(scenario.sessions[0].charges)
    assert len(charges) == len(batches) == 8
    assert charges == pytest.approx(2.0 ** batches["bits"].to_numpy())
    assert charges.max() > 4 * charges.min()  # the charge grows with the account's cost


def test_a_sessions_requests_follow_one_another_and_add_up_by_hand(traces):
    # One member, 4 requests, no load effort, no queue: request i waits charge_i / 1000 s
    # solving (expected mode), then 0.5 s of service; the next starts 2 s (think) later.
    text = LOAD + """
        [[agents]]
        kind = "sessions"
        name = "user"
        trace = "legit.parquet"
        queries = 10
        requests = 4
        think_s = 2.0
        hardware = "h"
        [hardware.h]
        hash_rate_hz = 1000.0
        price_per_hour_usd = 0.0
        watts = 0.0
    """
    scenario = load_load_scenario(scenario_file(traces, text, "s.toml"))
    clients = clients_frame(LoadRun(scenario).run())
    charges = np.array(scenario.sessions[0].charges)
    assert len(clients) == 4 and clients["connected"].all()
    assert clients["ttc_s"].to_numpy() == pytest.approx(charges / 1000 + 0.5)
    starts = np.concatenate([[0.0], np.cumsum(charges / 1000 + 0.5 + 2.0)[:-1]])
    assert clients["first_s"].to_numpy() == pytest.approx(starts)


def test_members_arrive_at_their_rate_and_each_replays_the_trace(traces, tmp_path):
    # 5 members at 0.01/s (expected mode: one every 100 s) of 2 requests each: 10 requests,
    # the first of each member at 100 s steps, all charged the trace's first two batches.
    text = LOAD + """
        [[agents]]
        kind = "sessions"
        name = "users"
        accounts = 5
        rate_hz = 0.01
        trace = "legit.parquet"
        queries = 10
        requests = 2
    """
    path = scenario_file(traces, text, "m.toml")
    out = tmp_path / "out"
    assert main(["simulate", str(path), "--out", str(out), "--set", "load.warmup_s=0"]) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert summary.loc[0, "kind"] == "legit" and summary.loc[0, "connected"] == 10
    clients = clients_frame(LoadRun(load_load_scenario(path)).run())
    firsts = clients.groupby(clients["first_s"] // 100)["first_s"].min().to_numpy()
    assert firsts == pytest.approx([0, 100, 200, 300, 400])
    charges = load_load_scenario(path).sessions[0].charges
    rate_hz = PROFILES[DEFAULT_PROFILE].hash_rate_hz  # no hardware named: the default profile
    assert clients["ttc_s"].to_numpy() == pytest.approx(np.tile(np.array(charges) / rate_hz + 0.5, 5))


@pytest.mark.parametrize("entry, message", [
    ('ring = true\nrate_hz = 1.0', "rate_hz: set with ring = true"),
    ('ring = "yes"', "ring: 'yes', expected true or false"),
    ('requests = 9', "requests: 9, expected at most 8"),
    ('role = "bot"', "role: 'bot', expected one of legit, attacker"),
])
def test_bad_sessions_are_one_line(traces, tmp_path, capsys, entry, message):
    text = LOAD + '[[agents]]\nkind = "sessions"\ntrace = "legit.parquet"\nqueries = 10\n' + entry
    assert main(["simulate", str(scenario_file(traces, text, "b.toml")), "--out",
                 str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_the_sybil_botnet_example_shows_what_its_header_says(tmp_path):
    # examples/sybil-botnet-under-load.toml, header: the ring's accounts each carry one batch
    # (charges of a first batch, 2^13 to 2^17); the flood's load effort (about 2e8 hashes) is
    # above every PATE charge; the GPU ring gets all 79 requests with a mean TTC of a few
    # seconds; the browsers' mean TTC is 150-180 s (bounds: 100-250 s, three replications).
    example = REPO / "examples" / "sybil-botnet-under-load.toml"
    scenario = load_load_scenario(example)
    users, ring = scenario.sessions
    assert ring.ring and ring.accounts == 1000 and len(ring.charges) == 79
    assert min(ring.charges) == 2**13 and max(ring.charges) == 2**17
    assert set(users.charges) == {2**16}
    out = tmp_path / "out"
    assert main(["simulate", str(example), "--out", str(out), "--mode", "sampled",
                 "--replications", "3"]) == 0
    table = pd.read_csv(out / "summary.csv").groupby("agent").mean(numeric_only=True)
    assert table.loc["gpu-sybil", "handled"] == 79
    per_request = table["hashes"] / table["arrivals"]
    assert per_request["users"] > 100 * 2**17 and per_request["gpu-sybil"] > 100 * 2**17
    assert table.loc["gpu-sybil", "ttc_mean_s"] < 10
    assert 100 < table.loc["users", "ttc_mean_s"] < 250
    late = (table.loc["users", "trimmed"] + table.loc["users", "timed_out"])
    assert late / table.loc["users", "arrivals"] > 1 / 3
