"""``powsim client`` against a gateway served by uvicorn on loopback: every arrival of the
seeded Poisson stream is one request, every account's ledger holds exactly its requests'
queries, and the summary's figures are those of the records."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from powsim.gateway.app import create_app
from powsim.gateway.client import Load, arrivals, summary
from powsim.gateway.serve import GatewayConfig, build_gateway
from gatewaykit import OVERRIDES, SCENARIO, SETUP, serving


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    gateway = build_gateway(GatewayConfig(SCENARIO, setup=SETUP, overrides=OVERRIDES,
                                          cache=str(tmp_path_factory.mktemp("models"))))
    with serving(create_app(gateway)) as url:
        yield url, gateway


def test_arrivals_are_a_bounded_seeded_poisson_stream():
    load = Load("http://x", rate_hz=50.0, requests=4000, duration_s=60.0, seed=1)
    times = arrivals(load)
    assert np.array_equal(times, arrivals(load)) and (np.diff(times) > 0).all()
    # 4,000 gaps of mean 1/50 s: the sum is 80 s +- 1.3 s (sd 80/sqrt(4000)), so 60 s cuts it.
    assert times[-1] <= 60.0 and abs(len(times) - 3000) < 4 * np.sqrt(3000)
    gaps = np.diff(times)
    assert gaps.mean() == pytest.approx(1 / 50, rel=4 / np.sqrt(len(gaps)))  # 4 standard errors


def test_the_client_drives_the_gateway_and_every_ledger_adds_up(served, cli, tmp_path):
    url, gateway = served
    out = tmp_path / "load.csv"
    result = cli("client", url, "--rate", "20", "--requests", "12", "--duration", "5", "--queries", "4",
                 "--accounts", "3", "--prefix", "driven", "--out", out)
    assert result.code == 0, result.err
    records = pd.read_csv(out)
    expected = Load(url, 20.0, 12, 5.0, seed=0)
    assert np.allclose(records["arrival_s"], arrivals(expected))
    assert (records["outcome"] == "ok").all() and "connect rate 100.0 %" in result.out
    for i in range(3):
        asked = (records["account"] == f"driven-{i}").sum()
        assert gateway.store.ledger(f"driven-{i}").queries == 4 * asked
    figures = summary(records, 5.0)
    assert figures["throughput_hz"] == len(records) / 5.0
    assert figures["latency_p50_s"] == pytest.approx(np.percentile(records["total_s"], 50))
    assert (records["total_s"] >= records["solve_s"] + records["labels_s"]).all()
    # The gateway's own figures: the labels call holds the wait for the model and its service.
    assert (records["service_s"] > 0).all() and (records["wait_s"] >= 0).all()
    assert (records["labels_s"] >= records["wait_s"] + records["service_s"]).all()


def test_the_model_serves_one_batch_at_a_time_and_times_wait_and_service(served):
    _, gateway = served
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    alone = gateway.oracle.answer(images)
    assert alone.seconds > 0 and 0 <= alone.wait_s < alone.seconds
    start = threading.Barrier(8)

    def ask(_: int):
        start.wait()
        return gateway.oracle.answer(images)

    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(8)))
    wall_s = time.perf_counter() - began
    # Services (each hand-over counted once, in the batch that waited for it) are disjoint
    # spans of the model's time: they fit in the wall time. Eight asked at once: the last
    # one served waited at least for a whole service before it.
    assert sum(a.seconds for a in answers) <= wall_s
    assert max(a.wait_s for a in answers) >= min(a.seconds for a in answers)


def test_validate_server_puts_the_measured_and_the_simulated_side_by_side(served, cli, tmp_path):
    url, _ = served
    out = tmp_path / "validate.csv"
    result = cli("validate-server", SCENARIO, "--url", url, "--rates", "4,8", "--duration", "3",
                 "--queries", "4", "--replications", "5", "--prefix", "validate", "--probe", "2",
                 "--out", out)
    assert result.code == 0, result.err
    table = pd.read_csv(out)
    sources = ["real", "simulated", "trace-driven"]
    assert list(table["source"]) == sources * 2 and list(table["rate_hz"]) == [4] * 3 + [8] * 3
    assert table["client_hash_rate_hz"].nunique() == 1 and table["outside_p50_s"].nunique() == 1
    # Level i replays the client's seeded stream of seed i: the same arrivals in every row.
    for i, rate in enumerate((4, 8)):
        expected = len(arrivals(Load(url, rate, 100, 3.0, seed=i)))
        assert (table.loc[table["rate_hz"] == rate, "arrivals"] == expected).all()
    # The shared-cores model: the probe's service, slowed by the client's share at each level.
    share = table["client_cpu_share"].to_numpy()
    assert ((share > 0) & (share < 1)).all()
    quiet_s = table["service_model_s"] * (1 - share)
    assert quiet_s.to_numpy() == pytest.approx(np.full(6, quiet_s.iloc[0]), rel=1e-9)
    assert table["service_model_error"].to_numpy() == pytest.approx(
        (table["service_model_s"] / table["service_s"] - 1).to_numpy())
    assert (table["service_s"] > 0).all() and (table["server_cpu_per_request_s"] > 0).all()
    for rate in (4, 8):
        real, *simulated = (table[(table["rate_hz"] == rate) & (table["source"] == s)].iloc[0]
                            for s in sources)
        arrived = real["arrivals"]
        for row in simulated:
            for name in ("throughput", "latency_p50", "latency_p95"):
                column = "throughput_hz" if name == "throughput" else f"{name}_s"
                assert row[f"{name}_error"] == pytest.approx(row[column] / real[column] - 1)
                assert row[f"{name}_lo"] <= row[column] <= row[f"{name}_hi"]
            # Every arrival is served, from the first arrival to the last labels: fewer than
            # 3 s + the last latency, more than the span of the arrivals (under 3 s).
            assert arrived / (3 + row["latency_p95_s"] * 10) < row["throughput_hz"] < arrived / 0.5
            assert row["connect_rate"] == 1.0
        assert real["connect_rate"] == 1.0


def test_validate_server_without_a_gateway_says_so_in_one_line(cli):
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = cli("validate-server", SCENARIO, "--url", url, "--rates", "4", "--duration", "1",
                 "--probe", "1")
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{url}: no gateway's /metrics answered" in result.err
