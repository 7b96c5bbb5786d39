"""The per-account privacy charge of load clients' requests, in hashes.

A stream client or a botnet request opens a fresh account and asks one batch of ``queries``
queries; its privacy cost is that of the first ``queries`` queries of the agent's ``trace``.
A session's account asks batch after batch of its trace, and each request's charge is the
account's state after it (:func:`request_charges`).
The scenario's ``[defense]`` policy turns the account's state after the batch into target
seconds (as for any first batch), the difficulty into whole bits for the reference client,
and the charge is the puzzle's expected hashes: sub_solutions x 2^bits. It is combined with
the load-driven effort by ``[difficulty] combine``.
"""

from __future__ import annotations

import numpy as np

from powsim.errors import InputError
from powsim.calibrate.difficulty import Difficulty
from powsim.difficulty.policies import policy_class
from powsim.difficulty.reference import policy_reference
from powsim.model.scenario import DefenseConfig
from powsim.traces.batches import ServiceTimes, workload
from powsim.traces.format import Trace


def account_effort(defense: DefenseConfig, trace: Trace, queries: int, where: str) -> float:
    """Expected hashes of the puzzle for a fresh account's first ``queries`` queries of
    ``trace`` (``where`` names the agent in errors)."""
    return float(request_charges(defense, trace, queries, 1, False, 1, where)[0])


def request_charges(defense: DefenseConfig, trace: Trace, queries: int, accounts: int, ring: bool,
                    requests: int | None, where: str) -> np.ndarray:
    """Expected hashes of the puzzle of each request, in order, shape (requests,): batches of
    ``queries`` queries of ``trace`` from its start (``requests`` of them, None: the whole
    trace), request i on one account or, with ``ring``, on account i mod ``accounts``; each
    charged by the scenario's policy from its account's state after the batch, in whole bits
    for the reference client, times ``sub_solutions``."""
    policy_type = policy_class(defense.policy)
    metric = policy_type.metric
    if metric != "additive":
        raise InputError(f"{where}: [defense] policy '{defense.policy}', expected an additive "
                         "policy (paper or one-sided) for load clients")
    policy = policy_type(policy_reference(defense.reference, metric, defense.queries_per_puzzle),
                         defense.parameters)
    batches = workload(trace, queries, ServiceTimes(0.0, 0.0))
    count = len(batches.queries) if requests is None else requests
    if count > len(batches.queries):
        raise InputError(f"{where}.requests: {count}, expected at most {len(batches.queries)} "
                         f"(the trace's batches of {queries} queries)")
    owner = np.arange(count) % accounts if ring else np.zeros(count, np.int64)
    sums = np.zeros((2, accounts if ring else 1))
    difficulty = Difficulty(defense.reference_hash_rate_hz, defense.max_bits, defense.sub_solutions)
    charges = np.empty(count)
    for i in range(count):
        batch_queries, cost = float(batches.queries[i]), float(batches.cost[i])
        sums[:, owner[i]] += batch_queries, cost
        target_s = policy.target_s(sums[0, owner[i]], sums[1, owner[i]], batch_queries)
        charges[i] = defense.sub_solutions * 2.0**difficulty.bits(target_s)
    return charges
