"""Real-hash mode of the simulator: the server issues real HashCash challenges, the clients
solve them with real SHA-256 instead of drawing trials, and the server verifies them."""

from __future__ import annotations

import os

import numpy as np
import simpy
import pandas as pd
import pytest
from scipy import stats

from powsim.cli import main
from powsim.errors import InputError
from powsim.hashcash.hardware import LOCAL, PROFILES, Hardware, local_profiles
from powsim.hashcash.protocol import HashCash, Verdict
from powsim.hashcash.validate import geometric_ks_pvalue
from powsim.hashcash.local_profile import HashRate, save_local_rate
from powsim.sim.run import prepare, simulate
from powsim.model.parse import load_scenario
from powsim.sim.server.server import SIGNUP, batch_key, simulated_hashcash
from powsim.sim.solve_time import REAL_MAX_BITS, RealHashTrials, solve_model, solve_puzzle
from powsim.sim.summary import summarize
from simkit import query_trace, scenario_file

# Small bits (the reference client hashes 10^4/s, puzzles clamped to 2^10 trials) on slow
# solvers, so that solving is a visible part of every figure.
SCENARIO = """
[defense]
policy = "paper"
reference = "legit.parquet"
reference_hash_rate = 1.0e4
max_bits = 10

[server]
workers = 2

[hardware.slow]
hash_rate_hz = 2000.0
price_per_hour_usd = 0.1
watts = 10.0

[[agents]]
kind = "legit"
name = "users"
count = 3
trace = "legit.parquet"
hardware = "slow"

[[agents]]
kind = "attacker"
name = "attacker"
trace = "attack.parquet"
hardware = "{hardware}"
"""


@pytest.fixture
def scenario(tmp_path):
    query_trace(tmp_path / "legit.parquet", 0.1, batches=20)
    query_trace(tmp_path / "attack.parquet", 1.0, batches=30)
    return lambda hardware="slow": load_scenario(
        scenario_file(tmp_path, SCENARIO.format(hardware=hardware)))


def per_replication(model, hashing: str, seed: int, replications: int) -> pd.DataFrame:
    """Summary rows of each replication, indexed by agent."""
    return pd.concat([summarize(model, simulate(model, "sampled", seed, r, hashing=hashing))
                      for r in range(replications)]).set_index("agent")


def test_sampled_and_real_hashing_give_indistinguishable_summaries(scenario):
    model = prepare(scenario())
    sampled, real = per_replication(model, "sampled", 1, 40), per_replication(model, "real", 2, 40)
    for agent in ("users", "attacker"):
        for figure in ("hashes", "time_pow_s", "overhead", "wall_s"):
            a, b = sampled.loc[agent, figure], real.loc[agent, figure]
            # Same law, independent streams: a two-sample KS and Welch's t test at level 0.001.
            assert stats.ks_2samp(a, b).pvalue > 0.001, (agent, figure)
            assert stats.ttest_ind(a, b, equal_var=False).pvalue > 0.001, (agent, figure)
        # Bits are set by the server, the same law in both modes.
        assert sampled.loc[agent, "bits_mean"].mean() == pytest.approx(real.loc[agent, "bits_mean"].mean(),
                                                                       rel=0.05)


def test_real_trials_follow_the_law():
    rng = np.random.default_rng(0)
    trials = [RealHashTrials().solve([rng.bytes(160)], 6, workers=1)[0] for _ in range(300)]
    assert geometric_ks_pvalue(np.array(trials, dtype=np.int64), 6, np.random.default_rng(0)) > 0.001


RING = """
[[agents]]
kind = "sybil"
name = "ring"
accounts = 3
signup_bits = 4
trace = "attack.parquet"
hardware = "slow"
"""


@pytest.fixture
def spy(monkeypatch):
    """Every challenge the simulated servers issue and every verdict they give."""
    issued, verdicts = [], []

    def issue(self, *args):
        issued.append(challenge := real_issue(self, *args))
        return challenge

    def verify(self, challenge, *args):
        verdicts.append((challenge, verdict := real_verify(self, challenge, *args)))
        return verdict

    real_issue, real_verify = HashCash.issue, HashCash.verify
    monkeypatch.setattr(HashCash, "issue", issue)
    monkeypatch.setattr(HashCash, "verify", verify)
    return issued, verdicts


@pytest.mark.parametrize("sub_solutions", [1, 2])
def test_every_real_challenge_is_issued_by_the_server_and_verified_once(tmp_path, spy, sub_solutions):
    query_trace(tmp_path / "legit.parquet", 0.1, batches=20)
    query_trace(tmp_path / "attack.parquet", 1.0, batches=30)
    text = SCENARIO.format(hardware="slow").replace(
        "max_bits = 10", f"max_bits = 10\nsub_solutions = {sub_solutions}") + RING
    events = simulate(prepare(load_scenario(scenario_file(tmp_path, text))), "sampled", 3,
                      hashing="real").events
    issued, verdicts = spy
    assert {v for _, v in verdicts} == {Verdict.OK}
    assert sorted(c for c, _ in verdicts) == sorted(c.encode() for c in issued)  # each once
    assert len(issued) == sub_solutions * len(events)  # batches answered and signups
    assert (events["batch"] == SIGNUP).sum() == 3
    first = [c.encode() for c in issued]
    issued.clear()
    again = simulate(prepare(load_scenario(scenario_file(tmp_path, text))), "sampled", 3,
                     hashing="real").events
    pd.testing.assert_frame_equal(events, again)
    assert [c.encode() for c in issued] == first  # same seed, same secret and challenges


def test_a_refused_solution_is_a_simulator_bug(scenario, monkeypatch):
    monkeypatch.setattr(HashCash, "verify", lambda *args: Verdict.BATCH)
    with pytest.raises(RuntimeError, match="simulator bug.*another query batch"):
        simulate(prepare(scenario()), "sampled", 0, hashing="real")


def test_time_is_trials_over_the_profile_rate_except_on_the_local_machine():
    model, rng = RealHashTrials(), np.random.default_rng(0)
    trials, seconds, nonces = solve_puzzle(model, 8, [rng.bytes(160)], rng, PROFILES["laptop-cpu"],
                                           solvers=2)
    assert seconds == trials / (PROFILES["laptop-cpu"].hash_rate_hz * 2) and len(nonces) == 1
    trials, seconds, _ = solve_puzzle(model, 8, [rng.bytes(160)], rng, Hardware(LOCAL, 1.0, 0.0, 0.0),
                                      solvers=1)
    assert 0 < seconds < trials  # measured: far faster than the profile's 1 hash/s


def test_local_profile_comes_from_the_stored_bench(tmp_path, monkeypatch, scenario):
    monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path / "cache"))
    assert local_profiles() == {}
    with pytest.raises(InputError, match="hardware"):
        scenario("local")
    save_local_rate(HashRate(per_core_hz=2.5e7, all_cores_hz=5e7, workers=2), {})
    assert scenario("local").agents[1].hardware == Hardware(LOCAL, 2.5e7, 0.0, 0.0)
    events = simulate(prepare(scenario("local")), "sampled", 0, hashing="real").events
    assert (events["solve_s"] > 0).all()


@pytest.mark.parametrize("mode, hashing", [("expected", "real"), ("sampled", "fake")])
def test_bad_hashing_names_the_parameter(mode, hashing):
    # The library names its parameter; cli.py shows it as --hash (see the test below).
    with pytest.raises(InputError, match="^hashing"):
        solve_model(mode, hashing=hashing)


def test_real_hashing_refuses_puzzles_too_hard_to_solve_here():
    with pytest.raises(InputError, match=f"{REAL_MAX_BITS} bits"):
        RealHashTrials().solve([bytes(160)], REAL_MAX_BITS + 1, workers=1)


def test_simulate_command_takes_the_hash_option(scenario, tmp_path, capsys):
    scenario()  # writes the traces and scenario.toml
    out = tmp_path / "out"
    assert main(["simulate", str(tmp_path / "scenario.toml"), "--out", str(out), "--mode", "sampled",
                 "--hash", "real"]) == 0
    assert (out / "summary.csv").exists()
    assert main(["simulate", str(tmp_path / "scenario.toml"), "--out", str(tmp_path / "bad"),
                 "--hash", "real"]) == 2
    assert "--hash real" in capsys.readouterr().err and not (tmp_path / "bad").exists()


def test_the_secret_is_not_derived_from_the_recorded_seed_alone(tmp_path, monkeypatch):
    def challenge(cache: str) -> bytes:
        monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path / cache))
        hashcash = simulated_hashcash(simpy.Environment(), np.random.SeedSequence(0))
        return hashcash.issue("alice/0", batch_key("alice/0", 0), 8).encode()

    assert challenge("machine-a") == challenge("machine-a")  # same seed, same machine
    assert challenge("machine-a") != challenge("machine-b")  # the seed alone does not fix it
    assert oct((tmp_path / "machine-a" / "hmac-key").stat().st_mode & 0o777) == "0o600"


def test_a_fifo_in_the_machine_keys_place_is_named_not_read(tmp_path, monkeypatch, within):
    from powsim.sim.server.secret import machine_key

    monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path))
    os.mkfifo(tmp_path / "hmac-key")
    with pytest.raises(InputError, match="hmac-key: not a regular file"):
        within(machine_key)
