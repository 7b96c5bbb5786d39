"""The gateway in one process (Starlette's TestClient): prices, labels, costs, refusals.

Laws checked: a challenge's bits are the scenario policy's on the account's ledger; the
ledger grows by the PATE cost of the teachers' votes, recomputed here teacher by teacher;
labels are the victim's; a solution verifies once; every malformed request is a 4xx JSON
error (a hypothesis fuzz of both endpoints), never a 500.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from powsim.gateway.app import Limits, create_app
from powsim.gateway.serve import GatewayConfig, build_gateway
from powsim.hashcash.solver import Solver
from powsim.traces.pate import query_costs
from gatewaykit import OVERRIDES, SCENARIO, SETUP, images_field, solved_body

A = 2.0  # a large a, so that one batch's cost moves the next challenge's bits


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    config = GatewayConfig(SCENARIO, setup=SETUP, cache=str(tmp_path_factory.mktemp("models")),
                           limits=Limits(max_queries=16, challenges_per_window=5),
                           overrides=(*OVERRIDES, f"defense.a={A}"))
    return build_gateway(config)


@pytest.fixture(scope="module")
def client(gateway):
    with TestClient(create_app(gateway), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def solver():
    with Solver(1) as solver:
        yield solver


def images(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


def expected_target_s(gateway, queries: int, cost: float, n: int) -> float:
    """a^|C + slope n - E(Q + n)| per 1,000 queries, clipped as the policy clips it."""
    reference, parameters = gateway.pricing.policy.reference, gateway.pricing.policy.parameters
    diff = abs(cost + reference.slope * n - (reference.intercept + reference.slope * (queries + n)))
    return min(max(A**diff, parameters.min_seconds), parameters.max_seconds) * n / 1000


def test_labels_cost_and_next_price_follow_the_ledger(gateway, client, solver):
    first = client.post("/challenge", json={"account": "alice", "queries": 8}).json()
    assert first["target_s"] == pytest.approx(expected_target_s(gateway, 0, 0.0, 8), rel=1e-12)
    assert first["bits"] == round(math.log2(first["target_s"] * 1000))  # reference client 1 kH/s
    batch = images(8, seed=1)
    served = client.post("/labels", json=solved_body(first, batch, solver))
    assert served.status_code == 200, served.text
    answer = served.json()

    x = torch.from_numpy(batch.astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    teachers, victim = gateway.oracle._teachers, gateway.oracle._victim
    with torch.no_grad():
        votes = sum(torch.nn.functional.one_hot(teachers.member(t)(x).argmax(1), 10)
                    for t in range(teachers.teachers)).numpy()
        labels = victim(x).argmax(1).numpy()
    assert answer["labels"] == labels.tolist()
    costs = query_costs(votes, 10.0, 1e-5).eps  # the bundled reference's sigma and delta
    np.testing.assert_allclose(answer["cost"], costs, rtol=1e-12)
    assert answer["ledger"] == {"queries": 8, "cost": pytest.approx(costs.sum(), rel=1e-12)}

    second = client.post("/challenge", json={"account": "alice", "queries": 8}).json()
    assert second["target_s"] == pytest.approx(expected_target_s(gateway, 8, costs.sum(), 8), rel=1e-12)
    assert second["bits"] > first["bits"]  # cost above the reference is charged
    fresh = client.post("/challenge", json={"account": "bob", "queries": 8}).json()
    assert fresh["bits"] == first["bits"]  # ledgers are per account


def test_a_solution_is_redeemed_once_and_only_for_its_count_and_account(client, solver):
    challenge = client.post("/challenge", json={"account": "carol", "queries": 2}).json()
    body = solved_body(challenge, images(2, seed=2), solver)
    assert client.post("/labels", json={**body, "account": "dave"}).json()["reason"] == "account"
    assert client.post("/labels", json={**body, "images": images_field(images(3, 3))}).status_code == 422
    assert client.post("/labels", json=body).status_code == 200
    again = client.post("/labels", json=body)
    assert (again.status_code, again.json()["reason"]) == (409, "replay")
    forged = {**body, "challenge": body["challenge"][:-2] + "00"}
    assert client.post("/labels", json=forged).json()["reason"] == "tag"


def test_challenges_are_rate_limited_per_account(client):
    codes = [client.post("/challenge", json={"account": "eve", "queries": 1}).status_code
             for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2  # 5 per window
    assert client.post("/challenge", json={"account": "frank", "queries": 1}).status_code == 200


def test_a_broken_clock_issues_nothing_and_verifies_nothing(gateway, client, solver):
    challenge = client.post("/challenge", json={"account": "grace", "queries": 1}).json()
    body = solved_body(challenge, images(1, seed=4), solver)
    wall = gateway.clock._wall
    try:
        gateway.clock._wall = lambda: math.nan
        assert client.post("/challenge", json={"account": "grace", "queries": 1}).status_code == 503
        assert client.post("/labels", json=body).json()["reason"] == "expired"
        gateway.clock._wall = lambda: wall() - 3600  # a step back: the ratchet holds the latest time
        assert gateway.clock() >= challenge["expires_at_s"] - gateway.limits.ttl_s
        gateway.clock._wall = lambda: wall() + gateway.limits.ttl_s + 60  # past expiry ...
        assert client.post("/labels", json=body).json()["reason"] == "expired"
        gateway.clock._wall = wall  # ... and back: the ratchet keeps it expired
        assert client.post("/labels", json=body).json()["reason"] == "expired"
    finally:
        gateway.clock._wall = wall


def test_metrics_report_what_was_served_and_refused(gateway, client, solver):
    def value(name, **labels):
        return gateway.metrics.registry.get_sample_value(name, labels) or 0.0

    before = value("powsim_gateway_labels_served_total"), value("powsim_gateway_refusals_total", reason="replay")
    solves = value("powsim_gateway_client_solve_seconds_count")
    challenge = client.post("/challenge", json={"account": "henry", "queries": 3}).json()
    body = solved_body(challenge, images(3, seed=5), solver)
    ledger = client.post("/labels", json=body).json()["ledger"]
    client.post("/labels", json=body)
    after = value("powsim_gateway_labels_served_total"), value("powsim_gateway_refusals_total", reason="replay")
    assert (after[0] - before[0], after[1] - before[1]) == (3, 1)
    assert value("powsim_gateway_client_solve_seconds_count") == solves + 1
    assert value("powsim_gateway_account_privacy_cost_epsilon", account="henry") == ledger["cost"]
    text = client.get("/metrics").text
    assert f'powsim_gateway_account_privacy_cost_epsilon{{account="henry"}} {ledger["cost"]!r}' in text
    for name in ("verification_seconds_count", "queue_length", "challenges_issued_total"):
        assert f"powsim_gateway_{name}" in text


def test_bad_requests_get_a_4xx_json_error(client):
    big = {"account": "x", "queries": 1, "pad": "a" * 10_000}
    cases = [("/challenge", b"not json"), ("/challenge", b"[1]"), ("/challenge", b'{"account": "x"}'),
             ("/challenge", b'{"account": "x", "queries": 17}'),
             ("/challenge", b'{"account": "no spaces", "queries": 1}'),
             ("/challenge", b'{"account": "x", "queries": true}'), ("/labels", b"{}"),
             ("/labels", b'{"account": "x", "challenge": "zz", "nonce": "00", "images": {}}')]
    for path, body in cases:
        response = client.post(path, content=body)
        assert 400 <= response.status_code < 500 and response.json()["error"], (path, body)
    assert client.post("/challenge", json=big).status_code == 413
    assert client.get("/labels").status_code == 405 and client.get("/nope").json()["reason"] == "http"


def labels_body(n: int, shape: list, dtype: str, data: str) -> dict:
    return {"account": "fuzz", "challenge": "00" * 160, "nonce": "00" * 8,
            "images": {"dtype": dtype, "shape": shape, "data": data}}


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=12)
fields = st.dictionaries(st.sampled_from(["account", "queries", "challenge", "nonce", "images", "solve_s"]),
                         json_values, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/challenge", "/labels"]), body=fields | json_values,
       raw=st.none() | st.binary(max_size=64))
def test_fuzzed_requests_are_never_a_server_error(client, path, body, raw):
    content = raw if raw is not None else json.dumps(body).encode()  # NaN and Infinity too
    response = client.post(path, content=content)
    assert response.status_code < 500 or response.json()["reason"] in ("clock", "busy")
    assert "error" in response.json() or response.status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=st.lists(st.integers(-2, 40), min_size=0, max_size=4),
       dtype=st.sampled_from(["uint8", "float32", "int64", ""]),
       data=st.text(alphabet="AB=/+-x", max_size=40))
def test_fuzzed_images_are_refused_with_422(client, shape, dtype, data):
    response = client.post("/labels", json=labels_body(1, shape, dtype, data))
    assert response.status_code in (400, 422) and response.json()["error"]
