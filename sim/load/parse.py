"""Read a load scenario from TOML: ``[server]``, ``[difficulty]``, ``[load]``, ``[hardware.NAME]``
and ``[[agents]]`` of kinds ``stream`` and ``botnet``.

Keys (units: seconds, hashes, hashes/s, requests/s):

* ``[server]``: ``admission`` ('puzzle-first' or 'cost-first'), ``workers``, ``inference_s``
  and ``cost_s`` (their sum is one request's service), ``service`` ('fixed' or
  'exponential'), ``verify_s``, ``admission_workers``, ``queue_capacity`` (>= 1; absent:
  unbounded), ``hardware`` (profile whose price per hour is one worker's cost).
* ``[defense]`` (optional): the per-account policy, as in any scenario; each agent then names
  the ``trace`` of its queries (see :mod:`~powsim.sim.load.account`).
* ``[difficulty]``: ``rule`` (see :mod:`~powsim.sim.load.effort_rules`), ``update_s``,
  ``min_effort``, ``combine`` ('max' or 'sum' in hashes).
* ``[load]``: ``duration_s`` (required), ``warmup_s`` (default a tenth of it), ``tick_s``.
* stream: ``name``, ``rate_hz``, ``queries``, ``hardware`` (a profile, or a mix: an inline
  table of profile = share of clients), ``timeout_s``, ``retry``,
  ``max_retries``, ``on_expiry`` ('retry' or 'lost'), ``start_s``, ``end_s``.
* botnet: ``name``, ``machines``, ``hardware``, ``start_s``, ``end_s``, ``strategy``,
  ``max_rate_hz``, ``timeout_s``, ``queries`` (per request, for the account charge).
* both, with ``[defense]``: ``trace``.

Every problem is one :class:`~powsim.errors.InputError` naming the file, the field and what
was expected.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

from powsim.errors import InputError
from powsim.sim.load.config import (ADMISSIONS, COMBINES, EXPIRIES, RETRIES, STRATEGIES, Botnet,
                                    DifficultyRule, LoadScenario, LoadServer, Stream)
from powsim.sim.load.effort_rules import RULES
from powsim.sim.load.account import account_effort
from powsim.sim.agents.kinds import AGENT_KINDS
from powsim.sim.scenario import (MAX_WORKERS, SERVICES, TraceFiles, hardware_profiles,
                                 read_defense, read_toml)
from powsim.sim.toml_table import Table

LOAD_KINDS = tuple(name for name, kind in AGENT_KINDS.items() if kind.load)
_SERVER_KEYS = {"admission", "workers", "inference_s", "cost_s", "service", "verify_s",
                "admission_workers", "queue_capacity", "hardware"}
_DIFFICULTY_KEYS = {"rule", "update_s", "min_effort", "combine"}
_LOAD_KEYS = {"duration_s", "warmup_s", "tick_s"}
MAX_EFFORT = 2.0**64  # hashes of one puzzle: beyond it no client ever connects
MAX_QUERIES = 10**6  # queries of one request, as [defense] queries_per_puzzle


def declares_load(path: str | os.PathLike[str]) -> bool:
    """Whether the scenario at ``path`` has an agent of a load kind (stream, botnet; False when
    unreadable: the ordinary loader then reports why)."""
    try:
        agents = read_toml(path).get("agents")
    except InputError:
        return False
    return isinstance(agents, list) and any(
        isinstance(a, dict) and a.get("kind") in LOAD_KINDS for a in agents)


def load_load_scenario(path: str | os.PathLike[str]) -> LoadScenario:
    """Read and validate the load scenario TOML file at ``path``."""
    source = str(path)
    data = read_toml(path)
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
    warmup_s = load.number("warmup_s", duration_s / 10, low=0)
    if warmup_s >= duration_s:
        raise InputError(f"{load.where}.warmup_s: {warmup_s}, expected less than duration_s "
                         f"{duration_s}")
    entries = data.get("agents")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{source}: [[agents]]: missing, expected at least one agent entry")
    streams, botnets = [], []
    for index, entry in enumerate(entries):
        where = f"{source}: [[agents]] #{index + 1}"
        kind = Table(entry, where, set(entry) if isinstance(entry, dict) else set()).choice(
            "kind", None, LOAD_KINDS)
        table = Table(entry, f"{where} ({kind})", AGENT_KINDS[kind].keys)
        agent = (_stream if kind == "stream" else _botnet)(table, index, hardware)
        agent = dataclasses.replace(agent, account_effort=_charge(table, defense, traces))
        (streams if kind == "stream" else botnets).append(agent)
    for botnet in botnets:
        if botnet.strategy == "precomputed" and botnet.end_s - botnet.start_s <= difficulty.update_s:
            raise InputError(f"{source}: [[agents]] '{botnet.name}': end_s - start_s "
                             f"{botnet.end_s - botnet.start_s}, expected more than [difficulty] "
                             f"update_s {difficulty.update_s} for a precomputed botnet")
    scenario = LoadScenario(server, difficulty, tuple(streams), tuple(botnets), duration_s,
                            warmup_s, load.number("tick_s", 1.0, low=0, strict=True), source)
    names = scenario.groups
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise InputError(f"{source}: [[agents]]: name '{duplicate}' is used twice, expected "
                         "unique names")
    return scenario


def _charge(table: Table, defense, traces: TraceFiles) -> float:
    """The agent's per-account charge (hashes): from its ``trace`` under ``[defense]``, or 0
    when the scenario has no defense."""
    if defense is None:
        if "trace" in table.data:
            raise InputError(f"{table.where}.trace: set without a [defense] table, expected "
                             "[defense] to charge the trace's privacy cost")
        return 0.0
    if "trace" not in table.data:
        raise InputError(f"{table.where}.trace: missing, expected the trace whose first queries "
                         "[defense] charges")
    trace = traces.get(table, "trace")
    answered = int(trace.data["queries"].iloc[-1]) if trace.kind == "curve" else len(trace)
    return account_effort(defense, trace, table.integer("queries", 1, 1, answered), table.where)


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


def _name(table: Table, kind: str, index: int) -> str:
    name = table.data.get("name", f"{kind}-{index + 1}")
    if not isinstance(name, str) or not name or "/" in name:
        raise InputError(f"{table.where}.name: {name!r}, expected a non-empty string without '/'")
    return name


def _window(table: Table, end_default: float) -> tuple[float, float]:
    start_s = table.number("start_s", 0.0, low=0)
    end_s = table.number("end_s", end_default, low=0) if "end_s" in table.data else end_default
    if end_s <= start_s:
        raise InputError(f"{table.where}.end_s: {end_s}, expected a time after start_s {start_s}")
    return start_s, end_s


def _mix(table: Table, hardware: dict) -> tuple[tuple, ...]:
    """``hardware = { NAME = SHARE, ... }``: profiles with shares of clients (normalised)."""
    mix = table.data.get("hardware")
    if not isinstance(mix, dict):
        return ()
    where = f"{table.where}.hardware"
    if not mix:
        raise InputError(f"{where}: an empty table, expected profile = share entries")
    shares = Table(mix, where, set(hardware))
    total = sum(shares.number(name, low=0, strict=True) for name in mix)
    return tuple((hardware[name], shares.number(name) / total) for name in mix)


def _stream(table: Table, index: int, hardware: dict) -> Stream:
    start_s, end_s = _window(table, math.inf)
    mix = _mix(table, hardware)
    if "rate_hz" not in table.data:
        raise InputError(f"{table.where}.rate_hz: missing, expected clients per second")
    return Stream(
        name=_name(table, "stream", index),
        rate_hz=table.number("rate_hz", low=0, strict=True),
        hardware=mix[0][0] if mix else hardware[table.choice("hardware", "laptop-cpu", tuple(hardware))],
        mix=mix, queries=table.integer("queries", 1, 1, MAX_QUERIES),
        timeout_s=table.number("timeout_s", 30.0, low=0, strict=True),
        retry=table.choice("retry", "double-effort", RETRIES),
        max_retries=table.integer("max_retries", 10, 0),
        on_expiry=table.choice("on_expiry", "retry", EXPIRIES),
        start_s=start_s, end_s=end_s)


def _botnet(table: Table, index: int, hardware: dict) -> Botnet:
    for key in ("machines", "end_s"):
        if key not in table.data:
            raise InputError(f"{table.where}.{key}: missing, expected it for a botnet")
    start_s, end_s = _window(table, math.inf)
    strategy = table.choice("strategy", "sustained", STRATEGIES)
    max_rate_hz = table.number("max_rate_hz", math.inf, low=0, strict=True)
    if strategy == "precomputed" and not math.isfinite(max_rate_hz):
        raise InputError(f"{table.where}.max_rate_hz: missing, expected the precomputed "
                         "botnet's submission rate (requests/s)")
    return Botnet(
        name=_name(table, "botnet", index),
        machines=table.integer("machines", None, 1),
        hardware=hardware[table.choice("hardware", "laptop-cpu", tuple(hardware))],
        start_s=start_s, end_s=end_s, strategy=strategy, max_rate_hz=max_rate_hz,
        timeout_s=table.number("timeout_s", 30.0, low=0, strict=True))
