"""Run a scenario: build the server and the agents' processes, simulate, collect the events.

Randomness: replication r of seed s draws from SeedSequence(s).spawn(...)[r]; inside it,
agent entry i from child i, and inside that, child 0 for the entry's own draws (arrival
times, whether a ring is linked) and child 1 + j for member j. Appending an agent entry
or a member therefore leaves every other stream, and so every other draw, unchanged.
A member of a legit or attacker entry draws, from its own stream and before anything else,
its hardware (from the entry's mix) and, when bootstrapped, its queries.
With real hashing the server's HashCash (its secret and its challenges' random bytes)
draws from the replication's own SeedSequence, which no agent entry uses (they use its
children), so it too is unchanged by appending entries.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import simpy

from powsim.calibrate.difficulty import Difficulty
from powsim.errors import ParameterError
from powsim.sim.agents.client import Client
from powsim.model.kinds import AGENT_KINDS
from powsim.sim.agents.population import bootstrap_batches
from powsim.sim.agents.replay import replay
from powsim.sim.agents.stories import STORIES
from powsim.sim.clock import Clock
from powsim.sim.durations import Durations
from powsim.sim.events import EventRows
from powsim.sim.exponentials import BlockedStream
from powsim.sim.gc_pause import cyclic_gc_paused
from powsim.sim.kernels import KERNELS, joined
from powsim.hashcash.families import Sha256
from powsim.difficulty.policies import Policy, policy_class
from powsim.difficulty.reference import policy_reference, reference_delta
from powsim.model.scenario import AgentSpec, DefenseConfig, Scenario
from powsim.sim.server.ledger import Ledger
from powsim.sim.server.server import Server, simulated_hashcash
from powsim.sim.solve_time import RealHashTrials, SolveModel, solve_model
from powsim.sim.vectorised import Setup, run_entry, takes
from powsim.traces.batches import ServiceTimes, Workload, workload
from powsim.traces.format import Trace


@dataclass(frozen=True)
class Model:
    """A scenario made ready to run: its policy (reference fitted), difficulty and each
    entry's batches (for a bootstrapped entry, its pool's queries one per batch, and
    ``puzzle_sizes`` its members' queries per puzzle). RDP curves are on the
    defense's ``orders``, where the ledger converts them too."""

    scenario: Scenario
    policy: Policy
    difficulty: Difficulty
    workloads: tuple[Workload, ...]
    covers: tuple[Workload | None, ...]
    delta: float | None
    puzzle_sizes: tuple[int | None, ...] = ()


class Member(NamedTuple):
    """One actor of an agent entry, when it started (simulated seconds) and its hardware."""

    agent: str
    actor: int
    start_s: float
    hardware: str


class Run(NamedTuple):
    """What one run produced: the events (one row per batch) and the members' start times."""

    events: pd.DataFrame
    members: pd.DataFrame


def prepare(scenario: Scenario) -> Model:
    """Fit the reference and cut every entry's traces into batches (once for all runs)."""
    defense = scenario.defense
    policy_type = policy_class(defense.policy)
    rdp, orders = policy_type.metric == "rdp", defense.orders
    policy = policy_type(policy_reference(defense.reference, policy_type.metric,
                                          defense.queries_per_puzzle, orders), defense.parameters)
    service = ServiceTimes(scenario.server.inference_s, scenario.server.cost_s)
    cache: dict[int, Workload] = {}  # by trace object: entries sharing a trace share its batches

    def cut(trace: Trace) -> Workload:
        if id(trace) not in cache:
            cache[id(trace)] = workload(trace, defense.queries_per_puzzle, service, rdp, orders)
        return cache[id(trace)]

    def per_query(trace: Trace) -> Workload:
        return workload(trace, 1, ServiceTimes(*(None if s is None else s / _pool_batch(trace, defense)
                                                 for s in (service.inference_s, service.cost_s))),
                        rdp, orders)

    difficulty = Difficulty(defense.reference_hash_rate_hz, defense.max_bits, defense.sub_solutions)
    bootstrap = [a.sample == "bootstrap" for a in scenario.agents]
    return Model(scenario, policy, difficulty,
                 tuple(per_query(a.trace) if b else cut(a.trace) for a, b in zip(scenario.agents, bootstrap)),
                 tuple(cut(a.cover) if a.cover is not None else None for a in scenario.agents),
                 reference_delta(defense.reference) if rdp else None,
                 tuple(_pool_batch(a.trace, defense) if b else None
                       for a, b in zip(scenario.agents, bootstrap)))


def _pool_batch(trace: Trace, defense: DefenseConfig) -> int:
    """Queries per batch of a bootstrapped member: the defense's, else the pool's."""
    return int(defense.queries_per_puzzle or trace.metadata.batch_size or 1)


def simulate(model: Model, mode: str, seed: int, replication: int = 0,
             hashing: str = "sampled", linked: bool | None = None, kernel: str = "auto") -> Run:
    """Simulate ``model`` once in ``mode`` ('expected' or 'sampled'), puzzles' trials drawn
    (``hashing`` 'sampled') or hashed for real ('real'). ``linked`` True or False fixes
    whether group accounting links each ring; None draws it with the defense's
    ``link_probability``. ``kernel`` 'auto' runs the entries the vectorised kernel takes
    there and the rest in SimPy, with the same result as 'des' (all in SimPy): the run is
    made again in SimPy when the two could differ (see :mod:`powsim.sim.kernels`)."""
    scenario = model.scenario
    if kernel not in KERNELS:
        raise ParameterError(f"{{kernel}}: {kernel!r}, expected one of {', '.join(KERNELS)}")
    if hashing == "real" and not isinstance(scenario.defense.puzzle, Sha256):
        raise ParameterError(f"{{hashing}}: 'real' hashes SHA-256 puzzles only, expected 'sampled' for "
                             f"{scenario.defense.puzzle.name} ('powsim hashcash validate --puzzle' hashes it for real)")
    env = Clock()
    durations = Durations(mode == "sampled")
    solve = solve_model(mode, scenario.defense.sub_solutions, hashing)
    root = np.random.SeedSequence(seed, spawn_key=(replication,))
    ledger = Ledger(model.delta, scenario.defense.orders)
    server = Server(env, scenario.server, ledger, model.policy, model.difficulty, durations,
                    simulated_hashcash(env, root) if hashing == "real" else None)
    launch = _Launcher(env, server, scenario.defense, solve, durations, linked)
    streams = root.spawn(len(scenario.agents))
    sizes = model.puzzle_sizes or (None,) * len(scenario.agents)
    taken = [kernel == "auto" and takes(spec, model.policy, hashing) for spec in scenario.agents]
    for spec, stream, work, cover, size, vectorised in zip(scenario.agents, streams, model.workloads,
                                                           model.covers, sizes, taken):
        if not vectorised:
            launch.agent(spec, stream, work, cover, size)
    with cyclic_gc_paused():  # the table too, and the rows freed before a pass could scan them
        env.run()
        if not any(taken):
            return Run(launch.events.frame(), pd.DataFrame.from_records(launch.members,
                                                                         columns=Member._fields))
        des_events = launch.events.columns()
    setup = Setup(model.policy, model.difficulty, scenario.server, mode == "sampled")
    entries = {spec.name: run_entry(spec, stream, work, size, setup) for spec, stream, work, size, vectorised
               in zip(scenario.agents, streams, model.workloads, sizes, taken) if vectorised}
    events = joined(des_events, list(entries.values()), scenario.server)
    if events is None:
        return simulate(model, mode, seed, replication, hashing, linked, kernel="des")
    members = [m for spec in scenario.agents for m in (
        entries[spec.name].members if spec.name in entries else
        [m for m in launch.members if m.agent == spec.name])]
    return Run(events, pd.DataFrame.from_records(members, columns=Member._fields))


def _start(env: simpy.Environment, delay_s: float, story: Generator) -> None:
    """Start ``story`` as a process after ``delay_s`` simulated seconds (no wrapper process,
    so each resumption of the story crosses one generator frame fewer)."""
    if delay_s == 0:
        env.process(story)
    else:
        env.timeout(delay_s).callbacks.append(lambda _: env.process(story))


class _Launcher:
    """Turns agent entries into SimPy processes on one server, collecting their events."""

    def __init__(self, env: Clock, server: Server, defense: DefenseConfig,
                 solve: SolveModel | RealHashTrials, durations: Durations,
                 linked: bool | None = None) -> None:
        self.env, self.server, self.defense, self.linked = env, server, defense, linked
        self.solve, self.durations = solve, durations
        self.events = EventRows()  # rows in EVENT_COLUMNS' order (sim/events.py)
        self.members: list[Member] = []

    def agent(self, spec: AgentSpec, stream: np.random.SeedSequence, work: Workload,
              cover: Workload | None, queries_per_puzzle: int | None = None) -> None:
        """Open the entry's accounts and start its processes; ``queries_per_puzzle`` (bootstrapped
        entries) cuts each member's own queries, drawn from ``work`` (one query per batch)."""
        own, *member_streams = stream.spawn(1 + spec.members)
        own_rng = np.random.default_rng(own)
        clients = [self._client(spec, actor, s) for actor, s in enumerate(member_streams)]
        accounts = [f"{spec.name}/{j}" for j in range(max(spec.members, spec.accounts))]
        defense, kind = self.defense, AGENT_KINDS[spec.kind]
        draw = own_rng.random()  # drawn even when fixed, so later draws stay the same
        linked = draw < defense.link_probability if self.linked is None else self.linked
        if kind.link and defense.accounting == "group" and linked:
            self.server.ledger.link(accounts)
        else:
            for account in accounts:
                self.server.ledger.open(account)
        if kind.independent:
            start_s = spec.start_s
            for client, account in zip(clients, accounts):
                if spec.arrival_rate_hz is not None:
                    start_s += self.durations.draw(1 / spec.arrival_rate_hz, own_rng)
                self.members.append(Member(spec.name, client.actor, start_s, client.hardware.name))
                batches = work.batches if queries_per_puzzle is None else bootstrap_batches(
                    work, spec.queries.draw(client.rng), queries_per_puzzle, client.rng)
                _start(self.env, start_s, replay(client, account, batches, spec.think_s))
            return
        for client in clients:
            self.members.append(Member(spec.name, client.actor, spec.start_s, client.hardware.name))
        cover_batches = cover.batches if cover is not None else None
        _start(self.env, spec.start_s, STORIES[spec.kind](self.env, spec, clients, accounts,
                                                         work.batches, cover_batches))

    def _client(self, spec: AgentSpec, actor: int, stream: np.random.SeedSequence) -> Client:
        rng = BlockedStream(np.random.default_rng(stream))  # numpy's draws, exponentials in blocks
        hardware = spec.mix.draw(rng) if spec.mix else spec.hardware
        return Client(self.env, self.server, spec.name, spec.kind, actor, hardware, spec.solvers,
                      self.solve, self.durations, rng, self.events)
