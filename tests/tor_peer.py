"""Run Tor's effort simulator (tevador's effort_sim.py) in place from ../shared, as the peer.

The script is configured by editing its source (its README says so: the ``attack_strat``
line picks the scenario). This module does the same edits in memory, on a string read from
../shared, and runs the result in a fresh interpreter: nothing is copied into the project.
``scale`` multiplies every rate and capacity (clients per second, service capacity, top
capacity, machines; the queue follows as timeout x capacity), which leaves the v3 effort
(work over capacity) and so the time-to-connect unchanged in expectation while making the
run ``1/scale`` times cheaper; effort_sim's integer rounding of counts is coarser at small
scale, which the comparison tolerance absorbs.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from io import StringIO
from pathlib import Path

import pandas as pd

EFFORT_SIM = (Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "tor-effort-sim"
              / "effort_sim.py")
ATTACK = (150, 7350)  # the attack window of every scenario, seconds
STRATEGIES = {"sustained": "AttStratSustained", "precomputed": "AttStratPrecomputed"}
RULES = {"tor-v1": "recommend_effort1", "tor-v2": "recommend_effort2", "tor-v3": "recommend_effort3"}


@dataclass(frozen=True)
class PeerScenario:
    """One effort_sim configuration: botnet ``machines``, ``strategy``, the effort ``rule``,
    ``min_effort`` (hashes) and the ``scale`` of every rate and capacity."""

    machines: int
    strategy: str = "sustained"
    rule: str = "tor-v3"
    min_effort: float = 1000
    scale: float = 1.0


def _set(source: str, name: str, value: object) -> str:
    patched, count = re.subn(rf"^{name}=.*$", f"{name}={value}", source, flags=re.M)
    if count != 1:
        raise RuntimeError(f"{EFFORT_SIM}: constant {name} not found once (the script changed?)")
    return patched


def patched_source(scenario: PeerScenario) -> str:
    """effort_sim.py's text with ``scenario``'s edits applied."""
    source = EFFORT_SIM.read_text()
    s = scenario.scale
    source = _set(source, "SVC_BOTTOM_CAPACITY", round(180 * s))
    source = _set(source, "SVC_TOP_CAPACITY", round(3200 * s))
    source = _set(source, "MIN_EFFORT", scenario.min_effort)
    source = source.replace("return 20", f"return {round(20 * s)}")
    strategy = STRATEGIES[scenario.strategy]
    attack = f"attack_strat = {strategy}({round(scenario.machines * s)}, {ATTACK[0]}, {ATTACK[1]})"
    source, count = re.subn(r"^attack_strat = .*$", attack, source, flags=re.M)
    source = source.replace("descriptor_effort=recommend_effort3()",
                            f"descriptor_effort={RULES[scenario.rule]}()")
    if count != 1 or f"{RULES[scenario.rule]}()" not in source:
        raise RuntimeError(f"{EFFORT_SIM}: the attack_strat or rule line was not found")
    return source


def run_peer(scenario: PeerScenario) -> tuple[pd.DataFrame, float]:
    """effort_sim's per-tick output (columns tick, effort, queue, handled, ttc_s; ttc_s NaN
    where no legitimate client connected) and the run's wall seconds."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", patched_source(scenario)], capture_output=True,
                          text=True, check=True)
    wall = time.perf_counter() - start
    table = pd.read_csv(StringIO(done.stdout), sep=" ", header=None, na_values="?",
                        names=["tick", "effort", "queue", "handled", "ttc_s"])
    return table, wall


def mean_ttc(table: pd.DataFrame, window: tuple[float, float] = ATTACK) -> float:
    """Mean time-to-connect (s) of the legitimate clients connected in ``window`` (ticks
    inclusive), weighted by clients as effort_sim's per-tick means are."""
    inside = table[(table["tick"] >= window[0]) & (table["tick"] <= window[1]) & (table["handled"] > 0)]
    return float((inside["handled"] * inside["ttc_s"]).sum() / inside["handled"].sum())


def scale_scenario(scenario, scale: float):
    """A powsim load scenario with every rate and capacity times ``scale``, as :func:`patched_source`
    scales effort_sim (service capacity through the service time, queue, streams, botnets)."""
    server = replace(scenario.server, service_s=scenario.server.service_s / scale,
                     queue_capacity=round(scenario.server.queue_capacity * scale))
    return replace(scenario, server=server,
                   streams=tuple(replace(s, rate_hz=s.rate_hz * scale) for s in scenario.streams),
                   botnets=tuple(replace(b, machines=round(b.machines * scale),
                                         max_rate_hz=b.max_rate_hz * scale) for b in scenario.botnets))
