"""The vectorised kernel: members whose accounts no other account shares, as a Monte Carlo
over (member, batch) instead of SimPy processes.

A member of a ``legit`` or ``attacker`` entry replays its batches on its own account (group
accounting never links these kinds), so its ledger, the policy's charge and its puzzles' bits
follow from its own batches, and its draws come from its own stream: it meets other actors
only at the server's workers. For every member of such an entry at once this kernel
computes the cumulative queries and cost, the policy's target seconds, whole bits, the draws
(think, service, solve) and the member's timeline as if it never waited for a worker
(whether anyone did is :mod:`powsim.sim.kernels`' check).

Every figure is the DES's, bit for bit, by construction:

* streams: a member's Generator is the DES's (child 1 + j of the entry's SeedSequence) and
  draws in the DES's order: hardware, number of queries and their rows, then per batch its
  think time, inference and cost-estimation seconds (exponential service only; a mean of 0
  draws nothing) and its puzzle's trials. With one sub-solution and puzzles of 2 bits or more
  each of these draws is one standard exponential E (numpy's geometric for p < 1/3 is
  ceil(-E / log1p(-p))), so a member's draws are one vector call, made before any charge
  (:mod:`powsim.sim.member_draws`); any other member (a puzzle of 0 or 1 bit, several
  sub-solutions) is replayed from its stream with the DES's own scalar calls;
* sums are sequential, as the DES's running totals (:func:`running_sums`);
* exp and log2 are the math module's (numpy's may differ in the last bit).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numba import njit

from powsim.calibrate.difficulty import Difficulty
from powsim.model.kinds import AGENT_KINDS
from powsim.sim.durations import Durations
from powsim.sim.events import EVENT_COLUMNS
from powsim.sim.exponentials import GEOMETRIC_CAP
from powsim.sim.member_draws import SLOTS, Members, draw_members
from powsim.difficulty.policies import QUERIES_PER_CHARGE, OneSidedPolicy, PaperPolicy, Policy
from powsim.model.scenario import AgentSpec
from powsim.model.scenario import ServerConfig
from powsim.sim.solve_time import solve_model
from powsim.traces.batches import Workload

STEPS = 5  # a batch's steps on the clock: think, inference, cost estimation, solve, verify
# ln(1 - 2^-k) by math (libm, as numpy's C geometric), k = 0..60 bits
LOG1P = np.array([math.log1p(-(2.0 ** -k)) if k else -math.inf for k in range(61)])
# Vectorised twins of the policies' scalar ``diff`` (same operations); others go element by element.
DIFFS: dict[type, Callable[[np.ndarray], np.ndarray]] = {
    PaperPolicy: np.abs, OneSidedPolicy: lambda excess: np.maximum(excess, 0.0)}


def takes(spec: AgentSpec, policy: Policy, hashing: str) -> bool:
    """Whether this kernel may run ``spec``: an independent kind (its members' accounts are
    their own), drawn trials (not real hashes) and the additive cost metric."""
    return AGENT_KINDS[spec.kind].independent and hashing == "sampled" and policy.metric == "additive"


@dataclass(frozen=True)
class Setup:
    """What every entry of one run shares: the ``policy``, ``difficulty``, ``server`` and
    whether durations and trials are drawn (``sampled``) or their means."""

    policy: Policy
    difficulty: Difficulty
    server: ServerConfig
    sampled: bool


class Entry:
    """One entry's run: ``events`` (each of :data:`EVENT_COLUMNS` an array, pyarrow's for
    text, one row per batch, members in order) and ``members`` (agent, actor, start seconds,
    hardware name) in order."""

    def __init__(self, events: dict[str, np.ndarray], members: list[tuple[str, int, float, str]]
                 ) -> None:
        self.events, self.members = events, members


def run_entry(spec: AgentSpec, stream: np.random.SeedSequence, work: Workload,
              queries_per_puzzle: int | None, setup: Setup) -> Entry:
    """Run entry ``spec`` on its ``stream`` (the DES's child of the run for this entry);
    ``work`` its batches, or with ``queries_per_puzzle`` (bootstrapped entries) its pool's queries."""
    members = draw_members(spec, stream, work, queries_per_puzzle, setup.sampled,
                           setup.server.service == "exponential")
    lengths, batches, count = members.lengths, members.batches, len(members.lengths)
    if queries_per_puzzle is None:  # every member asks the same batches: one charge, repeated
        charge = [np.tile(c, count) for c in _charges(work.queries, work.cost,
                                                      np.array([len(work)]), setup)]
    else:
        charge = _charges(batches.queries, batches.cost, lengths, setup)
    account_queries, account_cost, target_s, bits = charge
    think, inference, estimation, trials = _draws(spec, members, bits, work, queries_per_puzzle, setup)
    rate = np.repeat([h.hash_rate_hz * spec.solvers for h in members.hardware], lengths)
    solve_s = trials / rate
    arrived, served, released = _timeline(members.starts, lengths, think, inference, estimation,
                                          solve_s, setup.server)
    service_s = inference + estimation
    actor = np.repeat(np.arange(count), lengths)
    index = np.arange(len(actor)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    texts = _texts(spec.name, spec.kind, count)
    constant = pa.array(np.zeros(len(actor), np.int64))
    events = dict(zip(EVENT_COLUMNS, (
        released, texts.take(constant), texts.take(pa.array(constant.to_numpy() + 1)), actor,
        texts.take(pa.array(actor + 2)), index, np.zeros(len(actor), bool), batches.queries,
        batches.cost, account_queries, account_cost, target_s, bits, trials, solve_s,
        served - arrived - service_s, service_s, think, np.zeros(len(actor)))))
    return Entry(events, [(spec.name, j, float(s), h.name)
                          for j, (s, h) in enumerate(zip(members.starts, members.hardware))])


@functools.lru_cache(maxsize=64)
def _texts(name: str, kind: str, members: int) -> pa.Array:
    """An entry's name, its kind and its members' accounts (``NAME/j``), the texts its events
    take (kept: a sweep runs the same entries at every point)."""
    return pa.array([name, kind, *(f"{name}/{j}" for j in range(members))])


@njit(cache=True)
def running_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` restarting at each of the segments of ``lengths`` (which sum
    to its size), each added left to right from 0.0 as the DES's running totals are
    (compiled: numba keeps IEEE order, no reassociation without fastmath)."""
    out = np.empty_like(values)
    i = 0
    for length in lengths:
        total = 0.0
        for _ in range(length):
            total += values[i]
            out[i] = total
            i += 1
    return out


def _charges(queries: np.ndarray, cost: np.ndarray, lengths: np.ndarray, setup: Setup
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ledger's running (queries, cost) after each batch, the policy's target seconds and
    the puzzle's bits, for members' batches end to end (``lengths`` batches each)."""
    account_queries, account_cost = running_sums(queries, lengths), running_sums(cost, lengths)
    policy, p = setup.policy, setup.policy.parameters
    excess = account_cost - (policy.reference.intercept + policy.reference.slope * account_queries)
    twin = DIFFS.get(type(policy))
    diff = twin(excess) if twin else np.frompyfunc(policy.diff, 2, 1)(
        account_queries, account_cost).astype(np.float64)
    exponent = np.minimum(np.maximum(diff * math.log(p.a), math.log(p.min_seconds)),
                          math.log(p.max_seconds))
    power = np.fromiter(map(math.exp, exponent.tolist()), np.float64, len(exponent))
    target_s = power * queries / QUERIES_PER_CHARGE
    return account_queries, account_cost, target_s, _bits(target_s, setup.difficulty)


def _bits(target_s: np.ndarray, difficulty: Difficulty) -> np.ndarray:
    """:meth:`Difficulty.bits` of each target: numpy's log2, except within 1e-9 of a rounding
    boundary, where math's (the DES's) decides."""
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.log2(target_s * difficulty.reference_hash_rate_hz / difficulty.sub_solutions) + 0.5
    bits = np.clip(np.floor(raw), 0, difficulty.max_bits)
    bits[target_s <= 0] = 0
    near = np.flatnonzero(np.abs(raw - np.round(raw)) < 1e-9)
    bits[near] = [difficulty.bits(float(t)) for t in target_s[near]]
    return bits.astype(np.int64)


def _draws(spec: AgentSpec, members: Members, bits: np.ndarray, work: Workload,
           queries_per_puzzle: int | None, setup: Setup) -> tuple[np.ndarray, ...]:
    """Think, inference and cost-estimation seconds and trials of every (member, batch)."""
    batches, drawn = members.batches, members.drawn
    think = np.full(len(bits), spec.think_s)
    sub = setup.difficulty.sub_solutions
    if not setup.sampled:
        return think, batches.inference_s, batches.cost_s, np.ldexp(float(sub), bits)
    values = np.ones(drawn.shape)
    values[drawn] = members.exponentials
    trials = np.minimum(np.ceil(-values[:, 3] / LOG1P[np.maximum(bits, 2)]), GEOMETRIC_CAP)
    think = np.where(drawn[:, 0], spec.think_s * values[:, 0], think)
    inference = np.where(drawn[:, 1], batches.inference_s * values[:, 1], batches.inference_s)
    estimation = np.where(drawn[:, 2], batches.cost_s * values[:, 2], batches.cost_s)
    lengths = members.lengths
    low = np.bincount(np.repeat(np.arange(len(lengths)), lengths), bits <= 1, len(lengths)) > 0
    ends = np.cumsum(lengths)
    for member in np.flatnonzero((low | (sub > 1)) & (lengths > 0)):
        rows = slice(ends[member] - lengths[member], ends[member])
        think[rows], inference[rows], estimation[rows], trials[rows] = _scalar(
            members.generator(member, spec, work, queries_per_puzzle), spec.think_s,
            setup.server.service == "exponential", sub, bits[rows],
            batches.inference_s[rows], batches.cost_s[rows])
    return think, inference, estimation, trials


def _scalar(rng: np.random.Generator, think_s: float, service: bool, sub_solutions: int,
            bits: np.ndarray, inference_s: np.ndarray, cost_s: np.ndarray) -> np.ndarray:
    """One member's draws by the DES's own calls in its order: rows (think, inference, cost
    estimation, trials) of shape (4, batches), from the means ``think_s``, ``inference_s``
    and ``cost_s`` (per batch)."""
    durations, served = Durations(True), Durations(service)
    model = solve_model("sampled", sub_solutions)
    return np.array([(durations.draw(think_s, rng), served.draw(inference, rng),
                      served.draw(cost, rng), model.sample(k, rng))
                     for k, inference, cost in zip(bits.tolist(), inference_s.tolist(),
                                                   cost_s.tolist())]).T.reshape(SLOTS, -1)


def _timeline(starts: np.ndarray, lengths: np.ndarray, think: np.ndarray, inference: np.ndarray,
              estimation: np.ndarray, solve_s: np.ndarray, server: ServerConfig
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each batch's arrival at the server, end of service and release (simulated seconds), as
    the DES's clock adds them up when nobody waits: think, then inference (with the cost
    estimation when ``cost_workers`` is 0) and cost estimation, solve, verify."""
    single = server.cost_workers == 0
    steps = np.column_stack([think, inference + estimation if single else inference,
                             np.zeros_like(estimation) if single else estimation, solve_s,
                             np.full(len(think), server.verify_s)])
    first = np.cumsum(lengths) - lengths
    flat = np.insert(steps.ravel(), first * STEPS, starts)
    clock = running_sums(flat, lengths * STEPS + 1)
    keep = np.ones(len(flat), bool)
    keep[first * STEPS + np.arange(len(lengths))] = False
    clock = clock[keep].reshape(-1, STEPS)
    return clock[:, 0], clock[:, 2], clock[:, 4]
