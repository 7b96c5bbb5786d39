"""Two gateway processes on one Redis (Debian's redis-server, started here on a free
loopback port): a solution redeemed on one is refused by the other, challenges issued by one
verify on the other (the signing secret is shared through Redis), and an account's ledger
survives a gateway restart. Without redis-server this fails in CI (``CI`` set) and skips
elsewhere, saying why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from powsim.gateway.oracle import Oracle
from powsim.hashcash.solver import Solver
from gatewaykit import OVERRIDES, SCENARIO, SETUP, SETUP_OPTIONS, free_port, solved_body
from programs import require

START_S = 120.0  # a gateway imports torch and loads Fashion-MNIST: seconds on a busy machine


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = require("redis-server")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    Oracle(SETUP, folder, 10.0, 1e-5)  # train once, so the gateways only load
    return folder


class Gateway:
    """A ``powsim serve`` process on a free port."""

    def __init__(self, store: str, cache) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "powsim.cli", "serve", SCENARIO, "--port", str(self.port),
                   "--store", store, "--cache", str(cache), *SETUP_OPTIONS,
                   *(arg for o in OVERRIDES for arg in ("--set", o))]
        self.process = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + START_S
        while True:
            try:
                httpx.get(self.url + "/metrics", timeout=1.0).raise_for_status()
                return
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"gateway did not start: {self.process.stderr.read()[-2000:]}")
                time.sleep(0.25)

    def post(self, path: str, body: dict) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=30.0)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def test_two_gateways_share_replays_and_ledgers_on_redis(redis_url, cache):
    first, second = Gateway(redis_url, cache), Gateway(redis_url, cache)
    batch = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    try:
        with Solver(1) as solver:
            challenge = first.post("/challenge", {"account": "ivan", "queries": 2}).json()
            body = solved_body(challenge, batch, solver)
            served = first.post("/labels", body)
            assert served.status_code == 200, served.text
            refused = second.post("/labels", body)
            assert (refused.status_code, refused.json()["reason"]) == (409, "replay")

            issued_by_first = first.post("/challenge", {"account": "ivan", "queries": 2}).json()
            on_second = second.post("/labels", solved_body(issued_by_first, batch, solver)).json()
            ledger = on_second["ledger"]
            assert ledger["queries"] == 4  # charged on the first gateway, then on the second
            assert ledger["cost"] == pytest.approx(2 * served.json()["batch_cost"], rel=1e-12)

            first.stop()
            first = Gateway(redis_url, cache)
            again = first.post("/challenge", {"account": "ivan", "queries": 2}).json()
            after = first.post("/labels", solved_body(again, batch, solver)).json()["ledger"]
            assert after["queries"] == 6
            assert after["cost"] == pytest.approx(3 * served.json()["batch_cost"], rel=1e-12)
    finally:
        first.stop()
        second.stop()


def test_several_workers_need_a_shared_store(cli):
    result = cli("serve", SCENARIO, "--workers", "2")
    assert result.code == 2 and "expected a redis:// store" in result.err


def test_a_store_or_scenario_the_gateway_cannot_serve_is_one_line(cli):
    unreachable = cli("serve", SCENARIO, "--store", f"redis://127.0.0.1:{free_port()}/0")
    assert unreachable.code == 2 and "cannot reach Redis" in unreachable.err
    bogus = cli("serve", SCENARIO, "--store", "postgres://x")
    assert bogus.code == 2 and "expected 'memory' or redis://" in bogus.err
    rdp = cli("serve", str(Path(SCENARIO).with_name("rdp.toml")))
    assert rdp.code == 2 and "expected an additive policy" in rdp.err
    assert all(len(r.err.strip().splitlines()) == 1 for r in (unreachable, bogus, rdp))
