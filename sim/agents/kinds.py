"""The registry of agent kinds: what a scenario's ``[[agents]]`` ``kind`` may name.

A kind says which scenario keys its entries take (beside the common ones), which field
counts its actors, whether group accounting may link its accounts, and its story: either
``independent`` (each member replays its trace on its own account from its own start
time, optionally a Poisson stream) or a ``story`` that runs all its clients together.
A new kind is one story function plus one :func:`register_kind` call.

Load kinds (``stream``, ``botnet``) are registered here too, so that the validator lists
them, but take no story: a scenario of them runs in :mod:`powsim.sim.load`'s engine (open
arrivals against a bounded queue), which reads their keys from :data:`AGENT_KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from powsim.sim.agents.adaptive import adaptive
from powsim.sim.agents.client import Client
from powsim.sim.agents.colluders import colluders
from powsim.sim.agents.sybil import sybil
from powsim.traces.batches import Batch

if TYPE_CHECKING:
    from powsim.sim.scenario import AgentSpec

COMMON_KEYS = frozenset({"kind", "name", "trace", "hardware", "solvers", "start_s"})

Story = Callable[[simpy.Environment, "AgentSpec", Sequence[Client], Sequence[str],
                  Sequence[Batch], Sequence[Batch] | None], Generator]


@dataclass(frozen=True)
class AgentKind:
    """One kind of agent: its scenario ``keys``, the field counting its actors
    (``members_key``, None for one actor), whether group accounting may ``link`` its
    accounts, and its ``story`` (None: ``independent`` replaying members); ``load`` kinds run
    in the load engine instead (see the module docstring)."""

    name: str
    keys: frozenset[str]
    members_key: str | None = None
    link: bool = False
    story: Story | None = None
    load: bool = False

    @property
    def independent(self) -> bool:
        """Whether each member replays its own trace alone (legit users, lone attackers)."""
        return self.story is None and not self.load


AGENT_KINDS: dict[str, AgentKind] = {}


def register_kind(kind: AgentKind) -> AgentKind:
    """Make ``kind`` selectable as ``[[agents]] kind = NAME``."""
    AGENT_KINDS[kind.name] = kind
    return kind


_MEMBERS = frozenset({"count", "think_s", "arrival_rate_hz"})
# A legit entry may draw its members' queries from a pool (sample = "bootstrap", queries = ...:
# see powsim.sim.agents.population); any legit or attacker entry may take a hardware mix.
register_kind(AgentKind("legit", COMMON_KEYS | _MEMBERS | {"sample", "queries"},
                        members_key="count"))
register_kind(AgentKind("attacker", COMMON_KEYS | _MEMBERS, members_key="count"))
register_kind(AgentKind(
    "sybil", COMMON_KEYS | {"accounts", "signup_bits", "signup_usd"}, link=True,
    story=lambda env, spec, clients, accounts, batches, cover: sybil(
        clients[0], accounts, batches, spec.signup_bits, spec.signup_usd)))
register_kind(AgentKind(
    "colluders", COMMON_KEYS | {"actors"}, members_key="actors", link=True,
    story=lambda env, spec, clients, accounts, batches, cover: colluders(
        env, clients, accounts, batches)))
register_kind(AgentKind(
    "adaptive", COMMON_KEYS | {"cover", "cover_per_batch", "max_diff"},
    story=lambda env, spec, clients, accounts, batches, cover: adaptive(
        clients[0], accounts[0], batches, cover, spec.cover_per_batch, spec.max_diff)))
register_kind(AgentKind(
    "stream", frozenset({"kind", "name", "rate_hz", "queries", "hardware", "timeout_s", "retry",
                         "max_retries", "on_expiry", "start_s", "end_s", "trace"}), load=True))
register_kind(AgentKind(
    "botnet", frozenset({"kind", "name", "machines", "hardware", "start_s", "end_s", "strategy",
                         "max_rate_hz", "timeout_s", "queries", "trace"}), load=True))
