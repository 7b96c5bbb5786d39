"""One actor's side of the protocol: submit a batch, solve its puzzle, collect the labels."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from powsim.sim.durations import Durations
from powsim.hashcash.hardware import Hardware
from powsim.sim.events import BatchEvent
from powsim.sim.server.server import SIGNUP, Server
from powsim.sim.solve_time import RealHashTrials, SolveModel, solve_puzzle
from powsim.traces.batches import Batch


@dataclass(slots=True)
class Client:
    """An actor (``agent`` entry, member ``actor``) with its hardware, ``solvers`` parallel
    solvers, solve-time model, random stream, and the list its events are appended to."""

    env: simpy.Environment
    server: Server
    agent: str
    kind: str
    actor: int
    hardware: Hardware
    solvers: int
    solve: SolveModel | RealHashTrials
    durations: Durations
    rng: np.random.Generator
    events: list[BatchEvent]

    def fetch(self, account: str, batch: Batch, think_s: float = 0.0, cover: bool = False
              ) -> Generator[simpy.Event, object, None]:
        """Think, ask the server for ``batch``'s labels, solve the puzzle, get them verified."""
        think_s = self.durations.draw(think_s, self.rng)
        if think_s:
            yield self.env.timeout(think_s)
        challenge = yield from self.server.answer(account, batch, self.rng)
        trials, solve_s, nonces = solve_puzzle(self.solve, challenge.bits, challenge.puzzles, self.rng,
                                               self.hardware, self.solvers)
        yield self.env.timeout(solve_s)
        verified = self.server.verify(challenge, batch, nonces)
        if verified is not None:
            yield verified
        self.events.append(BatchEvent(
            self.env.now, self.agent, self.kind, self.actor, account, batch.index, cover,
            batch.queries, batch.cost, challenge.account_queries, challenge.account_cost,
            challenge.target_s, challenge.bits, trials, solve_s, challenge.queue_s,
            challenge.service_s, think_s, 0.0))

    def signup(self, account: str, bits: int, fee_usd: float) -> Generator[simpy.Event, object, None]:
        """Open ``account``: solve a signup puzzle of ``bits`` bits and/or pay ``fee_usd``."""
        puzzles = self.server.issue(account, SIGNUP, bits) if bits else ()
        trials, solve_s, nonces = solve_puzzle(self.solve, bits, puzzles, self.rng, self.hardware,
                                               self.solvers) if bits else (0.0, 0.0, ())
        yield self.env.timeout(solve_s)
        self.server.check(account, SIGNUP, puzzles, nonces)
        self.events.append(BatchEvent(
            self.env.now, self.agent, self.kind, self.actor, account, SIGNUP, False, 0.0, 0.0, 0.0,
            0.0, self.server.difficulty.expected_s(bits) if bits else 0.0, bits, trials,
            solve_s, 0.0, 0.0, 0.0, fee_usd))
