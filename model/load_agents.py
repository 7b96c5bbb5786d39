"""Read the ``[[agents]]`` entries of a load scenario: one reader per load kind.

Keys (units: seconds, hashes/s, requests/s):

* ``stream``: ``name``, ``rate_hz``, ``queries``, ``hardware`` (a profile, or a mix: an inline
  table of profile = share of clients), ``timeout_s``, ``retry``, ``max_retries``,
  ``on_expiry`` ('retry' or 'lost'), ``start_s``, ``end_s``.
* ``botnet``: ``name``, ``machines``, ``hardware``, ``start_s``, ``end_s``, ``strategy``,
  ``max_rate_hz``, ``timeout_s``, ``queries`` (per request, for the account charge).
* ``sessions``: ``name``, ``role`` ('legit' or 'attacker'), ``accounts``, ``ring``,
  ``trace``, ``queries`` (per request), ``requests`` (per member, or the ring's; default the
  whole trace), ``hardware``, ``rate_hz`` (members' arrivals; absent: all at ``start_s``),
  ``start_s``, ``end_s``, ``think_s``, ``timeout_s``, ``retry``, ``max_retries``,
  ``on_expiry``.
* all, with ``[defense]``: ``trace``, whose queries the defense charges per account.

A new load kind is one reader here (registered in :data:`READERS`) plus its keys in
:mod:`powsim.model.kinds`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from powsim.errors import InputError
from powsim.hashcash.hardware import DEFAULT_PROFILE
from powsim.model.charge import account_effort, request_charges
from powsim.model.load import (EXPIRIES, RETRIES, ROLES, STRATEGIES, Botnet, Sessions, Stream)
from powsim.model.parse import TraceFiles
from powsim.model.scenario import MAX_MEMBERS, DefenseConfig
from powsim.model.toml_table import Table

MAX_QUERIES = 10**6  # queries of one request, as [defense] queries_per_puzzle


class Charges:
    """The per-account charges of load agents under the scenario's ``defense`` (None: no
    ``[defense]``, every charge 0), reading each agent's ``trace`` through ``traces``."""

    def __init__(self, defense: DefenseConfig | None, traces: TraceFiles) -> None:
        self.defense, self.traces = defense, traces

    def one_shot(self, table: Table) -> float:
        """The charge (hashes) of a fresh account's one request of ``queries`` queries."""
        trace = self._trace(table)
        if trace is None:
            return 0.0
        answered = int(trace.data["queries"].iloc[-1]) if trace.kind == "curve" else len(trace)
        return account_effort(self.defense, trace, table.integer("queries", 1, 1, answered),
                              table.where)

    def sequence(self, table: Table, queries: int, accounts: int, ring: bool,
                 requests: int | None) -> tuple[float, ...]:
        """The charges (hashes) of a member's (or a ring's) requests in order."""
        trace = self._trace(table)
        if trace is None:
            return (0.0,) * (requests or 1)
        return tuple(request_charges(self.defense, trace, queries, accounts, ring, requests,
                                     table.where).tolist())

    def _trace(self, table: Table):
        if self.defense is None:
            if "trace" in table.data:
                raise InputError(f"{table.where}.trace: set without a [defense] table, expected "
                                 "[defense] to charge the trace's privacy cost")
            return None
        if "trace" not in table.data:
            raise InputError(f"{table.where}.trace: missing, expected the trace whose queries "
                             "[defense] charges")
        return self.traces.get(table, "trace")


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
        hardware=(mix[0][0] if mix else
                  hardware[table.choice("hardware", DEFAULT_PROFILE, tuple(hardware))]),
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
        hardware=hardware[table.choice("hardware", DEFAULT_PROFILE, tuple(hardware))],
        start_s=start_s, end_s=end_s, strategy=strategy, max_rate_hz=max_rate_hz,
        timeout_s=table.number("timeout_s", 30.0, low=0, strict=True))


def _sessions(table: Table, index: int, hardware: dict, charges: Charges) -> Sessions:
    start_s, end_s = _window(table, math.inf)
    ring = table.boolean("ring", False)
    accounts = table.integer("accounts", 1, 1, MAX_MEMBERS)
    if ring and "rate_hz" in table.data:
        raise InputError(f"{table.where}.rate_hz: set with ring = true, expected it only for "
                         "independent members (a ring is one actor)")
    queries = table.integer("queries", 1, 1, MAX_QUERIES)
    requests = table.integer("requests", None, 1, 10**6)
    return Sessions(
        name=_name(table, "sessions", index), role=table.choice("role", "legit", ROLES),
        accounts=accounts, ring=ring,
        hardware=hardware[table.choice("hardware", DEFAULT_PROFILE, tuple(hardware))],
        charges=charges.sequence(table, queries, accounts, ring, requests), queries=queries,
        rate_hz=table.number("rate_hz", None, low=0, strict=True), start_s=start_s, end_s=end_s,
        think_s=table.number("think_s", 0.0, low=0),
        timeout_s=table.number("timeout_s", 30.0, low=0, strict=True),
        retry=table.choice("retry", "double-effort", RETRIES),
        max_retries=table.integer("max_retries", 10, 0),
        on_expiry=table.choice("on_expiry", "retry", EXPIRIES))


Reader = Callable[[Table, int, dict, Charges], object]
READERS: dict[str, Reader] = {
    "stream": lambda table, index, hardware, charges: dataclasses.replace(
        _stream(table, index, hardware), account_effort=charges.one_shot(table)),
    "sessions": _sessions,
    "botnet": lambda table, index, hardware, charges: dataclasses.replace(
        _botnet(table, index, hardware), account_effort=charges.one_shot(table)),
}
