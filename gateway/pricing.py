"""What a challenge costs an account: the scenario's policy on the account's ledger, in bits.

The gateway is puzzle-first: the challenge is issued, and its bits fixed, before the images
arrive, so the batch's own privacy cost is not known yet. A challenge for ``n`` queries is
priced as if the batch cost what the legitimate reference expects (``slope x n``): the
account is charged for its excess so far, ``policy.target_s(Q + n, C + slope n, n)`` seconds
(Q, C: its ledger), turned into whole bits for the scenario's reference client by
:class:`~powsim.calibrate.difficulty.Difficulty`. The batch's real cost, from the teachers'
votes, is added to the ledger when the labels are served and prices the next challenge.
The same policy, reference fit and difficulty as the simulator (:mod:`powsim.model.charge`).
"""

from __future__ import annotations

from dataclasses import dataclass

from powsim.calibrate.difficulty import Difficulty
from powsim.errors import InputError
from powsim.gateway.store import Ledger
from powsim.hashcash.families import Sha256
from powsim.difficulty.policies import Policy, policy_class
from powsim.difficulty.reference import policy_reference
from powsim.model.load import LoadScenario
from powsim.model.scenario import Scenario


@dataclass(frozen=True)
class Price:
    """A challenge's price: the policy's ``target_s`` (seconds on the reference client) and
    the whole ``bits`` that stand for it."""

    target_s: float
    bits: int


@dataclass(frozen=True)
class Pricing:
    """The scenario's ``policy`` and ``difficulty``, and the GNMax ``sigma`` and ``delta`` of
    its reference trace (the teachers' votes are priced with them)."""

    policy: Policy
    difficulty: Difficulty
    sigma: float
    delta: float

    def price(self, ledger: Ledger, queries: int) -> Price:
        """The price of a challenge for ``queries`` more queries on an account at ``ledger``."""
        slope = self.policy.reference.slope
        target_s = self.policy.target_s(ledger.queries + queries, ledger.cost + slope * queries,
                                        queries)
        return Price(target_s, self.difficulty.bits(target_s))


def scenario_pricing(scenario: Scenario | LoadScenario) -> Pricing:
    """The pricing of ``scenario``'s [defense] (a per-account or a load scenario);
    :class:`InputError` for what a gateway cannot serve (no [defense], an RDP policy, a
    memory-hard puzzle, sub-solutions, a reference without sigma)."""
    defense, where = scenario.defense, f"{scenario.source}: [defense]"
    if defense is None:
        raise InputError(f"{where}: missing, expected the per-account policy the gateway prices "
                         "challenges with")
    policy_type = policy_class(defense.policy)
    if policy_type.metric != "additive":
        raise InputError(f"{where} policy '{defense.policy}': expected an additive policy "
                         "(paper or one-sided) for the gateway")
    if not isinstance(defense.puzzle, Sha256) or defense.sub_solutions != 1:
        raise InputError(f"{where} puzzle: expected sha256 with one sub-solution for the gateway "
                         "(browsers hash SHA-256 with WebCrypto)")
    meta = defense.reference.metadata
    if meta.sigma is None or meta.delta is None:
        raise InputError(f"{defense.reference.source}: metadata fields 'sigma' and 'delta': "
                         "missing, expected the PATE noise and delta the gateway prices votes with")
    reference = policy_reference(defense.reference, policy_type.metric, defense.queries_per_puzzle)
    return Pricing(policy_type(reference, defense.parameters),
                   Difficulty(defense.reference_hash_rate_hz, defense.max_bits, 1),
                   float(meta.sigma), float(meta.delta))
