"""The measured browser profile: a built-in hardware profile that scenarios can name."""

from __future__ import annotations

import pytest

from powsim.hashcash.hardware import hardware_profile
from powsim.model.read import read_scenario
from gatewaykit import REPO
from test_gateway_load_effort import SCENARIO

QUICKSTART = REPO / "examples" / "quickstart.toml"


def test_browser_measured_is_the_measured_rate():
    profile = hardware_profile("browser-measured")
    assert profile.hash_rate_hz == 206_109.0  # benchmarks/bench_gateway.py, Chromium 156, 2 workers
    assert profile.hash_rate_hz < hardware_profile("browser").hash_rate_hz


@pytest.mark.parametrize("kind", ["stream", "sessions"])
def test_a_load_scenario_can_name_it(tmp_path, kind):
    path = tmp_path / "scenario.toml"
    text = SCENARIO.replace('kind = "stream"', f'kind = "{kind}"').replace(
        'name = "users"', 'name = "users"\nhardware = "browser-measured"')
    if kind == "sessions":
        text = text.replace("rate_hz = 0.1", "rate_hz = 0.1\naccounts = 2\nrequests = 2\nrole = \"legit\"")
    path.write_text(text)
    scenario = read_scenario(path)
    agent = (scenario.streams or scenario.sessions)[0]
    assert agent.hardware.name == "browser-measured"
    assert agent.hardware.hash_rate_hz == 206_109.0


def test_a_per_account_scenario_can_name_it(tmp_path):
    text = QUICKSTART.read_text().replace('hardware = "laptop-cpu"', 'hardware = "browser-measured"')
    path = tmp_path / "quickstart-browser.toml"
    path.write_text(text.replace('"../traces/', f'"{REPO}/traces/'))
    scenario = read_scenario(path)
    assert scenario.agents[0].hardware.name == "browser-measured"
