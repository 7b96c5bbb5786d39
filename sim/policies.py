"""Difficulty policies: the target solve time of a batch from its account's state.

Every policy compares the account's cumulative privacy cost after the batch with the
legitimate reference E(Q) = b0 + b1 Q at the account's cumulative queries Q, and charges
a^diff seconds per 1,000 queries, pro rata to the batch's queries, with a^diff clipped to
[min_s, max_s] as in paper mode:

* ``paper``: diff = |cost - E(Q)| (also charges users below the reference, as the paper does);
* ``one-sided``: diff = max(cost - E(Q), 0): only cost above the reference is charged;
* ``rdp``: diff = |eps_RDP - E_RDP(Q)|, measured on the RDP-composed epsilon (and a reference
  fitted on it) instead of the additive sum of single-query epsilons.

Group accounting (linked accounts sharing one ledger) is a ledger option, not a policy: it
combines with any of these (see ``sim/server/ledger.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from powsim.calibrate.reference import LinearReference
from powsim.errors import InputError
from powsim.sim.paper import PaperParameters

POLICIES = ("paper", "one-sided", "rdp")
QUERIES_PER_CHARGE = 1000.0


def policy_metric(name: str) -> str:
    """The cost a policy's ledger tracks: 'rdp' (composed epsilon) or 'additive'."""
    return "rdp" if name == "rdp" else "additive"


@dataclass(frozen=True)
class Policy:
    """A named policy with its reference fit (in the policy's cost metric) and parameters."""

    name: str
    reference: LinearReference
    parameters: PaperParameters = PaperParameters()

    def __post_init__(self) -> None:
        if self.name not in POLICIES:
            raise InputError(f"policy: {self.name!r}, expected one of {', '.join(POLICIES)}")

    def diff(self, queries: float, cost: float) -> float:
        """The charged distance from the reference at ``queries`` cumulative queries."""
        diff = cost - (self.reference.intercept + self.reference.slope * queries)
        return max(diff, 0.0) if self.name == "one-sided" else abs(diff)

    def target_s(self, queries: float, cost: float, batch_queries: float) -> float:
        """Target seconds of PoW for a batch of ``batch_queries`` that brought the account to
        ``queries`` cumulative queries and ``cost`` cumulative cost.

        The scalar twin of :func:`~powsim.sim.paper.clipped_power_seconds`: clipping
        diff x ln(a) before exponentiating never overflows.
        """
        log_a, log_min, log_max = self._logs
        exponent = min(max(self.diff(queries, cost) * log_a, log_min), log_max)
        return math.exp(exponent) * batch_queries / QUERIES_PER_CHARGE

    @cached_property
    def _logs(self) -> tuple[float, float, float]:
        """ln(a), ln(min_s), ln(max_s): computed once, as every batch needs them."""
        p = self.parameters
        return math.log(p.a), math.log(p.min_seconds), math.log(p.max_seconds)
