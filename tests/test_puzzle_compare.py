"""The puzzle comparison's table: verification cost and the files written. Bad input is in
tests/test_bad_input_corpus.py, the example's header claims in tests/test_examples.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "puzzles-vs-gpu.toml"


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    from powsim.cli import main
    out = tmp_path_factory.mktemp("puzzles")
    assert main(["puzzles", "compare", str(EXAMPLE), "--out", str(out)]) == 0
    return out, pd.read_csv(out / "puzzles.csv").set_index(["puzzle", "attacker_hardware"])


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
    record = json.loads((out / "puzzles.csv.provenance.json").read_text())
    assert record["scenario"] == str(EXAMPLE) and record["mode"] == "expected"
    assert (table["scenario"] == "puzzles-vs-gpu").all()
