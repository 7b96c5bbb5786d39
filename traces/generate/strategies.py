"""Query strategies that draw natural images: from the in-distribution pool, from MNIST, or
grown from a few seeds by Jacobian-based augmentation.

Each is a generator function of an :class:`~powsim.traces.generate.attacker.Attack` that yields
batches and receives the victim's probabilities for each (see ``attacker``).
"""

from __future__ import annotations

import numpy as np
import torch

from powsim.traces.generate.attacker import Attack, QueryBatch, Strategy, in_batches
from powsim.traces.generate.data import shifted

ROUND_QUERIES = 1000
"""Queries an active learner asks between two refits of its substitute."""

KNOCKOFF_SHIFT = 2
"""Largest shift (pixels) of the digits that knockoff asks again after its first pass."""

JACOBIAN_SEEDS = 150
JACOBIAN_STEP = 0.1
"""Papernot et al. 2017 (practical black-box attacks): 150 seeds, step lambda = 0.1."""


def standard(attack: Attack) -> Strategy:
    """The legitimate user: in-distribution pool images in random order."""
    for index in in_batches(attack.rng.permutation(len(attack.pool_cost))):
        yield attack.from_pool(index)


def knockoff(attack: Attack) -> Strategy:
    """Knockoff nets: natural out-of-distribution images (MNIST digits) in random order.

    Once every digit has been asked, each further pass asks all of them again in a new random
    order, each moved by its own random shift of up to ``KNOCKOFF_SHIFT`` pixels per axis
    (new images, though a shift of zero repeats one), so long traces need no larger OOD set.
    """
    digits = attack.bench.splits.ood.x
    for index in in_batches(attack.rng.permutation(len(attack.ood_cost))):
        yield attack.from_ood(index)
    while True:
        for index in in_batches(attack.rng.permutation(len(attack.ood_cost))):
            yield QueryBatch(shifted(digits[index], KNOCKOFF_SHIFT, attack.generator))


def cheapest_first(cost: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``cost`` (shape (pool,)) in increasing cost, ties in random order."""
    shuffled = rng.permutation(len(cost))
    return shuffled[np.argsort(cost[shuffled], kind="stable")]


def worstcase(attack: Attack) -> Strategy:
    """An attacker who knows each query's cost and asks the cheapest pool images first."""
    for index in in_batches(cheapest_first(attack.pool_cost, attack.rng)):
        yield attack.from_pool(index)


def _active(attack: Attack, most_uncertain: bool) -> Strategy:
    """Active learning by the substitute's entropy, refitting every ``ROUND_QUERIES`` queries.

    The first round is random; later rounds take the remaining pool images of highest
    (``most_uncertain``) or lowest entropy under the substitute trained so far.
    """
    order = attack.rng.permutation(len(attack.pool_cost))
    chosen, remaining = order[:ROUND_QUERIES], order[ROUND_QUERIES:]
    while chosen.size:
        for index in in_batches(chosen):
            yield attack.from_pool(index)
        if not remaining.size:
            return
        attack.substitute.fit()
        entropy = attack.substitute.entropy(attack.bench.splits.pool.x[remaining]).cpu().numpy()
        ranked = np.argsort(-entropy if most_uncertain else entropy, kind="stable")
        chosen, remaining = remaining[ranked[:ROUND_QUERIES]], remaining[ranked[ROUND_QUERIES:]]


def entropy(attack: Attack) -> Strategy:
    """Active learning: the pool images the substitute is least sure about."""
    return _active(attack, most_uncertain=True)


def entropyrev(attack: Attack) -> Strategy:
    """Reversed active learning: the pool images the substitute is surest about."""
    return _active(attack, most_uncertain=False)


def inout(attack: Attack) -> Strategy:
    """Out-of-distribution queries hidden among in-distribution ones.

    The attacker knows the costs and the legitimate rate (mean cost of the pool): it asks an
    MNIST batch whenever that keeps its total cost within the legitimate rate times its
    queries, and otherwise the cheapest in-distribution batch left, which banks the margin
    that later MNIST batches spend. When the MNIST images are spent it asks the remaining
    in-distribution ones, cheapest first; it stops when those run out too.
    """
    legitimate_rate = float(attack.pool_cost.mean())
    inside = iter(in_batches(cheapest_first(attack.pool_cost, attack.rng)))
    outside = iter(in_batches(attack.rng.permutation(len(attack.ood_cost))))
    spent, asked = 0.0, 0
    for out_index in outside:
        while spent + attack.ood_cost[out_index].sum() > legitimate_rate * (asked + out_index.size):
            in_index = next(inside, None)
            if in_index is None:
                return
            spent, asked = spent + attack.pool_cost[in_index].sum(), asked + in_index.size
            yield attack.from_pool(in_index)
        spent, asked = spent + attack.ood_cost[out_index].sum(), asked + out_index.size
        yield attack.from_ood(out_index)
    for in_index in inside:
        yield attack.from_pool(in_index)


def jacobian(attack: Attack) -> Strategy:
    """Jacobian-based dataset augmentation (Papernot et al. 2017).

    Start from ``JACOBIAN_SEEDS`` pool images; each round fits the substitute on all answers
    so far and asks x + lambda sign(d substitute_logit[victim label](x) / dx) for every x
    asked before, doubling the set.
    """
    seeds = attack.rng.choice(len(attack.pool_cost), JACOBIAN_SEEDS, replace=False)
    for index in in_batches(seeds):
        yield attack.from_pool(index)
    while True:
        attack.substitute.fit()
        x, probs = attack.substitute.transfer_set()
        augmented = _jacobian_step(attack.substitute.model, x, probs.argmax(dim=1))
        for index in in_batches(np.arange(len(augmented))):
            yield QueryBatch(augmented[index])


def _jacobian_step(model: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """x + lambda * sign of the gradient of ``model``'s logit for ``labels``, clipped to [0, 1]."""
    x = x.clone().requires_grad_(True)
    model(x).gather(1, labels[:, None]).sum().backward()
    model.zero_grad()
    return (x + JACOBIAN_STEP * x.grad.sign()).clamp(0.0, 1.0).detach()
