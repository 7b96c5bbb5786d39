"""The PoW server as SimPy processes: answer a batch, set its puzzle, verify the solution.

A batch waits for an inference worker, is served, then waits for a cost-estimation worker
(which updates the ledger with the batch's privacy cost); the policy turns the account's
new state into a target time, the difficulty into bits, and the server issues the
challenge. Labels are released once the solution is verified.

With real hashing (``--hash real``) the server owns a :class:`~powsim.hashcash.HashCash`
(see :func:`simulated_hashcash`) and the challenge carries real HashCash challenges for
(account, batch digest, bits), one per sub-solution; the client returns their nonces and
the server verifies each. The batch digest (:func:`batch_key`) binds a challenge to the
account and the batch's index in the agent's trace; signups use index :data:`SIGNUP`.
Otherwise there are no challenge bytes and verification only takes ``verify_s``.
"""

from __future__ import annotations

import struct
from collections.abc import Generator, Sequence
from typing import NamedTuple

import numpy as np
import simpy

from powsim.model.scenario import ServerConfig
from powsim.sim.clock import Clock, Moment
from powsim.sim.durations import Durations
from powsim.hashcash.protocol import HashCash, batch_digest
from powsim.difficulty.policies import Policy
from powsim.calibrate.difficulty import Difficulty
from powsim.sim.server.ledger import Ledger
from powsim.sim.server.pool import WorkerPool
from powsim.sim.server.secret import run_secret
from powsim.traces.batches import Batch

SIGNUP = -1  # batch index of a signup puzzle (in the events and in its batch digest)
# Simulated seconds a real challenge stays valid (~31,700 years): any simulated solve, however
# slow its hardware or long its geometric tail, fits, so expiry never refuses a solution;
# what real mode checks is the tag, account, batch and work.
TTL_S = 1e12
SECRET_BYTES = 32  # the HashCash secret's length


def simulated_hashcash(env: simpy.Environment, stream: np.random.SeedSequence) -> HashCash:
    """A HashCash on the simulation clock (``env.now``, seconds) whose challenges' random
    bytes are drawn from ``stream`` and whose secret also depends on this machine's key
    (:mod:`powsim.sim.server.secret`), so a seed gives the same challenges here while the
    seed recorded in an output is not enough to forge them."""
    rng = np.random.default_rng(stream)
    return HashCash(run_secret(rng.bytes(SECRET_BYTES)), ttl_s=TTL_S, grace_s=0.0,
                    clock=lambda: env.now, random_bytes=rng.bytes)


def batch_key(account: str, index: int) -> bytes:
    """The batch digest (32 bytes) of batch ``index`` of ``account``: SHA-256 of the index as
    8 bytes big-endian signed, then the account's UTF-8 (fixed width first: unambiguous)."""
    return batch_digest(struct.pack(">q", index) + account.encode("utf-8"))


class IssuedPuzzle(NamedTuple):
    """The puzzle issued for one answered batch, and how the batch got there."""

    account: str
    target_s: float
    bits: int
    account_queries: float
    account_cost: float
    queue_s: float
    service_s: float
    puzzles: tuple[bytes, ...] = ()  # real hashing: HashCash challenges, 160 bytes each


class Server:
    """The server of one simulation run: two worker pools, the ledger, policy and difficulty,
    and with real hashing the ``hashcash`` that issues and verifies real challenges."""

    def __init__(self, env: Clock, config: ServerConfig, ledger: Ledger,
                 policy: Policy, difficulty: Difficulty, durations: Durations,
                 hashcash: HashCash | None = None) -> None:
        self.env = env
        self.config = config
        self.ledger = ledger
        self.policy = policy
        self.difficulty = difficulty
        self.inference = WorkerPool(env, config.workers)
        self.estimation = WorkerPool(env, config.cost_workers) if config.cost_workers else None
        self._service = Durations(durations.sampled and config.service == "exponential")
        self.hashcash = hashcash

    def answer(self, account: str, batch: Batch, rng: np.random.Generator
               ) -> Generator[simpy.Event, object, IssuedPuzzle]:
        """Serve ``batch`` for ``account``, charge its cost and issue its challenge."""
        env, inference, estimation = self.env, self.inference, self.estimation
        arrived = env.now
        inference_s, cost_s = batch.inference_s, batch.cost_s
        if self._service.sampled:  # else the means: no call
            inference_s, cost_s = self._service.draw(inference_s, rng), self._service.draw(cost_s, rng)
        turn = inference.request()
        if turn is not None:
            yield turn
        yield env.later(inference_s if estimation is not None else inference_s + cost_s)
        inference.release()
        if estimation is not None:
            turn = estimation.request()
            if turn is not None:
                yield turn
            yield env.later(cost_s)
            estimation.release()
        queries, cost = self.ledger.charge(account, batch)
        target_s = self.policy.target_s(queries, cost, batch.queries)
        service_s = inference_s + cost_s
        bits = self.difficulty.bits(target_s)
        # The hashcash test is inline, not in issue(): sampled mode's hot path makes no call.
        return IssuedPuzzle(account, target_s, bits, queries, cost, env.now - arrived - service_s,
                            service_s, () if self.hashcash is None else self.issue(account, batch.index, bits))

    def verify(self, challenge: IssuedPuzzle, batch: Batch, nonces: Sequence[bytes]
               ) -> Moment | None:
        """Check ``nonces`` against ``challenge`` of ``batch`` (one hash each); the timeout of
        ``verify_s`` seconds to wait for, or None when verification takes no time (an event,
        not a generator: no generator per batch on the hot path)."""
        if challenge.puzzles:
            self.check(challenge.account, batch.index, challenge.puzzles, nonces)
        return self.env.later(self.config.verify_s) if self.config.verify_s else None

    def issue(self, account: str, index: int, bits: int) -> tuple[bytes, ...]:
        """Real challenges (160 bytes each, one per sub-solution) for batch ``index`` of
        ``account``, or none unless hashing for real."""
        if self.hashcash is None:
            return ()
        digest = batch_key(account, index)
        return tuple(self.hashcash.issue(account, digest, bits).encode()
                     for _ in range(self.difficulty.sub_solutions))

    def check(self, account: str, index: int, puzzles: Sequence[bytes], nonces: Sequence[bytes]) -> None:
        """Verify ``nonces`` (8 bytes each) for the real ``puzzles`` issued for batch ``index``
        of ``account``; any verdict but OK is a bug of the simulator (RuntimeError)."""
        digest = batch_key(account, index)
        for puzzle, nonce in zip(puzzles, nonces, strict=True):
            verdict = self.hashcash.verify(puzzle, nonce, account, digest)
            if not verdict.ok:
                raise RuntimeError(f"simulator bug: the server refused a real solution of account "
                                   f"{account!r}, batch {index}: {verdict.value}")

    def predicted_diff(self, account: str, batch: Batch) -> float:
        """The policy's diff for ``account`` if ``batch`` were answered next (no charge)."""
        return self.policy.diff(*self.ledger.preview(account, batch))
