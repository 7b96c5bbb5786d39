"""Each example's header states a result; run the example as its header says and check it.

The figures quoted in the headers are expected-mode (deterministic) outputs; the checks
below allow for rounding in the prose, and for the variants a header mentions ("set
link_probability = 0.0", "with workers = 2") they run the edited scenario. Where a header
explains its result by a law (the composed epsilon, an unchanged diff, the same hashes per
query) the check computes that law independently. The load examples (capacity under attack,
Tor) are checked by the test files named in ``CHECKED_ELSEWHERE``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from powsim.sim.run import prepare
from powsim.model.parse import load_scenario
from powsim.traces.pate import composed_epsilon

EXAMPLES = REPO / "examples"


def simulate(cli, tmp_path: Path, name: str, edit: tuple[str, str] | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the example's header command (edited by ``edit`` = (old, new)); (summary, events)."""
    text = (EXAMPLES / name).read_text()
    command = re.search(r"#\s+(powsim simulate \S+ --out \S+.*)", text).group(1).split()
    assert command[2] == f"examples/{name}" and "--mode" not in command, command
    if edit is not None:
        assert edit[0] in text, edit
        text = text.replace(*edit)
    scenario = tmp_path / name
    scenario.parent.mkdir(parents=True, exist_ok=True)
    scenario.write_text(text.replace('"../traces/', f'"{REPO}/traces/'))
    result = cli("simulate", scenario, "--out", tmp_path / "out")
    assert result.code == 0, result.err
    return (pd.read_csv(tmp_path / "out" / "summary.csv").set_index("agent"),
            pd.read_parquet(tmp_path / "out" / "events.parquet"))


def test_every_example_has_a_result_in_its_header_and_a_check():
    names = sorted(path.name for path in EXAMPLES.glob("*.toml"))
    assert names == sorted(CHECKED + list(CHECKED_ELSEWHERE))
    for test_file in set(CHECKED_ELSEWHERE.values()):
        assert (REPO / "tests" / test_file).is_file(), test_file
    for name in names:
        header = "".join(line for line in (EXAMPLES / name).read_text().splitlines(True)
                         if line.startswith("#"))
        assert "Result" in header, name
        assert "issue" not in header.lower(), name


def test_adaptive(cli, tmp_path):
    summary, events = simulate(cli, tmp_path, "adaptive.toml")
    plain = summary.loc["plain", "hashes"]
    assert plain / summary.loc["cover-worstcase", "hashes"] == pytest.approx(16, rel=0.05)
    assert summary.loc["cover-standard", "hashes"] / plain == pytest.approx(2.8, rel=0.05)
    assert events.loc[events["agent"] == "cover-worstcase", "cover"].any()
    # The diff each attacker ends its own (non-cover) batches on, against the reference fit.
    scenario = load_scenario(EXAMPLES / "adaptive.toml")
    reference = prepare(scenario).policy.reference
    attack = events[~events["cover"]]
    diff = (attack["account_cost"] - reference.expected_cost(attack["account_queries"])
            ).groupby(attack["agent"]).last()
    max_diff = {agent.name: agent.max_diff for agent in scenario.agents[1:]}
    assert diff["cover-standard"] == pytest.approx(diff["plain"], rel=0.05)
    assert diff["cover-standard"] > 10 * max_diff["cover-standard"]
    assert diff["cover-worstcase"] < max_diff["cover-worstcase"]
    cover_paid = events[events["cover"]].groupby("agent")["trials"].sum()["cover-standard"]
    assert summary.loc["cover-standard", "hashes"] - cover_paid == pytest.approx(plain, rel=0.1)


def test_rdp(cli, tmp_path):
    summary, events = simulate(cli, tmp_path, "rdp.toml")
    # Each account's cost is the RDP-composed epsilon of its whole trace, composed here by
    # the PATE module from the trace's logq.
    final = events.groupby("agent")["account_cost"].last()
    for agent in load_scenario(EXAMPLES / "rdp.toml").agents:
        metadata = agent.trace.metadata
        composed, _ = composed_epsilon(agent.trace.data["logq"].to_numpy(), metadata.sigma,
                                       metadata.delta)
        assert final[agent.name] == pytest.approx(composed, rel=1e-9)
    assert final["knockoff"] / final["user"] == pytest.approx(45 / 21, rel=0.02)
    assert summary.loc["knockoff", "hashes"] > 700 * summary.loc["user", "hashes"]
    assert summary.loc["user", "overhead"] < 1.6
    paper_a, _ = simulate(cli, tmp_path / "paper-a", "rdp.toml", ("a = 1.5", "a = 1.0075"))
    assert paper_a.loc["knockoff", "hashes"] == paper_a.loc["user", "hashes"]


def test_sybil_vs_group(cli, tmp_path):
    linked_half, _ = simulate(cli, tmp_path, "sybil-vs-group.toml")
    never, _ = simulate(cli, tmp_path / "never", "sybil-vs-group.toml",
                        ("link_probability = 0.5", "link_probability = 0.0"))
    alone = linked_half.loc["one-account"]
    assert alone["hashes"] == pytest.approx(1.7e9, rel=0.01)
    assert alone["overhead"] == pytest.approx(140, rel=0.01)
    assert never.loc["ring", "hashes"] < 0.04 * alone["hashes"]
    assert linked_half.loc["ring", "hashes"] / alone["hashes"] == pytest.approx(0.53, abs=0.03)


def test_quickstart(cli, tmp_path):
    summary, _ = simulate(cli, tmp_path, "quickstart.toml")
    users, ring = summary.loc["legit-1"], summary.loc["sybil-2"]
    assert (users["members"], users["accounts"], ring["members"], ring["accounts"]) == (100, 100, 1, 100)
    assert users["overhead"] == pytest.approx(1.5, abs=0.05)
    assert 1 <= ring["overhead"] < 1.01
    # Every account stays near the reference: each 64-query puzzle is ~1 s per 1000 queries
    # at a = 1.0075, 2^16 trials of the 1 MH/s reference client (the last, of 8 queries, 2^13).
    per_trace = 78 * 2**16 + 2**13
    assert users["hashes"] == 100 * per_trace and ring["hashes"] == per_trace
    assert ring["hashes"] / ring["queries"] == users["hashes"] / users["queries"]


def test_colluders(cli, tmp_path):
    summary, _ = simulate(cli, tmp_path, "colluders.toml")
    alone, gang = summary.loc["alone"], summary.loc["gang"]
    assert gang["queries"] == alone["queries"] and gang["accounts"] == 8
    assert alone["wall_s"] == pytest.approx(2437, rel=0.001)
    assert gang["wall_s"] == pytest.approx(4, rel=0.05)
    assert gang["hashes"] < 0.01 * alone["hashes"]


def test_capacity(cli, tmp_path):
    _, four = simulate(cli, tmp_path, "capacity.toml")
    _, two = simulate(cli, tmp_path / "two", "capacity.toml", ("workers = 4", "workers = 2"))
    assert (four["queue_s"] > 1e-9).mean() > 0.5
    assert four["queue_s"].mean() == pytest.approx(7.5, abs=0.1)
    assert two["queue_s"].mean() == pytest.approx(29, abs=0.5)


def test_puzzles_vs_gpu(cli, tmp_path):
    text = (EXAMPLES / "puzzles-vs-gpu.toml").read_text()
    command = re.search(r"#\s+powsim (puzzles compare \S+) --out \S+", text).group(1).split()
    assert command[2] == "examples/puzzles-vs-gpu.toml", command
    result = cli(*command[:2], EXAMPLES / "puzzles-vs-gpu.toml", "--out", tmp_path)
    assert result.code == 0, result.err
    table = pd.read_csv(tmp_path / "puzzles.csv").set_index(["puzzle", "attacker_hardware"])
    gpu = table.xs("gpu", level="attacker_hardware")
    # A GPU hashes ~31,000x faster than a laptop core under SHA-256, ~230x under Argon2id, ~2,000x scrypt.
    assert gpu.loc["sha256", "hash_gap"] == pytest.approx(31_000, rel=0.05)
    assert gpu.loc["argon2id", "hash_gap"] == pytest.approx(230, rel=0.05)
    assert gpu.loc["scrypt", "hash_gap"] == pytest.approx(2_000, rel=0.05)
    # ... so, the users' median overhead the same (1.29), the GPU ring's bill is ~70x its
    # SHA-256 bill under Argon2id, ~7x under scrypt; a laptop attacker's is about half.
    assert (table["users_overhead_median"] - 1).between(0.29 * 0.98, 0.29 * 1.02).all()
    assert gpu.loc["argon2id", "attacker_usd_vs_sha256"] == pytest.approx(70, rel=0.1)
    assert gpu.loc["scrypt", "attacker_usd_vs_sha256"] == pytest.approx(7.4, rel=0.1)
    laptop = table.xs("laptop-cpu", level="attacker_hardware")["attacker_usd_vs_sha256"]
    assert laptop.drop("sha256").between(0.4, 0.6).all()


CHECKED = ["adaptive.toml", "rdp.toml", "sybil-vs-group.toml", "quickstart.toml",
           "colluders.toml", "capacity.toml", "puzzles-vs-gpu.toml"]
CHECKED_ELSEWHERE = {"capacity-under-attack.toml": "test_load_capacity.py",
                     "tor-small-botnet.toml": "test_load_tor.py",
                     "tor-large-botnet.toml": "test_load_tor.py",
                     "tor-precomputed.toml": "test_load_tor.py",
                     "sybil-botnet-under-load.toml": "test_load_sessions.py",
                     "what-if-a.toml": "test_population.py"}
