"""Each example, run on the bundled traces it names, shows the figure its header promises.

Expected mode (no randomness), one run each; a second run with one setting changed where
the header's point is a comparison.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from powsim.sim.replicate import replicate
from powsim.sim.run import prepare
from powsim.sim.scenario import Scenario, load_scenario
from powsim.sim.server.server import SIGNUP
from powsim.traces.pate import composed_epsilon

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example(name: str) -> Scenario:
    return load_scenario(EXAMPLES / f"{name}.toml")


def simulate(scenario: Scenario, mode: str = "expected", replications: int = 1
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    events, summary = replicate(scenario, mode, seed=0, replications=replications)
    return events, summary.set_index("agent")


def with_defense(scenario: Scenario, **changes: object) -> Scenario:
    return dataclasses.replace(scenario, defense=dataclasses.replace(scenario.defense, **changes))


def test_every_example_is_tested():
    assert sorted(p.stem for p in EXAMPLES.glob("*.toml")) == sorted(
        name[len("test_"):].replace("_", "-") for name in globals()
        if name.startswith("test_") and name != "test_every_example_is_tested")


def test_quickstart():
    # 100 users and a 100-account ring: every account stays near the reference, so every
    # 64-query batch costs ~1 s per 1000 queries at a = 1.0075, 2^16 trials of the 1 MH/s
    # reference client (the last batch of 8 queries 2^13). The ring pays per query exactly
    # what a legitimate user pays: splitting over accounts erases the defense.
    _, summary = simulate(example("quickstart"))
    users, ring = summary.iloc[0], summary.iloc[1]
    assert (users["members"], users["accounts"], ring["members"], ring["accounts"]) == (100, 100, 1, 100)
    per_trace = 78 * 2**16 + 2**13
    assert users["hashes"] == 100 * per_trace and ring["hashes"] == per_trace
    assert users["hashes"] / users["queries"] == ring["hashes"] / ring["queries"]
    assert users["overhead_p95"] < 2.0  # the paper's promise to legitimate users holds


def test_adaptive():
    # Cover queries from the standard trace cost what the reference expects per query, so
    # they leave diff = cost - E(Q) where it was: the adaptive attacker's diff stays as large
    # as the plain one's (far above its max_diff) and it pays for the cover on top.
    scenario = example("adaptive")
    events, summary = simulate(scenario)
    reference = prepare(scenario).policy.reference
    events["diff"] = events["account_cost"] - reference.expected_cost(events["account_queries"])
    attack = events[~events["cover"]]
    final = attack.groupby("agent")["diff"].last()
    sly = scenario.agents[1]
    assert events.loc[events["agent"] == "sly", "cover"].sum() > 0
    assert final["sly"] > 10 * sly.max_diff and final["sly"] == pytest.approx(final["plain"], rel=0.05)
    assert summary.loc["sly", "hashes"] > 2 * summary.loc["plain", "hashes"]


def test_colluders():
    # Eight accounts each stay 8x nearer the reference, and a^diff is exponential: the gang
    # pays far less than an eighth of the hashes, and finishes far sooner than 8x faster.
    _, summary = simulate(example("colluders"))
    alone, gang = summary.loc["alone"], summary.loc["gang"]
    assert gang["queries"] == alone["queries"] and gang["accounts"] == 8
    assert gang["hashes"] < alone["hashes"] / 100
    assert gang["wall_s"] < alone["wall_s"] / 100


def test_rdp():
    # Each account's cost is the RDP-composed epsilon of its whole trace (checked against
    # the PATE module's composition of the trace's logq): the knockoff's is twice the
    # user's, yet at a = 1.0075 that diff moves neither whole-bit puzzle, where the
    # additive metric of `paper` charges the knockoff hundreds of times more hashes.
    scenario = example("rdp")
    events, summary = simulate(scenario)
    final = events.groupby("agent")["account_cost"].last()
    for agent in scenario.agents:
        metadata = agent.trace.metadata
        composed, _ = composed_epsilon(agent.trace.data["logq"].to_numpy(), metadata.sigma, metadata.delta)
        assert final[agent.name] == pytest.approx(composed, rel=1e-9)
    assert final["knockoff"] > 2 * final["user"]
    assert summary.loc["knockoff", "hashes"] == summary.loc["user", "hashes"]
    _, paper = simulate(with_defense(scenario, policy="paper"))
    assert paper.loc["knockoff", "hashes"] > 100 * paper.loc["user", "hashes"]


def test_sybil_vs_group():
    # Unlinked, the ring's 50 accounts pay for their batches what one user would; linked
    # (group accounting), they pay exactly what the single account pays. The signup puzzles
    # (30 bits per account) are paid either way.
    scenario = example("sybil-vs-group")
    paid = {}
    for link_probability in (0.0, 1.0):
        events, _ = simulate(with_defense(scenario, link_probability=link_probability))
        batches = events[events["batch"] != SIGNUP]
        paid[link_probability] = batches.groupby("agent")["trials"].sum()
        signups = events[events["batch"] == SIGNUP]
        assert len(signups) == 50 and signups["trials"].sum() == 50 * 2.0**30
    one = paid[0.0]["one-account"]
    assert paid[1.0]["ring"] == one
    assert paid[0.0]["ring"] < one / 100


def test_capacity():
    # 500 users on 4 workers that also estimate the cost queue for seconds; 12 workers
    # bring the wait down by an order of magnitude.
    scenario = example("capacity")
    waits = {}
    for workers in (4, 12):
        server = dataclasses.replace(scenario.server, workers=workers)
        events, _ = simulate(dataclasses.replace(scenario, server=server), mode="sampled")
        waits[workers] = events["queue_s"].mean()
    assert waits[4] > 1.0 and waits[12] < waits[4] / 10
