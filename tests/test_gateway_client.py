"""``powsim client`` against a gateway served by uvicorn on loopback: every arrival of the
seeded Poisson stream is one request, every account's ledger holds exactly its requests'
queries, and the summary's figures are those of the records."""

from __future__ import annotations

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


def test_validate_server_puts_the_measured_and_the_simulated_side_by_side(served, cli, tmp_path):
    url, _ = served
    out = tmp_path / "validate.csv"
    result = cli("validate-server", SCENARIO, "--url", url, "--rates", "4,8", "--duration", "3",
                 "--queries", "4", "--replications", "5", "--prefix", "validate", "--out", out)
    assert result.code == 0, result.err
    table = pd.read_csv(out)
    assert list(table["source"]) == ["real", "simulated"] * 2 and list(table["rate_hz"]) == [4, 4, 8, 8]
    assert table["client_hash_rate_hz"].nunique() == 1
    # The shared-cores model: service on free cores, slowed by the client's share at each level.
    share = table["client_cpu_share"].to_numpy()
    assert ((share > 0) & (share < 1)).all()
    free_s = table["service_s"] * (1 - share)  # the gateway's CPU seconds per request at 4/s
    assert free_s.to_numpy() == pytest.approx(np.full(4, table["server_cpu_per_request_s"].iloc[0]),
                                              rel=1e-9)
    assert (table["server_service_s"] > 0).all() and (table["server_cpu_per_request_s"] > 0).all()
    for rate in (4, 8):
        real, simulated = (table[(table["rate_hz"] == rate) & (table["source"] == s)].iloc[0]
                           for s in ("real", "simulated"))
        for name in ("throughput", "latency_p50", "latency_p95"):
            column = "throughput_hz" if name == "throughput" else f"{name}_s"
            assert simulated[f"{name}_error"] == pytest.approx(simulated[column] / real[column] - 1)
            assert simulated[f"{name}_lo"] <= simulated[column] <= simulated[f"{name}_hi"]
        # Arrivals end at 3 s and nothing is lost: the simulated throughput is the Poisson count
        # of 3 s over 3 s, rate +- 4 sd of its mean over 5 replications (sd sqrt(rate / 3 / 5)).
        assert abs(simulated["throughput_hz"] - rate) < 4 * (rate / 15) ** 0.5
        assert real["connect_rate"] == simulated["connect_rate"] == 1.0
