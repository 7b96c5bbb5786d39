"""Read a load scenario from TOML: ``[server]``, ``[difficulty]``, ``[load]``, ``[hardware.NAME]``
and ``[[agents]]`` of load kinds.

Keys (units: seconds, hashes, hashes/s, requests/s):

* ``[server]``: ``admission`` ('puzzle-first' or 'cost-first'), ``workers``, ``inference_s``
  and ``cost_s`` (their sum is one request's service), ``service`` ('fixed' or
  'exponential'), ``verify_s``, ``admission_workers``, ``queue_capacity`` (>= 1; absent:
  unbounded), ``hardware`` (profile whose price per hour is one worker's cost).
* ``[defense]`` (optional): the per-account policy, as in any scenario; each agent then names
  the ``trace`` of its queries (see :mod:`~powsim.model.charge`).
* ``[difficulty]``: ``rule`` (see :mod:`~powsim.difficulty.load_rules`), ``update_s``,
  ``min_effort``, ``combine`` ('max' or 'sum' in hashes).
* ``[load]``: ``duration_s`` (required), ``warmup_s`` (default: MSER-5's, found in each run),
  ``tick_s``.
* ``[[agents]]`` of the load kinds ``stream``, ``sessions`` and ``botnet``: see
  :mod:`~powsim.model.load_agents`.

Every problem is one :class:`~powsim.errors.InputError` naming the file, the field and what
was expected.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from powsim.errors import InputError
from powsim.difficulty.load_rules import RULES
from powsim.model.kinds import AGENT_KINDS
from powsim.model.load import ADMISSIONS, COMBINES, DifficultyRule, LoadScenario, LoadServer
from powsim.model.load_agents import READERS, Charges
from powsim.model.scenario import MAX_WORKERS, SERVICES
from powsim.model.overrides import Override, apply_overrides
from powsim.model.parse import (DEFENSE_KEYS, TraceFiles, hardware_profiles, read_defense, read_toml, valid_keys)
from powsim.model.toml_table import Table

LOAD_KINDS = tuple(name for name, kind in AGENT_KINDS.items() if kind.load)
_SERVER_KEYS = {"admission", "workers", "inference_s", "cost_s", "service", "verify_s",
                "admission_workers", "queue_capacity", "hardware"}
_DIFFICULTY_KEYS = {"rule", "update_s", "min_effort", "combine"}
_LOAD_KEYS = {"duration_s", "warmup_s", "tick_s"}
MAX_EFFORT = 2.0**64  # hashes of one puzzle: beyond it no client ever connects


def declares_load(path: str | os.PathLike[str]) -> bool:
    """Whether the scenario at ``path`` has an agent of a load kind (stream, botnet; False when
    unreadable: the ordinary loader then reports why)."""
    try:
        agents = read_toml(path).get("agents")
    except InputError:
        return False
    return isinstance(agents, list) and any(
        isinstance(a, dict) and a.get("kind") in LOAD_KINDS for a in agents)


def load_load_scenario(path: str | os.PathLike[str], overrides: Sequence[Override] = ()
                       ) -> LoadScenario:
    """Read the load scenario TOML file at ``path``, apply ``overrides`` (dotted keys, see
    :mod:`powsim.model.overrides`) and validate the result."""
    source = str(path)
    data = read_toml(path)
    apply_overrides(data, overrides, valid_keys(data, {
        "defense": DEFENSE_KEYS, "server": _SERVER_KEYS, "difficulty": _DIFFICULTY_KEYS,
        "load": _LOAD_KEYS}), source)
    Table(data, source, {"server", "difficulty", "load", "hardware", "agents", "defense"})
    traces = TraceFiles(Path(path).resolve().parent)
    defense = read_defense(data["defense"], f"{source}: [defense]", traces
                           ) if "defense" in data else None
    if defense is not None and defense.puzzle.name != "sha256":
        raise InputError(f"{source}: [defense].puzzle: {defense.puzzle.name!r}, expected \"sha256\" "
                         "(load scenarios draw SHA-256 work; compare families with powsim puzzles compare)")
    hardware = hardware_profiles(data.get("hardware", {}), source)
    server = _server(Table(data.get("server", {}), f"{source}: [server]", _SERVER_KEYS), hardware)
    difficulty = _difficulty(Table(data.get("difficulty", {}), f"{source}: [difficulty]",
                                    _DIFFICULTY_KEYS))
    load = Table(data.get("load"), f"{source}: [load]", _LOAD_KEYS)
    if "duration_s" not in load.data:
        raise InputError(f"{load.where}.duration_s: missing, expected the run's length in seconds")
    duration_s = load.number("duration_s", low=0, strict=True)
    warmup_s = load.number("warmup_s", None, low=0)  # None: found from the data (MSER-5)
    if warmup_s is not None and warmup_s >= duration_s:
        raise InputError(f"{load.where}.warmup_s: {warmup_s}, expected less than duration_s "
                         f"{duration_s}")
    entries = data.get("agents")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{source}: [[agents]]: missing, expected at least one agent entry")
    agents: dict[str, list] = {kind: [] for kind in READERS}
    charges = Charges(defense, traces)
    for index, entry in enumerate(entries):
        where = f"{source}: [[agents]] #{index + 1}"
        kind = Table(entry, where, set(entry) if isinstance(entry, dict) else set()).choice(
            "kind", None, LOAD_KINDS)
        table = Table(entry, f"{where} ({kind})", AGENT_KINDS[kind].keys)
        agents[kind].append(READERS[kind](table, index, hardware, charges))
    streams, sessions, botnets = agents["stream"], agents["sessions"], agents["botnet"]
    for botnet in botnets:
        if botnet.strategy == "precomputed" and botnet.end_s - botnet.start_s <= difficulty.update_s:
            raise InputError(f"{source}: [[agents]] '{botnet.name}': end_s - start_s "
                             f"{botnet.end_s - botnet.start_s}, expected more than [difficulty] "
                             f"update_s {difficulty.update_s} for a precomputed botnet")
    scenario = LoadScenario(server, difficulty, tuple(streams), tuple(botnets), duration_s,
                            warmup_s, load.number("tick_s", 1.0, low=0, strict=True), source,
                            tuple(sessions), defense)
    names = scenario.groups
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise InputError(f"{source}: [[agents]]: name '{duplicate}' is used twice, expected "
                         "unique names")
    return scenario


def _server(table: Table, hardware: dict) -> LoadServer:
    service_s = table.number("inference_s", 0.0, low=0) + table.number("cost_s", 0.0, low=0)
    if service_s <= 0:
        raise InputError(f"{table.where}.inference_s: missing or 0 with cost_s, expected "
                         "inference_s + cost_s > 0 seconds of service per request")
    profile = table.data.get("hardware")
    return LoadServer(
        admission=table.choice("admission", "puzzle-first", ADMISSIONS),
        workers=table.integer("workers", 1, 1, MAX_WORKERS), service_s=service_s,
        service=table.choice("service", "fixed", SERVICES),
        verify_s=table.number("verify_s", 0.0, low=0),
        admission_workers=table.integer("admission_workers", 1, 1, MAX_WORKERS),
        queue_capacity=table.integer("queue_capacity", None, 1),
        hardware=hardware[table.choice("hardware", None, tuple(hardware))] if profile else None)


def _difficulty(table: Table) -> DifficultyRule:
    return DifficultyRule(
        rule=table.choice("rule", "none", tuple(RULES)),
        update_s=table.number("update_s", 300.0, low=0, strict=True),
        min_effort=table.number("min_effort", 0.0, low=0, high=MAX_EFFORT),
        combine=table.choice("combine", "max", COMBINES))
