"""A load scenario: the server under open arrivals, its difficulty rule, streams and botnets.

Units: seconds for times, hashes (expected trials) for effort, hashes/s for hash rates,
requests/s for rates. A load scenario is a scenario TOML whose ``[[agents]]`` are of kind
``stream`` (one-shot legitimate clients) or ``botnet`` (one attacker emitting a stream);
see :mod:`powsim.model.load_parse` for the keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from powsim.hashcash.hardware import Hardware
from powsim.model.scenario import DefenseConfig

ADMISSIONS = ("cost-first", "puzzle-first")
RETRIES = ("none", "double-effort")
EXPIRIES = ("retry", "lost")
STRATEGIES = ("sustained", "precomputed")
COMBINES = ("max", "sum")
ROLES = ("legit", "attacker")


@dataclass(frozen=True)
class LoadServer:
    """The server: ``admission`` order, ``workers`` serving one request each for
    ``service_s`` seconds (inference plus cost estimation; 'fixed' or 'exponential'
    ``service``), ``verify_s`` seconds per solution on ``admission_workers`` (the top half),
    ``queue_capacity`` requests (None: unbounded) and the ``hardware`` (name) whose price per
    hour is the operator's cost of one worker. ``service_times_s``, when not empty, replays
    given service times (seconds, shape (n,)) in the order services start, ``service_s``
    after the last: a real server's, for a trace-driven run (:mod:`powsim.gateway.validate`);
    no TOML key sets them."""

    admission: str = "puzzle-first"
    workers: int = 1
    service_s: float = 1.0
    service: str = "fixed"
    verify_s: float = 0.0
    admission_workers: int = 1
    queue_capacity: int | None = None
    hardware: Hardware | None = None
    service_times_s: tuple[float, ...] = ()

    @property
    def capacity_hz(self) -> float:
        """Requests per second the workers can serve when always busy."""
        return self.workers / self.service_s


@dataclass(frozen=True)
class DifficultyRule:
    """``[difficulty]``: the load-driven ``rule``, published every ``update_s`` seconds, never
    below ``min_effort`` hashes once non-zero; ``combine`` ('max' or 'sum', in hashes) with the
    per-account privacy charge."""

    rule: str = "none"
    update_s: float = 300.0
    min_effort: float = 0.0
    combine: str = "max"


@dataclass(frozen=True)
class Stream:
    """``kind = "stream"``: one-shot legitimate clients arriving at ``rate_hz`` from ``start_s``
    to ``end_s``, each asking ``queries`` queries on ``hardware`` (or, with ``mix``, on one of
    the profiles ``mix`` lists with their shares of clients), waiting ``timeout_s`` for
    service and then retrying per ``retry`` up to ``max_retries`` times (``on_expiry`` 'lost':
    only after a trim; a request that expired in the queue loses its client, as effort_sim's
    code does); ``account_effort`` the
    per-account privacy charge of its batch (hashes, 0 without a ``[defense]``; see
    :mod:`powsim.model.charge`). ``arrivals_s``, when not empty, replays given arrival times
    (seconds, increasing, shape (n,)) in place of the stream's own, e.g. a load that was
    sent to a real server (:mod:`powsim.gateway.validate`); ``rate_hz`` is then their mean
    rate, and no TOML key sets them."""

    name: str
    rate_hz: float
    hardware: Hardware
    queries: int = 1
    timeout_s: float = 30.0
    retry: str = "double-effort"
    max_retries: int = 10
    on_expiry: str = "retry"
    start_s: float = 0.0
    end_s: float = math.inf
    account_effort: float = 0.0
    mix: tuple[tuple[Hardware, float], ...] = ()
    arrivals_s: tuple[float, ...] = ()


@dataclass(frozen=True)
class Botnet:
    """``kind = "botnet"``: ``machines`` of ``hardware`` attacking from ``start_s`` to ``end_s``
    with ``strategy`` 'sustained' (every ``tick_s`` as many requests as the machines can pay
    for at the published effort plus one) or 'precomputed' (hashes through the window, submits
    in its last update period), at most ``max_rate_hz`` requests/s; requests wait ``timeout_s``."""

    name: str
    machines: int
    hardware: Hardware
    start_s: float
    end_s: float
    strategy: str = "sustained"
    max_rate_hz: float = math.inf
    timeout_s: float = 30.0
    account_effort: float = 0.0  # the privacy charge of each request (hashes), as for a stream


@dataclass(frozen=True)
class Sessions:
    """``kind = "sessions"``: accounts that each send a sequence of requests, one at a time,
    each paying its account's privacy charge at that point combined with the load's effort.
    ``accounts`` members arriving at ``rate_hz`` from ``start_s`` (None: all at ``start_s``),
    each on its own account replaying its trace from the start; or, with ``ring``, one actor
    on ``hardware`` spreading the trace's requests over its ``accounts`` (request i on account
    i mod accounts, as the per-account sybil ring). ``charges`` are the per-account charges
    (hashes) of a member's (or the ring's) requests in order, shape (requests,), each of
    ``queries`` queries; ``think_s`` is the mean pause before each request after the first;
    ``role`` ('legit' or 'attacker') says whose figures they are; timeouts and retries as for
    a stream."""

    name: str
    role: str
    accounts: int
    hardware: Hardware
    charges: tuple[float, ...]
    queries: int = 1
    ring: bool = False
    rate_hz: float | None = None
    start_s: float = 0.0
    end_s: float = math.inf
    think_s: float = 0.0
    timeout_s: float = 30.0
    retry: str = "double-effort"
    max_retries: int = 10
    on_expiry: str = "retry"

    @property
    def members(self) -> int:
        """Actors that send requests: one for a ring, else one per account."""
        return 1 if self.ring else self.accounts


@dataclass(frozen=True)
class LoadScenario:
    """A validated load scenario: server, difficulty rule, streams, botnets; the run lasts
    ``duration_s``; ``warmup_s`` is discarded from steady-state figures (None: the warm-up
    MSER-5 finds in each run, :mod:`powsim.load.warmup`); botnets emit every ``tick_s``;
    ``defense`` the optional per-account ``[defense]`` the agents' charges came from (the
    real gateway prices with it)."""

    server: LoadServer
    difficulty: DifficultyRule
    streams: tuple[Stream, ...]
    botnets: tuple[Botnet, ...]
    duration_s: float
    warmup_s: float | None
    tick_s: float = 1.0
    source: str = "<memory>"
    sessions: tuple[Sessions, ...] = ()
    defense: DefenseConfig | None = None

    @property
    def groups(self) -> tuple[str, ...]:
        """Agent names, streams first, then sessions, then botnets: the group index of every
        request."""
        return tuple(a.name for a in (*self.streams, *self.sessions, *self.botnets))

    @property
    def roles(self) -> tuple[str, ...]:
        """'legit' or 'attacker' for each group of :attr:`groups`: streams are legitimate,
        botnets attackers, sessions what their ``role`` says."""
        return (("legit",) * len(self.streams) + tuple(s.role for s in self.sessions)
                + ("attacker",) * len(self.botnets))

    @property
    def clients(self) -> tuple[Stream | Sessions, ...]:
        """The groups whose requests are followed one by one (streams, then sessions)."""
        return (*self.streams, *self.sessions)
