"""The puzzle comparison's table: verification cost and the files written. Bad input is in
tests/test_bad_input_corpus.py, the example's header claims in tests/test_examples.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from powsim.hashcash.families import Argon2id, Scrypt
from powsim.sim.puzzle_match import TOLERANCE, close_enough, matched

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "puzzles-vs-gpu.toml"


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    from powsim.cli import main
    out = tmp_path_factory.mktemp("puzzles")
    assert main(["puzzles", "compare", str(EXAMPLE), "--out", str(out)]) == 0
    return out, pd.read_csv(out / "puzzles.csv").set_index(["puzzle", "attacker_hardware"])


def test_every_family_gives_the_users_sha256s_median_overhead(compared):
    """The comparison's basis: the users' median overhead is SHA-256's within TOLERANCE (1 %)
    of its PoW part, on every attacker device. Argon2id keeps OWASP's parameters (a lower
    difficulty suffices); one scrypt trial at N = 2^14 (44 ms) costs the users more than
    SHA-256's median, so its N is halved once."""
    _, table = compared
    sha = table.loc[("sha256", "gpu"), "users_overhead_median"] - 1
    assert (table["users_overhead_median"] - 1).between(sha * (1 - TOLERANCE), sha * (1 + TOLERANCE)).all()
    scale = table["difficulty_scale"].groupby(level="puzzle").unique().map(list)
    assert scale["sha256"] == [1.0] and all(0 < s[0] < 1 and len(s) == 1 for s in scale.drop("sha256"))
    assert (table.loc["argon2id", "parameters"] == Argon2id().describe()).all()
    assert (table.loc["scrypt", "parameters"] == Scrypt(n=2**13).describe()).all()


def test_matched_halves_the_work_only_when_no_difficulty_suffices():
    """A model of the users' median overhead: one trial per puzzle costs them a floor
    proportional to the work (0.4 at N = 2^14), the rest grows with the scale (0.3 at 1)."""
    def median_at(puzzle, scale):
        return 1 + max(0.4 * puzzle.work_units / Scrypt().work_units, 0.3 * min(scale, 1.0))
    chosen, scale, median = matched(Scrypt(), median_at, 1.29, lambda puzzle: 10.0)
    assert chosen == Scrypt(n=2**13) and close_enough(median, 1.29)
    assert scale == pytest.approx(0.29 / 0.3, rel=TOLERANCE)
    chosen, scale, _ = matched(Scrypt(), lambda puzzle, s: 1 + 0.5 * min(s, 1.0), 1.25, lambda puzzle: 10.0)
    assert chosen == Scrypt() and scale == pytest.approx(0.5, rel=TOLERANCE)


def test_verification_cost_is_one_trial_on_a_server_core(compared):
    from powsim.hashcash.hardware import PROFILES
    from powsim.hashcash.rates import family_rate_hz
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
