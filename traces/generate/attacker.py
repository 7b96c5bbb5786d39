"""The attacker's side of a trace: the substitute it extracts and what it knows about its queries.

A query strategy is a generator function ``strategy(attack)`` that yields
:class:`QueryBatch` es of images to ask; the victim's answer to each batch (softmax
probabilities, (b, classes)) is sent back into the generator, so strategies that adapt
(active learning, Jacobian augmentation, data-free generation) see what they paid for.
Images and answers live on the workbench's device; the attacker's random draws come from
CPU generators (the same numbers on every device).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from powsim.traces.generate.models import MnistNet
from powsim.traces.generate.training import ensemble_votes, predict, step, train_classifier
from powsim.traces.generate.workbench import Workbench

QUERY_BATCH = 64
"""Queries per batch, the unit the server answers (and measures time) in."""

FIT_EPOCHS = 2.0
FIT_IMAGES = 10_000
"""Each time the substitute catches up with new answers it trains for FIT_EPOCHS passes over
the transfer set, but on at most FIT_IMAGES images, so long traces stay affordable on CPU."""


@dataclass(frozen=True)
class QueryBatch:
    """Images to query (float32, (b, 1, 28, 28)); ``votes`` (b, classes) when known in advance."""

    x: torch.Tensor
    votes: torch.Tensor | None = None
    probs: torch.Tensor | None = None


class Substitute:
    """The extracted model: an MnistNet on ``device`` trained on the victim's soft answers (the
    transfer set)."""

    def __init__(self, generator: torch.Generator, device: str = "cpu") -> None:
        self.model = MnistNet().to(device)
        self.generator = generator
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self._x: list[torch.Tensor] = []
        self._probs: list[torch.Tensor] = []
        self._stale = False

    def record(self, x: torch.Tensor, probs: torch.Tensor) -> None:
        """Add answered queries (images (b, 1, 28, 28), victim probabilities (b, classes))."""
        self._x.append(x.detach())
        self._probs.append(probs)
        self._stale = True

    def transfer_set(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All answered queries so far: images and the victim's probabilities."""
        return torch.cat(self._x), torch.cat(self._probs)

    def fit(self) -> None:
        """Train on the whole transfer set if answers arrived since the last fit."""
        if self._stale:
            x, probs = self.transfer_set()
            epochs = min(FIT_EPOCHS, FIT_IMAGES / len(x))
            train_classifier(self.model, x, probs, epochs, self.generator, optimizer=self.optimizer)
            self._stale = False

    def step(self, x: torch.Tensor, probs: torch.Tensor) -> None:
        """One optimiser step towards the victim's probabilities on a batch (data-free student)."""
        step(self.model, self.optimizer, x, probs)
        self.model.eval()

    def entropy(self, x: torch.Tensor) -> torch.Tensor:
        """Entropy (nats, (n,)) of the substitute's prediction on ``x``."""
        probs = predict(self.model, x)
        return -(probs * torch.log(probs.clamp_min(1e-12))).sum(dim=1)


class Attack:
    """What a strategy works with: the pools it may draw from (with known costs), a substitute,
    its random streams, and the victim's answers it has received.

    ``pool_cost`` and ``ood_cost`` are the single-query epsilons (float64, (pool,)) of every
    pool image, which only the worst-case and in/out attackers use (they know the defence).
    """

    def __init__(self, bench: Workbench, pool_cost: np.ndarray, ood_cost: np.ndarray,
                 rng: np.random.Generator, generator: torch.Generator) -> None:
        self.bench, self.rng, self.generator = bench, rng, generator
        self.pool_cost, self.ood_cost = pool_cost, ood_cost
        self.substitute = Substitute(generator, bench.setup.device)

    def from_pool(self, index: np.ndarray) -> QueryBatch:
        """In-distribution pool images ``index`` as a batch, with their cached answers."""
        return QueryBatch(self.bench.splits.pool.x[index], self.bench.pool_votes[index],
                     self.bench.pool_probs[index])

    def from_ood(self, index: np.ndarray) -> QueryBatch:
        """Out-of-distribution (MNIST) images ``index`` as a batch, with their cached answers."""
        return QueryBatch(self.bench.splits.ood.x[index], self.bench.ood_votes[index],
                     self.bench.ood_probs[index])

    def answer(self, batch: QueryBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """The victim's probabilities and the teachers' votes for ``batch``, computing what is new."""
        probs = batch.probs if batch.probs is not None else predict(self.bench.victim, batch.x)
        votes = batch.votes if batch.votes is not None else ensemble_votes(self.bench.ensemble, batch.x)
        return probs, votes


Strategy = Generator[QueryBatch, torch.Tensor, None]


def in_batches(index: np.ndarray, size: int = QUERY_BATCH) -> list[np.ndarray]:
    """``index`` cut into consecutive pieces of ``size`` (the last may be shorter)."""
    return [index[i:i + size] for i in range(0, len(index), size)]
