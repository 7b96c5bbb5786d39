"""The PoW server as SimPy processes: answer a batch, set its puzzle, verify the solution.

A batch waits for an inference worker, is served, then waits for a cost-estimation worker
(which updates the ledger with the batch's privacy cost); the policy turns the account's
new state into a target time, the difficulty into bits, and the server issues the
challenge. Labels are released once the solution is verified.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import simpy

from powsim.sim.durations import Durations
from powsim.sim.policies import Policy
from powsim.sim.server.difficulty import Difficulty
from powsim.sim.server.ledger import Ledger
from powsim.sim.workload import Batch


@dataclass(frozen=True)
class ServerConfig:
    """Workers and timings: ``workers`` inference and ``cost_workers`` cost-estimation
    workers (0: the inference worker estimates the cost too, one request per batch);
    ``service`` 'fixed' (the per-batch seconds) or 'exponential' (with that mean);
    ``verify_s`` seconds to verify one solution; ``inference_s``/``cost_s`` per-batch
    seconds that replace the traces' measured ones when set."""

    workers: int = 1
    cost_workers: int = 1
    service: str = "fixed"
    verify_s: float = 0.0
    inference_s: float | None = None
    cost_s: float | None = None


class Challenge(NamedTuple):
    """The puzzle issued for one answered batch, and how the batch got there."""

    account: str
    target_s: float
    bits: int
    account_queries: float
    account_cost: float
    queue_s: float
    service_s: float


class Server:
    """The server of one simulation run: two worker pools, the ledger, policy and difficulty."""

    def __init__(self, env: simpy.Environment, config: ServerConfig, ledger: Ledger,
                 policy: Policy, difficulty: Difficulty, durations: Durations) -> None:
        self.env = env
        self.config = config
        self.ledger = ledger
        self.policy = policy
        self.difficulty = difficulty
        self.inference = simpy.Resource(env, capacity=config.workers)
        self.estimation = (simpy.Resource(env, capacity=config.cost_workers)
                           if config.cost_workers else None)
        self._service = Durations(durations.sampled and config.service == "exponential")

    def answer(self, account: str, batch: Batch, rng: np.random.Generator
               ) -> Generator[simpy.Event, object, Challenge]:
        """Serve ``batch`` for ``account``, charge its cost and issue its challenge."""
        arrived = self.env.now
        inference_s = self._service.draw(batch.inference_s, rng)
        cost_s = self._service.draw(batch.cost_s, rng)
        with self.inference.request() as turn:
            yield turn
            yield self.env.timeout(inference_s if self.estimation is not None
                                   else inference_s + cost_s)
        if self.estimation is not None:
            with self.estimation.request() as turn:
                yield turn
                yield self.env.timeout(cost_s)
        queries, cost = self.ledger.charge(account, batch)
        target_s = self.policy.target_s(queries, cost, batch.queries)
        service_s = inference_s + cost_s
        return Challenge(account, target_s, self.difficulty.bits(target_s), queries, cost,
                         self.env.now - arrived - service_s, service_s)

    def verify(self, challenge: Challenge) -> Generator[simpy.Event, object, None]:
        """Check the solution of ``challenge`` (one hash; ``verify_s`` seconds)."""
        if self.config.verify_s:
            yield self.env.timeout(self.config.verify_s)

    def predicted_diff(self, account: str, batch: Batch) -> float:
        """The policy's diff for ``account`` if ``batch`` were answered next (no charge)."""
        return self.policy.diff(*self.ledger.preview(account, batch))
