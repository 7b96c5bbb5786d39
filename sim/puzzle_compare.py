"""Which puzzle family closes the GPU gap: one scenario run once per family and attacker device.

For each registered family (from the scenario's parameters for its own family, the
family's defaults for the others) the defense is tuned for the legitimate users' device under that
family (``reference_hash_rate`` = that device's rate for the family, times
``difficulty_scale``): the scale, and where no scale is enough lighter parameters, are
chosen (:func:`~powsim.sim.puzzle_match.matched`) so the legitimate users' median overhead
is SHA-256's within 1 % of its PoW part, since under a slow family the smallest puzzles
round to 0 bits and still cost one trial. Every non-legit agent is
then placed on each attacker device in turn. Runs are in expected mode (each puzzle takes
its expected 2^k trials), which is deterministic: the comparison is of the families, not of
luck.

Columns (one row per family and attacker device):
``puzzle``, ``parameters``, ``memory_kib`` (per trial), ``difficulty_scale`` (the defense is
tuned for users this many times as fast as they are: every difficulty log2 of it higher),
``attacker_hardware``,
``users_overhead_median`` (the legitimate members' median time multiplier),
``attacker_overhead`` (the attackers' time with PoW over without: the seconds multiplier),
``attacker_usd`` (their hashing bill), ``attacker_usd_vs_sha256`` (that bill over the same
device's under SHA-256: the dollars multiplier), ``hash_gap`` (trials/s of the attacker's
device over the users' device under the family: how much cheaper its hash is),
``verify_ms`` (server CPU milliseconds per verified solution, one ``server-cpu`` core) and
``server_cores_per_kilo_flood`` / ``server_mib_per_kilo_flood`` (cores and memory kept
busy by a flood of 1,000 bogus solutions per second, each verified with one trial).
"""

from __future__ import annotations

import math
import os

import altair as alt
import pandas as pd

from powsim import progress as bars
from powsim.errors import InputError
from powsim.hashcash.hardware import PROFILES
from powsim.hashcash.families import FAMILIES, Puzzle, Sha256, puzzle as make_puzzle
from powsim.sim.puzzle_match import matched
from powsim.hashcash.rates import family_rate_hz
from powsim.sim.replicate import replicate
from powsim.model.parse import PUZZLE_KEYS, load_scenario
from powsim.model.scenario import Scenario

ATTACKER_HARDWARE = ("laptop-cpu", "server-cpu", "gpu")
FLOOD_HZ = 1000.0  # bogus solutions per second in the flood column
COLUMNS = ["puzzle", "parameters", "memory_kib", "difficulty_scale", "attacker_hardware", "users_overhead_median",
           "attacker_overhead", "attacker_usd", "attacker_usd_vs_sha256", "hash_gap", "verify_ms",
           "server_cores_per_kilo_flood", "server_mib_per_kilo_flood"]


def _variant(data: dict, puzzle: Puzzle, users_hardware: str, attacker_hardware: str, scale: float) -> dict:
    """The scenario's TOML with ``puzzle``, tuned for ``users_hardware`` ``scale`` times as fast,
    attackers on ``attacker_hardware``."""
    defense = {key: value for key, value in data["defense"].items() if key not in PUZZLE_KEYS}
    defense.update(puzzle=puzzle.name, **puzzle.parameters(),
                   reference_hash_rate=scale * family_rate_hz(PROFILES[users_hardware], puzzle))
    agents = [entry if entry.get("kind") == "legit" else {**entry, "hardware": attacker_hardware}
              for entry in data["agents"]]
    return {**data, "defense": defense, "agents": agents}


def _puzzles(scenario: Scenario) -> list[Puzzle]:
    """Every family: the scenario's own at its parameters, the others at their defaults
    (the starting points of :func:`~powsim.sim.puzzle_match.matched`)."""
    own = scenario.defense.puzzle
    return [own if name == own.name else make_puzzle(name) for name in FAMILIES]


def compare(path: str | os.PathLike[str], progress: bool = False) -> pd.DataFrame:
    """The comparison table (:data:`COLUMNS`) of the scenario at ``path`` (with ``progress``,
    a bar of the families)."""
    base = load_scenario(path)
    users = next((agent.hardware.name for agent in base.agents if agent.kind == "legit"), None)
    if users not in PROFILES:
        raise InputError(f"{path}: [[agents]]: no kind = \"legit\" entry on a built-in hardware profile, "
                         f"expected the users to tune for ({', '.join(PROFILES)})")

    def run(puzzle: Puzzle, device: str, scale: float) -> pd.DataFrame:
        scenario = load_scenario(path, edit=lambda data: _variant(data, puzzle, users, device, scale))
        return replicate(scenario, "expected", 0)[1].set_index("agent")

    def users_median(puzzle: Puzzle, scale: float) -> float:
        summary = run(puzzle, users, scale)
        return float(summary.loc[summary["kind"] == "legit", "overhead_median"].median())

    def span_log2(puzzle: Puzzle) -> float:
        return math.log2(PROFILES[users].hash_rate_hz / family_rate_hz(PROFILES[users], puzzle))

    target = users_median(Sha256(), 1.0)
    rows = []
    families = _puzzles(base)
    with bars.bar(len(families), "puzzles compare", "family", enabled=progress) as bar:
        for given in families:
            puzzle, scale, _ = (given, 1.0, target) if isinstance(given, Sha256) else matched(
                given, users_median, target, span_log2)
            server_rate = family_rate_hz(PROFILES["server-cpu"], puzzle)
            for device in ATTACKER_HARDWARE:
                summary = run(puzzle, device, scale)
                legit = summary["kind"] == "legit"
                attackers = summary[~legit]
                time_s = attackers["time_s"].sum()
                rows.append({
                    "puzzle": puzzle.name, "parameters": puzzle.describe(), "memory_kib": puzzle.memory_bytes / 1024,
                    "difficulty_scale": scale, "attacker_hardware": device,
                    "users_overhead_median": float(summary.loc[legit, "overhead_median"].median()),
                    "attacker_overhead": float(attackers["time_pow_s"].sum() / time_s),
                    "attacker_usd": float(attackers["dollars"].sum()),
                    "hash_gap": family_rate_hz(PROFILES[device], puzzle) / family_rate_hz(PROFILES[users], puzzle),
                    "verify_ms": 1000.0 / server_rate,
                    "server_cores_per_kilo_flood": FLOOD_HZ / server_rate,
                    "server_mib_per_kilo_flood": FLOOD_HZ / server_rate * puzzle.memory_bytes / 2**20,
                })
                bar.update()
    table = pd.DataFrame(rows)
    sha = table[table["puzzle"] == Sha256.name].set_index("attacker_hardware")["attacker_usd"]
    table["attacker_usd_vs_sha256"] = table["attacker_usd"] / table["attacker_hardware"].map(sha)
    return table[COLUMNS]


def comparison_chart(table: pd.DataFrame, provenance: dict[str, object]) -> alt.Chart:
    """The attackers' hashing bill (US dollars, log scale) per family, one colour per attacker device."""
    subtitle = f"{provenance.get('command')} ({provenance.get('created')})"
    return alt.Chart(table).mark_point(filled=True, size=120).encode(
        x=alt.X("puzzle:N", title="puzzle family"),
        xOffset=alt.XOffset("attacker_hardware:N"),
        # one notation on the whole axis (vega's default mixes 0.00002 with 2e-7)
        y=alt.Y("attacker_usd:Q", scale=alt.Scale(type="log"), title="attackers' hashing bill (US$)",
                axis=alt.Axis(format=".0e")),
        color=alt.Color("attacker_hardware:N", title="attacker device"),
        shape=alt.Shape("attacker_hardware:N", title="attacker device"),
        tooltip=COLUMNS,
    ).properties(width=420, height=300, title=alt.Title(
        "What the attackers pay per family, the users' median overhead the same", subtitle=subtitle),
        usermeta={"powsim": provenance})
