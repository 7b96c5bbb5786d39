"""The puzzle comparison: the example shows what its header says (a memory-hard puzzle makes
the GPU attacker pay far more than SHA-256 does, users tuned to the same PoW seconds)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import assert_one_line_error

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "puzzles-vs-gpu.toml"


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    from powsim.cli import main
    out = tmp_path_factory.mktemp("puzzles")
    assert main(["puzzles", "compare", str(EXAMPLE), "--out", str(out)]) == 0
    return out, pd.read_csv(out / "puzzles.csv").set_index(["puzzle", "attacker_hardware"])


def test_example_shows_memory_hard_puzzles_narrow_the_gpu_gap(compared):
    _, table = compared
    gpu = table.xs("gpu", level="attacker_hardware")
    # The GPU's hash advantage over a laptop core: ~31,000x for SHA-256, ~230x for Argon2id.
    assert gpu.loc["sha256", "hash_gap"] > 100 * gpu.loc["argon2id", "hash_gap"]
    # ... so its hashing bill is over 100x what it pays under SHA-256, and its time multiplier rises.
    assert gpu.loc["argon2id", "attacker_usd_vs_sha256"] > 100
    assert gpu.loc["argon2id", "attacker_overhead"] > gpu.loc["sha256", "attacker_overhead"] + 0.05
    # A laptop attacker pays what the users pay per hash in every family: the same bill up to whole bits.
    laptop = table.xs("laptop-cpu", level="attacker_hardware")["attacker_usd_vs_sha256"]
    assert laptop.between(2**-0.5, 2**0.5).all()


def test_verification_cost_is_one_trial_on_a_server_core(compared):
    from powsim.sim.economics import PROFILES
    from powsim.sim.hashcash.families import Argon2id
    from powsim.sim.puzzle_rates import family_rate_hz
    _, table = compared
    row = table.loc[("argon2id", "gpu")]
    assert row["verify_ms"] == pytest.approx(1000 / family_rate_hz(PROFILES["server-cpu"], Argon2id()))
    assert row["server_cores_per_kilo_flood"] == pytest.approx(row["verify_ms"])  # 1,000/s x ms = cores
    assert row["server_mib_per_kilo_flood"] == pytest.approx(row["server_cores_per_kilo_flood"] * 19)


def test_outputs_are_written(compared):
    out, table = compared
    assert len(table) == 9 and (out / "puzzles.html").stat().st_size > 0 and (out / "puzzles.png").exists()


def test_compare_needs_legit_users(cli, tmp_path):
    text = EXAMPLE.read_text().replace('kind = "legit"', 'kind = "attacker"').replace("count = 100\n", "")
    path = tmp_path / "no-users.toml"
    path.write_text(text.replace("../traces", str(EXAMPLE.parents[1] / "traces")))
    result = cli("puzzles", "compare", path, "--out", tmp_path / "out")
    assert_one_line_error(result, "no kind = \"legit\"")
    assert not (tmp_path / "out").exists()
