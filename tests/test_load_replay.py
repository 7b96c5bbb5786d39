"""Replayed arrival and service times in the load kernel (what ``validate-server`` drives it
with), checked against a queue worked out by hand, and the busy-period throughput."""

from __future__ import annotations

import math

import numpy as np
import pytest

from powsim.gateway.validate import busy_throughput_hz
from powsim.hashcash.hardware import Hardware
from powsim.load.engine import LoadRun
from powsim.load.metrics import clients_frame
from powsim.model.load import DifficultyRule, LoadScenario, LoadServer, Stream

ARRIVALS_S = (0.5, 0.6, 3.0, 10.0)
SERVICES_S = (1.0, 0.2, 0.5)  # the fourth request gets the server's service_s, 2.0


def _clients(mode: str, admission: str):
    stream = Stream("replayed", 0.4, Hardware("instant", 1e12, 0.0, 0.0), timeout_s=math.inf,
                    retry="none", arrivals_s=ARRIVALS_S)  # no charge: nothing to solve
    server = LoadServer(admission=admission, workers=1, service_s=2.0, service="exponential",
                        service_times_s=SERVICES_S)
    scenario = LoadScenario(server, DifficultyRule(), (stream,), (), 100.0, 0.0)
    return clients_frame(LoadRun(scenario, mode, seed=3).run())


@pytest.mark.parametrize("mode", ["expected", "sampled"])
@pytest.mark.parametrize("admission", ["puzzle-first", "cost-first"])
def test_replayed_arrivals_and_services_give_the_hand_worked_queue(mode, admission):
    clients = _clients(mode, admission).sort_values("first_s")
    # One FIFO server: departures 0.5+1.0 = 1.5, then max(0.6, 1.5)+0.2 = 1.7, then
    # 3.0+0.5 = 3.5, then 10.0+2.0 = 12.0 (the replayed times spent, the mean after them; no
    # exponential draw, even sampled).
    assert clients["first_s"].tolist() == pytest.approx(ARRIVALS_S, abs=1e-12)
    assert clients["ttc_s"].tolist() == pytest.approx([1.0, 1.1, 0.5, 2.0], abs=1e-12)
    assert clients["wait_s"].tolist() == pytest.approx([0.0, 0.9, 0.0, 0.0], abs=1e-12)


def test_busy_throughput_is_served_requests_over_first_arrival_to_last_completion():
    # Three requests arriving at 1, 2, 3 s, done at 2.5, 3.5 and 5 s: 3 over 4 s.
    assert busy_throughput_hz(np.array([1.0, 2.0, 3.0]), np.array([2.5, 3.5, 5.0])) == 0.75
    # A backlog: 10 arrivals in the first second, served one a second: the service rate,
    # 10 over 10 s, not the arrival rate.
    done = 1.0 + np.arange(10.0)
    assert busy_throughput_hz(np.linspace(0, 0.9, 10), done) == pytest.approx(1.0)
    assert busy_throughput_hz(np.array([1.0]), np.array([])) == 0.0
