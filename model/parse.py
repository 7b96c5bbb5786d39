"""Read a scenario from TOML and validate it into :mod:`powsim.model.scenario`'s frozen data.

The file has ``[defense]`` (policy, reference, a, reference hash rate, queries per puzzle,
group accounting), ``[server]`` (workers and timings), optional ``[hardware.NAME]`` profiles and ``[[agents]]`` entries. Trace paths are
relative to the scenario file's folder (or absolute), so a scenario and its traces move
together. Every problem is one :class:`~powsim.errors.InputError` naming the file, the
field and what was expected. Defaults are the dataclasses' own.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

from powsim.errors import InputError, ParameterError
from powsim.calibrate.charge import ChargeParameters
from powsim.difficulty.policies import POLICIES
from powsim.hashcash.families import FAMILIES, Puzzle, Sha256, parameter_names, puzzle as make_puzzle
from powsim.hashcash.hardware import DEFAULT_PROFILE, PROFILES, Hardware, local_profiles
from powsim.model.kinds import AGENT_KINDS
from powsim.model.overrides import Override, apply_overrides
from powsim.model.population import SAMPLES, parse_hardware_mix, parse_query_count
from powsim.model.scenario import (ACCOUNTINGS, MAX_A, MAX_MEMBERS, MAX_SECONDS, MAX_SOLVERS,
                                   MAX_SUB_SOLUTIONS, MAX_WORKERS, MIN_RATE_HZ, SAMPLED_MAX_BITS,
                                   SERVICES, AgentSpec, DefenseConfig, Scenario, ServerConfig)
from powsim.model.toml_table import Table
from powsim.traces.cache import cached_part, cached_trace
from powsim.traces.format import Trace
from powsim.traces.pate import ORDER_GRIDS
from powsim.traces.pool import is_pool


MAX_SCENARIO_BYTES = 16 * 2**20  # a scenario is a page of TOML; a FIFO or a device never ends


class TraceFiles:
    """Reads each trace file once (once per process while it is unchanged:
    :mod:`powsim.traces.cache`), resolving paths against the scenario's folder."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.read = folder, {}

    def get(self, table: Table, key: str) -> Trace:
        """The trace named by ``table``'s ``key`` (one InputError naming the field if absent)."""
        path = self.folder / table.string(key)
        if not path.is_file():
            raise InputError(f"{table.where}.{key}: no such trace file '{path}' (paths are "
                             "relative to the scenario file's folder)")
        if path not in self.read:
            self.read[path] = cached_trace(path)
        return self.read[path]


def read_toml(path: str | os.PathLike[str]) -> dict:
    """The scenario file at ``path`` as a dict (one clear InputError if it cannot be read)."""
    source = str(path)
    if os.path.exists(path) and not os.path.isfile(path) or (
            os.path.isfile(path) and os.path.getsize(path) > MAX_SCENARIO_BYTES):
        raise InputError(f"{source}: not a regular file of at most {MAX_SCENARIO_BYTES:,} bytes, "
                         "expected a scenario TOML file")
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{source}: no such scenario file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{source}: not a valid TOML file ({err})") from None
    except OSError as err:
        raise InputError(f"{source}: cannot read the scenario file ({err.strerror})") from None


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[Override] = (),
                  edit: Callable[[dict], dict] | None = None) -> Scenario:
    """Read the scenario TOML file at ``path``, apply ``edit`` (given the parsed TOML, returns
    a variant of it, e.g. another puzzle family) when given, then ``overrides`` (dotted keys,
    see :mod:`powsim.model.overrides`), and validate the result."""
    source = str(path)
    data = read_toml(path)
    data = edit(data) if edit else data
    apply_overrides(data, overrides, valid_keys(data), source)
    top = Table(data, source, {"defense", "server", "hardware", "agents"})
    traces = TraceFiles(Path(path).resolve().parent)
    hardware = hardware_profiles(data.get("hardware", {}), source)
    defense = read_defense(data.get("defense"), f"{source}: [defense]", traces)
    server = _server(Table(data.get("server", {}), f"{source}: [server]", _SERVER_KEYS))
    entries = top.data.get("agents")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{source}: [[agents]]: missing, expected at least one agent entry")
    agents = tuple(_agent(entry, i, source, traces, hardware) for i, entry in enumerate(entries))
    members = sum(agent.members * agent.accounts for agent in agents)
    if members > MAX_MEMBERS:
        raise InputError(f"{source}: [[agents]]: {members:,} users, accounts and colluders in all, "
                         f"expected at most {MAX_MEMBERS:,}")
    server, agents = _on_puzzle(defense, server, agents, hardware, source)
    names = [agent.name for agent in agents]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise InputError(f"{source}: [[agents]]: name '{duplicate}' is used twice, expected "
                         "unique names")
    return Scenario(defense, server, agents, source)


PUZZLE_KEYS = set(parameter_names())  # every family's parameters


def valid_keys(data: dict, tables: dict[str, set[str]] | None = None) -> list[str]:
    """Every dotted key an override may set in the scenario ``data`` (its TOML as read):
    the keys of each top-level table of ``tables`` (default: a per-account scenario's
    ``[defense]`` and ``[server]``), of every hardware profile and of each ``[[agents]]``
    entry's kind."""
    tables = tables if tables is not None else {"defense": DEFENSE_KEYS, "server": _SERVER_KEYS}
    keys = [f"{table}.{k}" for table, allowed in tables.items() for k in allowed]
    hardware = data.get("hardware") if isinstance(data.get("hardware"), dict) else {}
    keys += [f"hardware.{name}.{k}" for name in sorted({*PROFILES, *hardware})
             for k in _HARDWARE_KEYS]
    entries = data.get("agents") if isinstance(data.get("agents"), list) else []
    for i, entry in enumerate(entries):
        kind = entry.get("kind") if isinstance(entry, dict) else None
        known = AGENT_KINDS[kind].keys if isinstance(kind, str) and kind in AGENT_KINDS else ()
        keys += [f"agents.{i}.{k}" for k in sorted(known) if k != "kind"]
    return sorted(keys)


DEFENSE_KEYS = {"policy", "a", "reference", "reference_hash_rate", "queries_per_puzzle", "min_s",
                 "max_s", "max_bits", "accounting", "link_probability", "sub_solutions", "puzzle",
                 "rdp_orders", *PUZZLE_KEYS}
_OLDDEFENSE_KEYS = {"batch_size": "queries_per_puzzle"}  # still read, with a warning
_SERVER_KEYS = {"workers", "cost_workers", "service", "verify_s", "inference_s", "cost_s"}
_HARDWARE_KEYS = {"hash_rate_hz", "price_per_hour_usd", "watts"}


def read_defense(data: object, where: str, traces: TraceFiles) -> DefenseConfig:
    """The ``[defense]`` table ``data`` (``where`` names it in errors) as a DefenseConfig."""
    return _defense(Table(_renamed_keys(data, where), where, DEFENSE_KEYS), traces)


def _renamed_keys(data: object, where: str) -> object:
    """``data`` with each old key of ``[defense]`` under its new name, warning once per key."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for old, new in _OLDDEFENSE_KEYS.items():
        if old in data:
            if new in data:
                raise InputError(f"{where}.{old}: set beside {new}, expected only {new} "
                                 f"(the new name of {old})")
            print(f"powsim: warning: {where}.{old} is deprecated, write {new} = {data[old]!r}",
                  file=sys.stderr)
            data[new] = data.pop(old)
    return data


def _defense(table: Table, traces: TraceFiles) -> DefenseConfig:
    charge = ChargeParameters()
    min_s = table.number("min_s", charge.min_seconds, low=0, strict=True, high=MAX_SECONDS)
    max_s = table.number("max_s", charge.max_seconds, low=0, strict=True, high=MAX_SECONDS)
    if min_s > max_s:
        raise InputError(f"{table.where}.min_s: {min_s} above max_s {max_s}, expected min_s <= max_s")
    parameters = ChargeParameters(table.number("a", charge.a, low=1, high=MAX_A), min_s, max_s)
    accounting = table.choice("accounting", DefenseConfig.accounting, ACCOUNTINGS)
    if "link_probability" in table.data and accounting != "group":
        raise InputError(f"{table.where}.link_probability: set with accounting = '{accounting}', "
                         "expected accounting = \"group\" beside it")
    if "reference_hash_rate" not in table.data:
        raise InputError(f"{table.where}.reference_hash_rate: missing, expected hashes/s of the "
                         "client the defense is tuned for")
    reference = traces.get(table, "reference")
    return DefenseConfig(
        policy=table.choice("policy", None, tuple(POLICIES)),
        # A pool's reference is fitted on its calibration part only (users draw from the rest).
        reference=cached_part(reference, "calibration") if is_pool(reference) else reference,
        reference_hash_rate_hz=table.number("reference_hash_rate", low=0, strict=True, high=1e15),
        parameters=parameters,
        queries_per_puzzle=table.integer("queries_per_puzzle", None, 1, 10**6),
        max_bits=table.integer("max_bits", DefenseConfig.max_bits, 0, SAMPLED_MAX_BITS),
        accounting=accounting,
        link_probability=table.number("link_probability", DefenseConfig.link_probability, low=0,
                                      high=1),
        sub_solutions=table.integer("sub_solutions", DefenseConfig.sub_solutions, 1,
                                    MAX_SUB_SOLUTIONS),
        puzzle=_puzzle(table),
        rdp_orders=table.choice("rdp_orders", DefenseConfig.rdp_orders, tuple(ORDER_GRIDS)))


def _puzzle(table: Table) -> Puzzle:
    """``puzzle`` (default sha256) with its parameters, checked against the libraries' ranges
    and the largest profile's memory."""
    name = table.choice("puzzle", Sha256.name, tuple(FAMILIES))
    try:
        puzzle = make_puzzle(name, **{key: table.data[key] for key in PUZZLE_KEYS & set(table.data)})
    except ParameterError as err:
        raise InputError(f"{table.where}.{err.renamed(str)}") from None
    # Imported here: the rates' modules import numba (0.1 s), which a scenario without a
    # [defense] puzzle (a load run's) never needs.
    from powsim.hashcash.rates import check_memory

    check_memory(puzzle, f"{table.where}.puzzle")
    return puzzle


def _on_puzzle(defense: DefenseConfig, server: ServerConfig, agents: tuple[AgentSpec, ...],
               hardware: dict[str, Hardware], source: str) -> tuple[ServerConfig, tuple[AgentSpec, ...]]:
    """Under a memory-hard puzzle: every agent's hardware at its rate for that family (within its
    device's memory), and the server's verify_s plus one trial per sub-solution on one
    ``server-cpu`` core. (A SHA-256 verification, a microsecond, stays inside verify_s.)"""
    puzzle = defense.puzzle
    if isinstance(puzzle, Sha256):
        return server, agents
    from powsim.hashcash.rates import family_rate_hz, on_puzzle  # as in _puzzle

    agents = tuple(dataclasses.replace(agent, hardware=on_puzzle(agent.hardware, puzzle, agent.solvers,
                                                                 f"{source}: [[agents]] #{i + 1}"))
                   for i, agent in enumerate(agents))
    verify_s = defense.sub_solutions / family_rate_hz(hardware["server-cpu"], puzzle)
    return dataclasses.replace(server, verify_s=server.verify_s + verify_s), agents


def _server(table: Table) -> ServerConfig:
    workers = table.integer("workers", ServerConfig.workers, 1, MAX_WORKERS)
    return ServerConfig(
        workers=workers, cost_workers=table.integer("cost_workers", workers, 0, MAX_WORKERS),
        service=table.choice("service", ServerConfig.service, SERVICES),
        verify_s=table.number("verify_s", ServerConfig.verify_s, low=0, high=MAX_SECONDS),
        inference_s=table.number("inference_s", None, low=0, high=MAX_SECONDS),
        cost_s=table.number("cost_s", None, low=0, high=MAX_SECONDS))


def hardware_profiles(data: object, source: str) -> dict[str, Hardware]:
    """The built-in and local profiles, overridden or extended by ``[hardware.NAME]`` tables
    ``data`` of the scenario ``source``."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: [hardware]: expected tables [hardware.NAME]")
    profiles = {**PROFILES, **local_profiles()}
    for name, entry in data.items():
        table = Table(entry, f"{source}: [hardware.{name}]", _HARDWARE_KEYS)
        base = profiles.get(name)
        if base is None and set(table.data) != _HARDWARE_KEYS:
            missing = sorted(_HARDWARE_KEYS - set(table.data))[0]
            raise InputError(f"{table.where}.{missing}: missing, expected it for a new profile")
        profile = Hardware(
            name,
            table.number("hash_rate_hz", base and base.hash_rate_hz, low=0, strict=True, high=1e15),
            table.number("price_per_hour_usd", base and base.price_per_hour_usd, low=0, high=1e9),
            table.number("watts", base and base.watts, low=0, high=1e9))
        profile.check(table.where)
        profiles[name] = profile
    return profiles


def _agent(entry: object, index: int, source: str, traces: TraceFiles,
           hardware: dict[str, Hardware]) -> AgentSpec:
    where = f"{source}: [[agents]] #{index + 1}"
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a table")
    kind = Table(entry, where, set(entry)).choice("kind", None, tuple(AGENT_KINDS))
    if AGENT_KINDS[kind].load:
        raise InputError(f"{where}.kind: '{kind}' beside per-account agents, expected only load "
                         "kinds (stream, botnet) or none of them in one scenario")
    table = Table(entry, f"{where} ({kind})", AGENT_KINDS[kind].keys)
    name = table.data.get("name", f"{kind}-{index + 1}")
    if not isinstance(name, str) or not name or "/" in name:
        raise InputError(f"{table.where}.name: {name!r}, expected a non-empty string without '/'")
    mix = None
    if isinstance(table.data.get("hardware"), dict) and kind in ("legit", "attacker"):
        mix = parse_hardware_mix(table.data["hardware"], f"{table.where}.hardware", hardware)
        profile = mix.profiles[0].name
    else:
        profile = table.choice("hardware", DEFAULT_PROFILE, tuple(hardware))
    sample = table.choice("sample", "replay", SAMPLES)
    trace = traces.get(table, "trace")
    if sample == "bootstrap":
        trace = cached_part(trace, "evaluation")
        if "queries" not in table.data:
            raise InputError(f"{table.where}.queries: missing, expected a number of queries per "
                             "member or a distribution for sample = \"bootstrap\"")
    elif "queries" in table.data:
        raise InputError(f"{table.where}.queries: set with sample = \"replay\", expected "
                         "sample = \"bootstrap\" beside it (a replay asks its trace's queries)")
    return AgentSpec(
        kind=kind, name=name, trace=trace, hardware=hardware[profile],
        count=table.integer("count", AgentSpec.count, 1, MAX_MEMBERS),
        accounts=table.integer("accounts", AgentSpec.accounts, 1, MAX_MEMBERS),
        actors=table.integer("actors", AgentSpec.actors, 1, MAX_MEMBERS),
        solvers=table.integer("solvers", AgentSpec.solvers, 1, MAX_SOLVERS),
        think_s=table.number("think_s", AgentSpec.think_s, low=0, high=MAX_SECONDS),
        start_s=table.number("start_s", AgentSpec.start_s, low=0, high=MAX_SECONDS),
        arrival_rate_hz=table.number("arrival_rate_hz", None, low=MIN_RATE_HZ, high=1e9),
        signup_bits=table.integer("signup_bits", AgentSpec.signup_bits, 0, SAMPLED_MAX_BITS),
        signup_usd=table.number("signup_usd", AgentSpec.signup_usd, low=0, high=1e9),
        cover=traces.get(table, "cover") if "cover" in AGENT_KINDS[kind].keys else None,
        cover_per_batch=table.integer("cover_per_batch", AgentSpec.cover_per_batch, 0, 1000),
        max_diff=table.number("max_diff", AgentSpec.max_diff, low=0, high=1e12), sample=sample,
        queries=(parse_query_count(table.data["queries"], f"{table.where}.queries")
                 if sample == "bootstrap" else None), mix=mix)
