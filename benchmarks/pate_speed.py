"""Speed of the PATE trace machinery: the analysis, and the vectorised teacher ensemble against
a Python loop over the same teachers, measured side by side. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/pate_speed.py [--teachers 250] [--queries 100000]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import torch
from torch.nn import functional as F

from powsim.traces.generate.pipeline import median_seconds
from powsim.traces.generate.models import TeacherEnsemble
from powsim.traces.generate.training import ensemble_votes
from powsim.traces.pate import query_costs

BATCH = 64
TRAIN_BATCH = 25


def random_votes(teachers: int, queries: int, seed: int = 0) -> np.ndarray:
    """Vote histograms (queries, 10) from consensus to confusion."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(teachers, rng.dirichlet(np.full(10, 0.3), size=queries))


def analysis(votes: np.ndarray) -> Callable[[], object]:
    return lambda: query_costs(votes, 10.0, 1e-5)


def vectorised_inference(ensemble: TeacherEnsemble, x: torch.Tensor) -> Callable[[], object]:
    return lambda: ensemble_votes(ensemble, x)


def looped_inference(ensemble: TeacherEnsemble, x: torch.Tensor) -> Callable[[], object]:
    members = [ensemble.member(t).eval() for t in range(ensemble.teachers)]

    @torch.no_grad()
    def run() -> torch.Tensor:
        predictions = torch.stack([member(x).argmax(1) for member in members], dim=1)
        return F.one_hot(predictions, 10).sum(dim=1)
    return run


def vectorised_training_step(ensemble: TeacherEnsemble, x: torch.Tensor, y: torch.Tensor
                             ) -> Callable[[], object]:
    """One Adam step of every teacher on its own batch: x (TRAIN_BATCH, teachers, 28, 28)."""
    optimizer = torch.optim.Adam(ensemble.parameters())

    def run() -> None:
        optimizer.zero_grad()
        F.cross_entropy(ensemble(x).flatten(0, 1), y.T.flatten(), reduction="sum").backward()
        optimizer.step()
    return run


def looped_training_step(ensemble: TeacherEnsemble, x: torch.Tensor, y: torch.Tensor
                         ) -> Callable[[], object]:
    """The same step as a loop: each teacher its own network and optimiser."""
    members = [ensemble.member(t) for t in range(ensemble.teachers)]
    optimizers = [torch.optim.Adam(member.parameters()) for member in members]

    def run() -> None:
        for t, (member, optimizer) in enumerate(zip(members, optimizers)):
            optimizer.zero_grad()
            F.cross_entropy(member(x[:, t:t + 1]), y[:, t], reduction="sum").backward()
            optimizer.step()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=250)
    parser.add_argument("--queries", type=int, default=100_000)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch threads: {torch.get_num_threads()}")

    votes = random_votes(args.teachers, args.queries)
    seconds = median_seconds(analysis(votes), 3)
    print(f"PATE analysis (logq, RDP at 396 orders, eps): {args.queries / seconds:,.0f} queries/s "
          f"({args.queries} queries in {seconds:.3f} s)")

    ensemble = TeacherEnsemble(args.teachers).eval()
    for batch in (1, BATCH):
        x = torch.rand(batch, 1, 28, 28)
        fast = median_seconds(vectorised_inference(ensemble, x), 3)
        slow = median_seconds(looped_inference(ensemble, x), 3)
        print(f"ensemble votes, {batch} image(s), {args.teachers} teachers: vectorised {fast:.4f} s, "
              f"loop over teachers {slow:.4f} s, ratio {slow / fast:.1f}x")

    for batch in (1, TRAIN_BATCH):
        x = torch.rand(batch, args.teachers, 28, 28)
        y = torch.randint(0, 10, (batch, args.teachers))
        fast = median_seconds(vectorised_training_step(ensemble, x, y), 3)
        slow = median_seconds(looped_training_step(ensemble, x, y), 3)
        print(f"ensemble training step, {batch} image(s) per teacher, {args.teachers} teachers: "
              f"vectorised {fast:.4f} s, loop over teachers {slow:.4f} s, ratio {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
