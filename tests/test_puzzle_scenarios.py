"""Puzzle families in the sampled model: per-family rates with the memory bound, the
server's verification charged per solution, and bad [defense] puzzle input."""

from __future__ import annotations

import pytest

from conftest import assert_one_line_error
from powsim.errors import InputError
from powsim.hashcash.hardware import PROFILES
from powsim.hashcash.families import Argon2id, Scrypt, Sha256
from powsim.hashcash.rates import DEVICE_MEMORY_BYTES, family_rate_hz, family_rates, max_solvers
from powsim.model.parse import load_scenario
from simkit import query_trace, run, scenario_file

DEFENSE = """
[defense]
policy = "paper"
reference = "t.parquet"
reference_hash_rate = {rate}
queries_per_puzzle = 10
{puzzle}
[server]
workers = 2
[[agents]]
kind = "legit"
name = "user"
trace = "t.parquet"
hardware = "laptop-cpu"
[[agents]]
kind = "attacker"
name = "gpu"
trace = "t.parquet"
hardware = "gpu"
solvers = {solvers}
"""


def scenario_text(puzzle: str = "", rate: float = 42.4, solvers: int = 1) -> str:
    return DEFENSE.format(puzzle=puzzle, rate=rate, solvers=solvers)


@pytest.fixture
def folder(tmp_path):
    query_trace(tmp_path / "t.parquet", 1.0, batches=20, inference_s=0.5, cost_s=0.0)
    return tmp_path


def test_every_memory_hard_profile_rate_has_a_source():
    for (profile, family), rate in family_rates().items():
        assert profile in PROFILES and profile in DEVICE_MEMORY_BYTES
        assert rate.reference.name == family and rate.source and rate.hash_rate_hz > 0


def test_rates_scale_inversely_with_memory_times_passes():
    laptop = PROFILES["laptop-cpu"]
    base = family_rate_hz(laptop, Argon2id())
    assert family_rate_hz(laptop, Argon2id(memory_kib=19456 // 2)) == pytest.approx(2 * base)
    assert family_rate_hz(laptop, Argon2id(iterations=4)) == pytest.approx(base / 2)
    assert family_rate_hz(laptop, Scrypt(n=2**15)) == pytest.approx(family_rate_hz(laptop, Scrypt()) / 2)
    assert family_rate_hz(laptop, Sha256()) == laptop.hash_rate_hz


def test_memory_bound_is_device_memory_over_memory_per_trial():
    gpu = PROFILES["gpu"]
    assert max_solvers(gpu, Argon2id(memory_kib=1024 * 1024)) == 24  # 24 GiB / 1 GiB
    assert max_solvers(gpu, Sha256()) == float("inf")


def test_scenario_charges_family_rates_and_verification(folder):
    scenario = load_scenario(scenario_file(folder, scenario_text('puzzle = "argon2id"\nmemory_kib = 9728')))
    puzzle = Argon2id(memory_kib=9728)
    assert scenario.defense.puzzle == puzzle
    rates = {agent.name: agent.hardware.hash_rate_hz for agent in scenario.agents}
    assert rates == {"user": family_rate_hz(PROFILES["laptop-cpu"], puzzle),
                     "gpu": family_rate_hz(PROFILES["gpu"], puzzle)}
    assert scenario.server.verify_s == pytest.approx(1 / family_rate_hz(PROFILES["server-cpu"], puzzle))


def test_memory_hard_puzzle_narrows_the_gpu_gap(folder):
    """Tuned for a laptop core in each family, the user's PoW seconds match (same bits), and
    a GPU's overhead under Argon2id is far above its overhead under SHA-256, whose hash it
    computes ~30,000x faster than the laptop (against ~230x for Argon2id)."""
    laptop = PROFILES["laptop-cpu"]
    _, sha = run(folder, scenario_text(rate=laptop.hash_rate_hz))
    _, argon = run(folder, scenario_text('puzzle = "argon2id"', rate=family_rate_hz(laptop, Argon2id())))
    assert argon.loc["user", "bits_mean"] == pytest.approx(sha.loc["user", "bits_mean"] - 14, abs=1)
    assert sha.loc["gpu", "overhead"] - 1 < 1e-3
    gpu_pow = argon.loc["gpu", "time_pow_s"] - argon.loc["gpu", "time_s"]
    assert gpu_pow > 20 * (sha.loc["gpu", "time_pow_s"] - sha.loc["gpu", "time_s"])


@pytest.mark.parametrize("puzzle, fragments", [
    ('puzzle = "blake3"', ["[defense].puzzle", "sha256, argon2id, scrypt"]),
    ('puzzle = "argon2id"\nmemory_kib = 4', ["[defense].memory_kib", "8.."]),
    ('puzzle = "argon2id"\nn = 1024', ["[defense].n", "not a parameter of argon2id"]),
    ('puzzle = "scrypt"\nn = 1000', ["[defense].n", "power of 2"]),
    ('puzzle = "argon2id"\nmemory_kib = 2147483648', ["[defense].puzzle", "largest profile's memory"]),
])
def test_bad_puzzle_input_is_one_line(cli, folder, puzzle, fragments):
    out = folder / "out"
    result = cli("simulate", scenario_file(folder, scenario_text(puzzle)), "--out", out)
    assert_one_line_error(result, *fragments)
    assert not out.exists()


def test_more_solvers_than_the_device_holds_are_refused(cli, folder):
    out = folder / "out"
    text = scenario_text('puzzle = "argon2id"\nmemory_kib = 4194304', solvers=7)  # 4 GiB each on 24 GiB
    assert_one_line_error(cli("simulate", scenario_file(folder, text), "--out", out),
                          "[[agents]] #2.solvers", "at most 6")
    assert not out.exists()


def test_real_hashing_refuses_memory_hard_families(cli, folder):
    out = folder / "out"
    result = cli("simulate", scenario_file(folder, scenario_text('puzzle = "scrypt"')), "--out", out,
                 "--hash", "real")
    assert_one_line_error(result, "--hash", "sampled")
    assert not out.exists()


def test_a_profile_without_a_family_rate_is_named(folder):
    text = scenario_text('puzzle = "scrypt"') + '[hardware.fpga]\nhash_rate_hz = 1e9\nprice_per_hour_usd = 1\nwatts = 50\n'
    text = text.replace('hardware = "gpu"', 'hardware = "fpga"')
    with pytest.raises(InputError, match="'fpga': no scrypt hash rate"):
        load_scenario(scenario_file(folder, text))
