"""Training and prediction loops for the victim, the substitutes and the teacher ensemble.

Randomness comes from a ``torch.Generator`` passed in (mini-batch order), so the same
seed gives the same weights. Images are float32 (n, 1, 28, 28).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from powsim.traces.generate.data import Images
from powsim.traces.generate.models import TeacherEnsemble

LEARNING_RATE = 1e-3
ENSEMBLE_CHUNK = 8
"""Images per teacher in one forward and backward pass of the ensemble's training step."""


def train_classifier(model: nn.Module, x: torch.Tensor, targets: torch.Tensor, epochs: float,
                     generator: torch.Generator, minibatch: int = 64,
                     optimizer: torch.optim.Optimizer | None = None) -> torch.optim.Optimizer:
    """Train ``model`` with Adam on ``x`` for ``epochs`` passes (fractions allowed).

    ``targets`` are class indices (int64, (n,)) or class probabilities (float32, (n, classes)).
    Returns the optimizer so that a later call can continue with its state.
    """
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    steps = max(1, round(epochs * len(x) / minibatch))
    order = torch.empty(0, dtype=torch.long)
    for _ in range(steps):
        if len(order) < minibatch:
            order = torch.cat([order, torch.randperm(len(x), generator=generator)])
        batch, order = order[:minibatch], order[minibatch:]
        step(model, optimizer, x[batch], targets[batch])
    model.eval()
    return optimizer


def step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
         targets: torch.Tensor) -> None:
    """One optimiser step on the cross-entropy of ``model`` on a batch (targets as above)."""
    model.train()
    optimizer.zero_grad()
    F.cross_entropy(model(x), targets).backward()
    optimizer.step()


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """Softmax probabilities (float32, (n, classes)) of ``model`` on ``x``."""
    model.eval()
    return torch.cat([F.softmax(model(x[i:i + chunk]), dim=1)
                      for i in range(0, len(x), chunk)])


def agreement(a: torch.Tensor, b: torch.Tensor) -> float:
    """Share of positions where two label tensors of the same shape agree, in %."""
    return 100.0 * (a == b).double().mean().item()


def partitions(size: int, teachers: int) -> torch.Tensor:
    """Disjoint index blocks (teachers, size // teachers): teacher t trains on row t."""
    per_teacher = size // teachers
    if per_teacher == 0:
        raise ValueError(f"{size} images cannot be split among {teachers} teachers")
    return torch.arange(teachers * per_teacher).reshape(teachers, per_teacher)


def train_ensemble(ensemble: TeacherEnsemble, private: Images, epochs: int,
                   generator: torch.Generator, minibatch: int = 25) -> None:
    """Train every teacher on its own partition of ``private``, all in one vectorised model.

    Each step gives teacher t a mini-batch from its partition only; the loss is the sum of
    the teachers' mean cross-entropies, so each teacher's gradient is its own loss's.
    """
    blocks = partitions(len(private), ensemble.teachers)
    teachers, per_teacher = blocks.shape
    # fused: one pass over each stacked tensor instead of one per Adam operation (2x faster
    # steps for MnistNet-wide teachers on CPU, whose weights do not fit in cache)
    optimizer = torch.optim.Adam(ensemble.parameters(), lr=LEARNING_RATE, fused=True)
    ensemble.train()
    for _ in range(epochs):
        shuffled = torch.gather(blocks, 1, torch.argsort(
            torch.rand(blocks.shape, generator=generator), dim=1))
        for start in range(0, per_teacher, minibatch):
            index = shuffled[:, start:start + minibatch]
            x = private.x[index.flatten()].reshape(teachers, -1, 28, 28).transpose(0, 1)
            ensemble_step(ensemble, optimizer, x, private.y[index].T, 1.0 / index.shape[1])
    ensemble.eval()


def ensemble_step(ensemble: TeacherEnsemble, optimizer: torch.optim.Optimizer, x: torch.Tensor,
                  y: torch.Tensor, scale: float = 1.0, chunk: int = ENSEMBLE_CHUNK) -> None:
    """One optimiser step of every teacher: image j of teacher t at x[j, t] ((n, teachers, 28,
    28)), its class index at y[j, t] ((n, teachers)); loss ``scale`` times the summed
    cross-entropy.

    The images go through ``chunk`` at a time with gradients accumulated: the same gradient
    as one pass up to float summation order, with activations small enough to stay in cache
    (on CPU 1.5x faster than one pass at 64 images per teacher, ``benchmarks/pate_speed.py``).
    """
    optimizer.zero_grad()
    for start in range(0, x.shape[0], chunk):
        part = slice(start, start + chunk)
        logits = ensemble(x[part])
        (scale * F.cross_entropy(logits.flatten(0, 1), y[part].T.flatten(), reduction="sum")).backward()
    optimizer.step()


@torch.no_grad()
def ensemble_votes(ensemble: TeacherEnsemble, x: torch.Tensor, chunk: int = 4) -> torch.Tensor:
    """Teacher vote histograms (int64, (n, classes)) for images ``x``, in chunks.

    Small chunks are fastest on CPU: with 250 teachers one image's activations take about
    5 MB, so a few images at a time stay in cache.
    """
    return torch.cat([ensemble.votes(x[i:i + chunk]) for i in range(0, len(x), chunk)])
