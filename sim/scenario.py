"""Scenarios: the model to simulate, read from TOML, validated, immutable.

A scenario is declared apart from any run (as a Ciw network is): ``[defense]`` (policy,
reference, a, reference hash rate, batch size, group accounting), ``[server]`` (workers and
timings), optional ``[hardware.NAME]`` profiles and ``[[agents]]`` entries. Trace paths are
relative to the scenario file's folder (or absolute), so a scenario and its traces move
together. Every problem is one :class:`~powsim.errors.InputError` naming the file, the
field and what was expected.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path

from powsim.errors import InputError
from powsim.sim.agents.population import (SAMPLES, HardwareMix, QueryCount, parse_hardware_mix,
                                          parse_query_count)
from powsim.sim.economics import PROFILES, Hardware, local_profiles
from powsim.sim.overrides import Override, apply_overrides
from powsim.sim.paper import PAPER_A, PAPER_MAX_SECONDS, PAPER_MIN_SECONDS, PaperParameters
from powsim.sim.policies import POLICIES
from powsim.sim.server.server import ServerConfig
from powsim.traces.format import Trace, read_trace
from powsim.traces.pool import is_pool, pool_part

AGENT_KINDS = ("legit", "attacker", "sybil", "colluders", "adaptive")
ACCOUNTINGS = ("account", "group")
SERVICES = ("fixed", "exponential")
MAX_BITS = 60  # numpy's geometric draws stay exact in int64 up to here


@dataclass(frozen=True)
class DefenseConfig:
    """The defense: ``policy`` with its ``parameters`` (a and clip), the legitimate
    ``reference`` trace, the tuned-for client's ``reference_hash_rate_hz``, queries per
    puzzle ``batch_size`` (None: the traces' own batches), ``max_bits``, ``accounting``
    ('account', or 'group' to link each ring with ``link_probability``) and the
    ``sub_solutions`` each puzzle requires."""

    policy: str
    reference: Trace
    reference_hash_rate_hz: float
    parameters: PaperParameters = PaperParameters()
    batch_size: float | None = None
    max_bits: int = 48
    accounting: str = "account"
    link_probability: float = 0.0
    sub_solutions: int = 1


@dataclass(frozen=True)
class AgentSpec:
    """One ``[[agents]]`` entry. ``count`` independent members (legit, attacker), ``accounts``
    of one sybil actor, ``actors`` colluders; ``solvers`` parallel solvers per actor;
    ``think_s`` mean pause before each batch; members start at ``start_s`` or, with
    ``arrival_rate_hz``, as a Poisson stream from it; ``signup_bits``/``signup_usd`` per
    sybil account; ``cover`` trace, ``cover_per_batch`` and ``max_diff`` for adaptive.
    A legit entry with ``sample`` 'bootstrap' draws each member's ``queries`` from its
    ``trace`` (a pool's evaluation part); ``mix`` lets members draw their hardware
    (``hardware`` is then the mix's first profile)."""

    kind: str
    name: str
    trace: Trace
    hardware: Hardware
    count: int = 1
    accounts: int = 1
    actors: int = 1
    solvers: int = 1
    think_s: float = 0.0
    start_s: float = 0.0
    arrival_rate_hz: float | None = None
    signup_bits: int = 0
    signup_usd: float = 0.0
    cover: Trace | None = None
    cover_per_batch: int = 4
    max_diff: float = 0.0
    sample: str = "replay"
    queries: QueryCount | None = None
    mix: HardwareMix | None = None

    @property
    def profiles(self) -> dict[str, Hardware]:
        """The hardware profiles its members may use, by name."""
        return {p.name: p for p in (self.mix.profiles if self.mix else (self.hardware,))}

    @property
    def hardware_label(self) -> str:
        """The profile's name, or the mix as ``mix(NAME=SHARE, ...)``."""
        return self.mix.describe() if self.mix else self.hardware.name

    @property
    def members(self) -> int:
        """How many actors run: users of a group, colluders, or the one actor otherwise."""
        return {"legit": self.count, "attacker": self.count, "colluders": self.actors}.get(self.kind, 1)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the defense, the server and the agents."""

    defense: DefenseConfig
    server: ServerConfig
    agents: tuple[AgentSpec, ...]
    source: str = "<memory>"


_COMMON = {"kind", "name", "trace", "hardware", "solvers", "start_s"}
_AGENT_KEYS = {
    "legit": _COMMON | {"count", "think_s", "arrival_rate_hz", "sample", "queries"},
    "attacker": _COMMON | {"count", "think_s", "arrival_rate_hz"},
    "sybil": _COMMON | {"accounts", "signup_bits", "signup_usd"},
    "colluders": _COMMON | {"actors"},
    "adaptive": _COMMON | {"cover", "cover_per_batch", "max_diff"},
}


class _Table:
    """One TOML table being read: typed getters that name the field, and a check for leftovers."""

    def __init__(self, data: object, where: str, allowed: set[str]) -> None:
        if data is None:
            raise InputError(f"{where}: missing, expected a table")
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a table")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise InputError(f"{where}: unknown key '{unknown[0]}', expected one of "
                             f"{', '.join(sorted(allowed))}")
        self.data, self.where = data, where

    def _fail(self, key: str, expected: str) -> InputError:
        return InputError(f"{self.where}.{key}: {self.data[key]!r}, expected {expected}")

    def number(self, key: str, default: float | None = None, low: float = -math.inf,
               strict: bool = False, high: float = math.inf) -> float | None:
        """A finite number in [low, high] (or (low, high] when ``strict``)."""
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self._fail(key, "a finite number")
        if value < low or (strict and value == low) or value > high:
            bound = f"> {low}" if strict else f">= {low}"
            raise self._fail(key, f"a number {bound}" + (f" and <= {high}" if high < math.inf else ""))
        return float(value)

    def integer(self, key: str, default: int | None, low: int, high: int | None = None
                ) -> int | None:
        """A whole number >= ``low`` (and <= ``high``)."""
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (
                high is not None and value > high):
            raise self._fail(key, f"a whole number >= {low}" + (f" and <= {high}" if high else ""))
        return value

    def choice(self, key: str, default: str | None, options: tuple[str, ...]) -> str:
        """One of ``options``; required when ``default`` is None."""
        if key not in self.data and default is None:
            raise InputError(f"{self.where}.{key}: missing, expected one of {', '.join(options)}")
        value = self.data.get(key, default)
        if value not in options:
            raise self._fail(key, f"one of {', '.join(options)}")
        return value

    def string(self, key: str) -> str:
        """A required non-empty string."""
        if key not in self.data:
            raise InputError(f"{self.where}.{key}: missing, expected a string")
        if not isinstance(self.data[key], str) or not self.data[key]:
            raise self._fail(key, "a non-empty string")
        return self.data[key]


class _Traces:
    """Reads each trace file once, resolving paths against the scenario's folder."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.read = folder, {}

    def get(self, table: _Table, key: str) -> Trace:
        path = self.folder / table.string(key)
        if not path.is_file():
            raise InputError(f"{table.where}.{key}: no such trace file '{path}' (paths are "
                             "relative to the scenario file's folder)")
        if path not in self.read:
            self.read[path] = read_trace(path)
        return self.read[path]


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[Override] = ()) -> Scenario:
    """Read the scenario TOML file at ``path``, apply ``overrides`` (dotted keys, see
    :mod:`powsim.sim.overrides`) and validate the result."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{source}: no such scenario file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{source}: not a valid TOML file ({err})") from None
    except OSError as err:
        raise InputError(f"{source}: cannot read the scenario file ({err.strerror})") from None
    apply_overrides(data, overrides, valid_keys(data), source)
    top = _Table(data, source, {"defense", "server", "hardware", "agents"})
    traces = _Traces(Path(path).resolve().parent)
    hardware = _hardware(data.get("hardware", {}), source)
    defense = _defense(_Table(data.get("defense"), f"{source}: [defense]", _DEFENSE_KEYS), traces)
    server = _server(_Table(data.get("server", {}), f"{source}: [server]", _SERVER_KEYS))
    entries = top.data.get("agents")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{source}: [[agents]]: missing, expected at least one agent entry")
    agents = tuple(_agent(entry, i, source, traces, hardware) for i, entry in enumerate(entries))
    names = [agent.name for agent in agents]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise InputError(f"{source}: [[agents]]: name '{duplicate}' is used twice, expected "
                         "unique names")
    return Scenario(defense, server, agents, source)


def valid_keys(data: dict) -> list[str]:
    """Every dotted key an override may set in the scenario ``data`` (its TOML as read)."""
    keys = [f"defense.{k}" for k in _DEFENSE_KEYS] + [f"server.{k}" for k in _SERVER_KEYS]
    hardware = data.get("hardware") if isinstance(data.get("hardware"), dict) else {}
    keys += [f"hardware.{name}.{k}" for name in sorted({*PROFILES, *hardware})
             for k in _HARDWARE_KEYS]
    entries = data.get("agents") if isinstance(data.get("agents"), list) else []
    for i, entry in enumerate(entries):
        kind = entry.get("kind") if isinstance(entry, dict) else None
        keys += [f"agents.{i}.{k}" for k in sorted(_AGENT_KEYS.get(kind, ())) if k != "kind"]
    return sorted(keys)


_DEFENSE_KEYS = {"policy", "a", "reference", "reference_hash_rate", "batch_size", "min_s", "max_s",
                 "max_bits", "accounting", "link_probability", "sub_solutions"}
_SERVER_KEYS = {"workers", "cost_workers", "service", "verify_s", "inference_s", "cost_s"}
_HARDWARE_KEYS = {"hash_rate_hz", "price_per_hour_usd", "watts"}


def _defense(table: _Table, traces: _Traces) -> DefenseConfig:
    min_s = table.number("min_s", PAPER_MIN_SECONDS, low=0, strict=True)
    max_s = table.number("max_s", PAPER_MAX_SECONDS, low=0, strict=True)
    if min_s > max_s:
        raise InputError(f"{table.where}.min_s: {min_s} above max_s {max_s}, expected min_s <= max_s")
    parameters = PaperParameters(table.number("a", PAPER_A, low=0, strict=True), min_s, max_s)
    accounting = table.choice("accounting", "account", ACCOUNTINGS)
    if "link_probability" in table.data and accounting != "group":
        raise InputError(f"{table.where}.link_probability: set with accounting = '{accounting}', "
                         "expected accounting = \"group\" beside it")
    if "reference_hash_rate" not in table.data:
        raise InputError(f"{table.where}.reference_hash_rate: missing, expected hashes/s of the "
                         "client the defense is tuned for")
    reference = traces.get(table, "reference")
    return DefenseConfig(
        policy=table.choice("policy", None, POLICIES),
        # A pool's reference is fitted on its calibration part only (users draw from the rest).
        reference=pool_part(reference, "calibration") if is_pool(reference) else reference,
        reference_hash_rate_hz=table.number("reference_hash_rate", low=0, strict=True, high=1e15),
        parameters=parameters,
        batch_size=table.integer("batch_size", None, 1),
        max_bits=table.integer("max_bits", 48, 0, MAX_BITS),
        accounting=accounting,
        link_probability=table.number("link_probability", 0.0, low=0, high=1),
        sub_solutions=table.integer("sub_solutions", 1, 1))


def _server(table: _Table) -> ServerConfig:
    workers = table.integer("workers", 1, 1)
    return ServerConfig(
        workers=workers, cost_workers=table.integer("cost_workers", workers, 0),
        service=table.choice("service", "fixed", SERVICES),
        verify_s=table.number("verify_s", 0.0, low=0),
        inference_s=table.number("inference_s", None, low=0),
        cost_s=table.number("cost_s", None, low=0))


def _hardware(data: object, source: str) -> dict[str, Hardware]:
    if not isinstance(data, dict):
        raise InputError(f"{source}: [hardware]: expected tables [hardware.NAME]")
    profiles = {**PROFILES, **local_profiles()}
    for name, entry in data.items():
        table = _Table(entry, f"{source}: [hardware.{name}]", _HARDWARE_KEYS)
        base = profiles.get(name)
        if base is None and set(table.data) != _HARDWARE_KEYS:
            missing = sorted(_HARDWARE_KEYS - set(table.data))[0]
            raise InputError(f"{table.where}.{missing}: missing, expected it for a new profile")
        profile = Hardware(
            name,
            table.number("hash_rate_hz", base and base.hash_rate_hz, low=0, strict=True, high=1e15),
            table.number("price_per_hour_usd", base and base.price_per_hour_usd, low=0),
            table.number("watts", base and base.watts, low=0))
        profile.check(table.where)
        profiles[name] = profile
    return profiles


def _agent(entry: object, index: int, source: str, traces: _Traces,
           hardware: dict[str, Hardware]) -> AgentSpec:
    where = f"{source}: [[agents]] #{index + 1}"
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a table")
    kind = _Table(entry, where, set(entry)).choice("kind", None, AGENT_KINDS)
    table = _Table(entry, f"{where} ({kind})", _AGENT_KEYS[kind])
    name = table.data.get("name", f"{kind}-{index + 1}")
    if not isinstance(name, str) or not name or "/" in name:
        raise InputError(f"{table.where}.name: {name!r}, expected a non-empty string without '/'")
    mix = None
    if isinstance(table.data.get("hardware"), dict) and kind in ("legit", "attacker"):
        mix = parse_hardware_mix(table.data["hardware"], f"{table.where}.hardware", hardware)
        profile = mix.profiles[0].name
    else:
        profile = table.choice("hardware", "laptop-cpu", tuple(hardware))
    sample = table.choice("sample", "replay", SAMPLES)
    trace = traces.get(table, "trace")
    if sample == "bootstrap":
        trace = pool_part(trace, "evaluation")
        if "queries" not in table.data:
            raise InputError(f"{table.where}.queries: missing, expected a number of queries per "
                             "member or a distribution for sample = \"bootstrap\"")
    elif "queries" in table.data:
        raise InputError(f"{table.where}.queries: set with sample = \"replay\", expected "
                         "sample = \"bootstrap\" beside it (a replay asks its trace's queries)")
    return AgentSpec(
        kind=kind, name=name, trace=trace, hardware=hardware[profile],
        count=table.integer("count", 1, 1), accounts=table.integer("accounts", 1, 1),
        actors=table.integer("actors", 1, 1), solvers=table.integer("solvers", 1, 1),
        think_s=table.number("think_s", 0.0, low=0), start_s=table.number("start_s", 0.0, low=0),
        arrival_rate_hz=table.number("arrival_rate_hz", None, low=0, strict=True),
        signup_bits=table.integer("signup_bits", 0, 0, MAX_BITS),
        signup_usd=table.number("signup_usd", 0.0, low=0),
        cover=traces.get(table, "cover") if kind == "adaptive" else None,
        cover_per_batch=table.integer("cover_per_batch", 4, 0),
        max_diff=table.number("max_diff", 0.0, low=0), sample=sample,
        queries=(parse_query_count(table.data["queries"], f"{table.where}.queries")
                 if sample == "bootstrap" else None), mix=mix)
