"""The per-account privacy charge of a one-shot client, in hashes.

A stream client or a botnet request opens a fresh account and asks one batch of ``queries``
queries; its privacy cost is that of the first ``queries`` queries of the agent's ``trace``.
The scenario's ``[defense]`` policy turns the account's state after the batch into target
seconds (as for any first batch), the difficulty into whole bits for the reference client,
and the charge is the puzzle's expected hashes: sub_solutions x 2^bits. It is combined with
the load-driven effort by ``[difficulty] combine``.
"""

from __future__ import annotations

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
    policy_type = policy_class(defense.policy)
    metric = policy_type.metric
    if metric != "additive":
        raise InputError(f"{where}: [defense] policy '{defense.policy}', expected an additive "
                         "policy (paper or one-sided) for one-shot load clients")
    policy = policy_type(policy_reference(defense.reference, metric, defense.queries_per_puzzle),
                         defense.parameters)
    first = workload(trace, queries, ServiceTimes(0.0, 0.0))
    batch_queries, cost = float(first.queries[0]), float(first.cost[0])
    difficulty = Difficulty(defense.reference_hash_rate_hz, defense.max_bits, defense.sub_solutions)
    bits = difficulty.bits(policy.target_s(batch_queries, cost, batch_queries))
    return defense.sub_solutions * 2.0**bits
