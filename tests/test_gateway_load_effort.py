"""The scenario's load rule on the real gateway, on a fake clock, by hand-worked values.

Laws: the gateway publishes the rule's effort at its start and at every ``update_s`` of its
clock, from the window of the period that ended (handled, trimmed, still queued; the same
:mod:`~powsim.difficulty.load_rules` as the load kernel); a challenge's bits are the account
charge and the published effort combined (max or sum, in hashes) in whole bits on the
reference client.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from starlette.testclient import TestClient

from powsim.difficulty.load_rules import RULES, Window, make_rule
from powsim.gateway.app import Gateway, Limits, create_app
from powsim.gateway.clock import SteadyClock
from powsim.gateway.load_effort import LoadEffort
from powsim.gateway.oracle import Answer
from powsim.gateway.pricing import scenario_pricing
from powsim.gateway.store import Ledger, open_store
from powsim.hashcash.solver import Solver
from powsim.model.load import DifficultyRule, LoadScenario
from powsim.model.overrides import parse_override
from powsim.model.read import read_scenario
from gatewaykit import REPO, solved_body

TRACE = REPO / "traces" / "bundled" / "fmnist-standard.parquet"
SCENARIO = f"""
[defense]
policy = "paper"
reference = "{TRACE}"
reference_hash_rate = 1000.0
queries_per_puzzle = 64

[server]
workers = 1
inference_s = 4.0
service = "exponential"

[difficulty]
rule = "tor-v3"
update_s = 10.0
min_effort = 64.0
combine = "max"

[load]
duration_s = 60.0

[[agents]]
kind = "stream"
name = "users"
rate_hz = 0.1
queries = 4
trace = "{TRACE}"
"""


class FakeWall:
    """A wall clock the test sets (seconds)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_published_effort_is_the_rule_on_each_period_window():
    wall = FakeWall(100.0)
    load = LoadEffort(DifficultyRule("tor-v3", 10.0, 1000.0, "max"), 2.0, SteadyClock(wall))
    assert load.effort() == 1000.0  # at start: v3 on an empty window, 0 / 20, raised to the floor
    wall.now = 101.0
    for _ in range(3):
        load.enter(4096.0)
    load.handled(4096.0)
    load.handled(4096.0)
    wall.now = 105.0
    load.trimmed(65536.0)
    assert load.effort() == 1000.0  # nothing published before the period ends
    wall.now = 110.0
    # work received: trimmed 65536 + handled 2 x 4096 + queued 4096 = 77824 over a capacity of
    # 2 /s x 10 s = 20 requests
    assert load.effort() == pytest.approx(77824 / 20, rel=1e-15)
    assert load.combined(1024.0, load.effort()) == pytest.approx(3891.2, rel=1e-15)
    wall.now = 1000.0  # 89 idle periods: the one request still queued, 4096 / 20 < the floor
    assert load.effort() == 1000.0
    wall.now = 1005.0
    load.enter(2.0**20)
    load.handled(2.0**20)
    wall.now = 1009.999
    assert load.effort() == 1000.0  # the period started at 1000 ends at 1010
    wall.now = 1010.0
    assert load.effort() == pytest.approx((2.0**20 + 4096) / 20, rel=1e-15)
    sums = LoadEffort(DifficultyRule("tor-v3", 10.0, 1000.0, "sum"), 2.0, SteadyClock(wall))
    assert sums.combined(1024.0, sums.effort()) == 2024.0


def test_a_broken_clock_publishes_nothing_and_files_nothing():
    wall = FakeWall(math.nan)
    load = LoadEffort(DifficultyRule("tor-v3", 10.0, 5.0, "max"), 1.0, SteadyClock(wall))
    assert load.effort() == 0.0  # nothing published yet
    load.trimmed(1e9)
    wall.now = 50.0
    assert load.effort() == 5.0  # the first finite reading starts the periods, on an empty window


@pytest.mark.parametrize("name", sorted(RULES))
def test_an_empty_window_after_an_empty_one_changes_no_rule(name):
    """What lets :class:`LoadEffort` skip idle periods instead of replaying them."""
    rule = make_rule(name, 100.0)
    rule.update(Window(10.0, Counter({5000.0: 3}), Counter({200.0: 4}), 300.0))
    first = rule.update(Window(10.0, queued=300.0))
    assert [rule.update(Window(10.0, queued=300.0)) for _ in range(3)] == [first] * 3


class StubOracle:
    """Labels 0 at a fixed privacy cost per query (the model is not what is tested here)."""

    def answer(self, images: np.ndarray) -> Answer:
        n = len(images)
        return Answer(np.zeros(n, np.int64), np.zeros((n, 10), np.int64), np.full(n, 0.01), 0.001)


def gateway_on(tmp_path, wall: FakeWall, *overrides: str) -> Gateway:
    path = tmp_path / "gateway-load.toml"
    path.write_text(SCENARIO)
    scenario = read_scenario(path, [parse_override(text) for text in overrides])
    assert isinstance(scenario, LoadScenario)
    return Gateway(scenario_pricing(scenario), StubOracle(), open_store("memory"),
                   Limits(max_queries=8), SteadyClock(wall), scenario.difficulty,
                   scenario.server.capacity_hz)


def test_challenges_pay_the_account_charge_and_the_load_effort_combined(tmp_path):
    wall = FakeWall(1000.0)
    gateway = gateway_on(tmp_path, wall)
    account_bits = gateway.pricing.price(Ledger(), 4).bits
    assert account_bits < 6  # a fresh account pays less than the floor's 2^6 = 64 hashes
    with TestClient(create_app(gateway)) as client, Solver(1) as solver:
        first = client.post("/challenge", json={"account": "a", "queries": 4}).json()
        assert (first["bits"], first["account_bits"], first["load_effort"]) == (6, account_bits, 64.0)
        pixels = np.zeros((4, 28, 28), np.uint8)
        for account in ("a", "b", "c"):  # three requests of 2^6 hashes handled
            challenge = first if account == "a" else client.post(
                "/challenge", json={"account": account, "queries": 4}).json()
            assert client.post("/labels", json=solved_body(challenge, pixels, solver)).status_code == 200
        wall.now = 1010.0
        # v3: 3 x 64 hashes over 1 / 4 s x 10 s = 2.5 requests: 76.8 hashes, log2 6.26 -> 6 bits
        second = client.post("/challenge", json={"account": "d", "queries": 4}).json()
        assert second["load_effort"] == pytest.approx(3 * 64 / 2.5, rel=1e-15)
        assert second["bits"] == 6
        assert b"powsim_gateway_load_effort_hashes 76.8" in client.get("/metrics").content


def test_combine_sum_adds_the_charge_in_hashes(tmp_path):
    wall = FakeWall(1000.0)
    gateway = gateway_on(tmp_path, wall, "difficulty.combine=sum", "difficulty.min_effort=100")
    account_bits = gateway.pricing.price(Ledger(), 4).bits
    with TestClient(create_app(gateway)) as client:
        answer = client.post("/challenge", json={"account": "a", "queries": 4}).json()
    expected = math.floor(math.log2(2.0**account_bits + 100) + 0.5)
    assert answer["bits"] == expected and answer["load_effort"] == 100.0


def test_a_full_queue_trims_only_challenges_this_gateway_signed(tmp_path):
    wall = FakeWall(1000.0)
    gateway = gateway_on(tmp_path, wall)
    with TestClient(create_app(gateway)) as client, Solver(1) as solver:
        challenge = client.post("/challenge", json={"account": "a", "queries": 4}).json()
        body = solved_body(challenge, np.zeros((4, 28, 28), np.uint8), solver)
        forged = bytearray.fromhex(body["challenge"])
        forged[1] = 40  # the bits byte: a forged 2^40 would push v3 up if counted
        gateway._waiting = gateway.limits.max_queue
        for sent in (body, {**body, "challenge": forged.hex()}):
            answer = client.post("/labels", json=sent)
            assert (answer.status_code, answer.json()["reason"]) == (503, "busy")
        gateway._waiting = 0
    assert gateway.load.window.trimmed == Counter({2.0 ** challenge["bits"]: 1})
    assert gateway.hashcash.authentic(bytes(forged)) is None
