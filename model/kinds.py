"""The registry of agent kinds: what a scenario's ``[[agents]]`` ``kind`` may name.

A kind says which scenario keys its entries take, which field counts its actors, whether
group accounting may link its accounts, and which kernel runs it: ``account`` kinds run in
the per-account simulation (:mod:`powsim.sim`), ``load`` kinds (open arrivals, botnets) in
the load simulation (:mod:`powsim.load`). What an account kind *does* is its story,
registered by the same name in :mod:`powsim.sim.agents.stories`; the model only knows its
name and keys, so reading a scenario never imports a kernel. A new kind is one entry here
plus, for an account kind with a story, one story registration.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMON_KEYS = frozenset({"kind", "name", "trace", "hardware", "solvers", "start_s"})
ENGINES = ("account", "load")


@dataclass(frozen=True)
class AgentKind:
    """One kind of agent: its scenario ``keys``, the field counting its actors
    (``members_key``, None for one actor), whether group accounting may ``link`` its
    accounts, whether each member replays its own trace alone (``independent``: legitimate
    users, lone attackers; otherwise a story runs all its clients together) and the
    ``engine`` that runs it ('account' or 'load')."""

    name: str
    keys: frozenset[str]
    members_key: str | None = None
    link: bool = False
    independent: bool = False
    engine: str = "account"

    @property
    def load(self) -> bool:
        """Whether the load engine runs it (open arrivals against a bounded queue)."""
        return self.engine == "load"


AGENT_KINDS: dict[str, AgentKind] = {}


def register_kind(kind: AgentKind) -> AgentKind:
    """Make ``kind`` selectable as ``[[agents]] kind = NAME``."""
    if kind.engine not in ENGINES:
        raise ValueError(f"agent kind {kind.name}: engine {kind.engine!r}, expected one of {ENGINES}")
    AGENT_KINDS[kind.name] = kind
    return kind


_MEMBERS = frozenset({"count", "think_s", "arrival_rate_hz"})
# A legit entry may draw its members' queries from a pool (sample = "bootstrap", queries = ...:
# see powsim.model.population); any legit or attacker entry may take a hardware mix.
register_kind(AgentKind("legit", COMMON_KEYS | _MEMBERS | {"sample", "queries"},
                        members_key="count", independent=True))
register_kind(AgentKind("attacker", COMMON_KEYS | _MEMBERS, members_key="count", independent=True))
register_kind(AgentKind("sybil", COMMON_KEYS | {"accounts", "signup_bits", "signup_usd"}, link=True))
register_kind(AgentKind("colluders", COMMON_KEYS | {"actors"}, members_key="actors", link=True))
register_kind(AgentKind("adaptive", COMMON_KEYS | {"cover", "cover_per_batch", "max_diff"}))
register_kind(AgentKind(
    "stream", frozenset({"kind", "name", "rate_hz", "queries", "hardware", "timeout_s", "retry",
                         "max_retries", "on_expiry", "start_s", "end_s", "trace"}), engine="load"))
register_kind(AgentKind(
    "sessions", frozenset({"kind", "name", "role", "accounts", "ring", "trace", "queries",
                           "requests", "hardware", "rate_hz", "start_s", "end_s", "think_s",
                           "timeout_s", "retry", "max_retries", "on_expiry"}),
    members_key="accounts", engine="load"))
register_kind(AgentKind(
    "botnet", frozenset({"kind", "name", "machines", "hardware", "start_s", "end_s", "strategy",
                         "max_rate_hz", "timeout_s", "queries", "trace"}), engine="load"))
