"""One actor's side of the protocol: submit a batch, solve its puzzle, collect the labels."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass

import numpy as np
import simpy

from powsim.sim.durations import Durations
from powsim.hashcash.hardware import Hardware
from powsim.sim.clock import Clock
from powsim.sim.events import CHUNK, EventRows
from powsim.sim.exponentials import BlockedStream
from powsim.sim.server.server import SIGNUP, Server
from powsim.sim.solve_time import RealHashTrials, SolveModel, solve_puzzle
from powsim.traces.batches import Batch


@dataclass(slots=True)
class Client:
    """An actor (``agent`` entry, member ``actor``) with its hardware, ``solvers`` parallel
    solvers, solve-time model, random stream, and the rows its events are appended to (plain
    tuples in :class:`~powsim.sim.events.BatchEvent`'s order: a named tuple costs more to make)."""

    env: Clock
    server: Server
    agent: str
    kind: str
    actor: int
    hardware: Hardware
    solvers: int
    solve: SolveModel | RealHashTrials
    durations: Durations
    rng: np.random.Generator | BlockedStream
    events: EventRows

    def fetch(self, account: str, batches: Iterable[Batch], think_s: float = 0.0, cover: bool = False
              ) -> Generator[simpy.Event, object, None]:
        """For each of ``batches`` in turn: think ``think_s`` seconds (mean), ask the server for
        its labels, solve the puzzle, get them verified (one generator for them all: each
        resumption crosses one frame fewer than a generator per batch under a loop)."""
        env, server, rng, solve, events = self.env, self.server, self.rng, self.solve, self.events
        record = events.append
        draw, hardware, solvers, agent, kind, actor = (self.durations.draw, self.hardware, self.solvers,
                                                       self.agent, self.kind, self.actor)
        for batch in batches:
            thought_s = draw(think_s, rng)
            if thought_s:
                yield env.later(thought_s)
            challenge = yield from server.answer(account, batch, rng)
            trials, solve_s, nonces = solve_puzzle(solve, challenge.bits, challenge.puzzles, rng,
                                                   hardware, solvers)
            yield env.later(solve_s)
            verified = server.verify(challenge, batch, nonces)
            if verified is not None:
                yield verified
            record((env.now, agent, kind, actor, account, batch.index, cover,
                    batch.queries, batch.cost, challenge.account_queries, challenge.account_cost,
                    challenge.target_s, challenge.bits, trials, solve_s, challenge.queue_s,
                    challenge.service_s, thought_s, 0.0))
            if len(events) >= CHUNK:
                events.settle()  # the rows typed while fresh in memory

    def signup(self, account: str, bits: int, fee_usd: float) -> Generator[simpy.Event, object, None]:
        """Open ``account``: solve a signup puzzle of ``bits`` bits and/or pay ``fee_usd``."""
        puzzles = self.server.issue(account, SIGNUP, bits) if bits else ()
        trials, solve_s, nonces = solve_puzzle(self.solve, bits, puzzles, self.rng, self.hardware,
                                               self.solvers) if bits else (0.0, 0.0, ())
        yield self.env.later(solve_s)
        self.server.check(account, SIGNUP, puzzles, nonces)
        self.events.append((
            self.env.now, self.agent, self.kind, self.actor, account, SIGNUP, False, 0.0, 0.0, 0.0,
            0.0, self.server.difficulty.expected_s(bits) if bits else 0.0, bits, trials,
            solve_s, 0.0, 0.0, 0.0, fee_usd))
