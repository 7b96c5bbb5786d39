"""Difficulty policies: the target solve time of a batch from its account's state.

Every policy compares the account's cumulative privacy cost after the batch with the
legitimate reference E(Q) = b0 + b1 Q at the account's cumulative queries Q, and charges
a^diff seconds per 1,000 queries, pro rata to the batch's queries, with a^diff clipped to
[min_s, max_s] as in paper mode:

* ``paper``: diff = |cost - E(Q)| (also charges users below the reference, as the paper does);
* ``one-sided``: diff = max(cost - E(Q), 0): only cost above the reference is charged;
* ``rdp``: diff = |eps_RDP - E_RDP(Q)|, measured on the RDP-composed epsilon (and a reference
  fitted on it) instead of the additive sum of single-query epsilons.

Each is a :class:`Policy` subclass in the :data:`POLICIES` registry: a new policy is one
subclass plus :func:`register_policy`. Group accounting (linked accounts sharing one ledger)
is a ledger option, not a policy: it combines with any of these (see ``sim/server/ledger.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from powsim.calibrate.charge import ChargeParameters
from powsim.calibrate.reference import LinearReference
from powsim.errors import InputError

QUERIES_PER_CHARGE = 1000.0


@dataclass(frozen=True)
class Policy:
    """A policy with its reference fit (in the policy's cost ``metric``) and charge parameters.

    A new policy is one subclass (its ``name``, ``metric`` and :meth:`diff`) registered
    with :func:`register_policy`.
    """

    reference: LinearReference
    parameters: ChargeParameters = ChargeParameters()
    name: ClassVar[str]
    metric: ClassVar[str] = "additive"  # or "rdp": the composed epsilon

    def diff(self, queries: float, cost: float) -> float:
        """The charged distance from the reference at ``queries`` cumulative queries."""
        raise NotImplementedError

    def target_s(self, queries: float, cost: float, batch_queries: float) -> float:
        """Target seconds of PoW for a batch of ``batch_queries`` that brought the account to
        ``queries`` cumulative queries and ``cost`` cumulative cost.

        The scalar twin of :func:`~powsim.calibrate.charge.clipped_power_seconds`: clipping
        diff x ln(a) before exponentiating never overflows.
        """
        log_a, log_min, log_max = self._logs
        exponent = min(max(self.diff(queries, cost) * log_a, log_min), log_max)
        return math.exp(exponent) * batch_queries / QUERIES_PER_CHARGE

    def _excess(self, queries: float, cost: float) -> float:
        """Cost above the reference (negative below it)."""
        return cost - (self.reference.intercept + self.reference.slope * queries)

    @cached_property
    def _logs(self) -> tuple[float, float, float]:
        """ln(a), ln(min_s), ln(max_s): computed once, as every batch needs them."""
        p = self.parameters
        return math.log(p.a), math.log(p.min_seconds), math.log(p.max_seconds)


POLICIES: dict[str, type[Policy]] = {}


def register_policy(policy: type[Policy]) -> type[Policy]:
    """Make ``policy`` selectable by its name (scenario ``defense.policy``, ``table --policy``)."""
    POLICIES[policy.name] = policy
    return policy


def policy_class(name: str) -> type[Policy]:
    """The registered policy called ``name``; :class:`InputError` listing them otherwise."""
    if name not in POLICIES:
        raise InputError(f"policy: {name!r}, expected one of {', '.join(POLICIES)}")
    return POLICIES[name]


@register_policy
class PaperPolicy(Policy):
    """diff = |cost - E(Q)|: also charges users below the reference, as the paper does."""

    name = "paper"

    def diff(self, queries: float, cost: float) -> float:
        return abs(self._excess(queries, cost))


@register_policy
class OneSidedPolicy(Policy):
    """diff = max(cost - E(Q), 0): only cost above the reference is charged."""

    name = "one-sided"

    def diff(self, queries: float, cost: float) -> float:
        return max(self._excess(queries, cost), 0.0)


@register_policy
class RdpPolicy(Policy):
    """diff = |eps_RDP - E_RDP(Q)| on the RDP-composed epsilon and a reference fitted on it."""

    name = "rdp"
    metric = "rdp"

    def diff(self, queries: float, cost: float) -> float:
        return abs(self._excess(queries, cost))
