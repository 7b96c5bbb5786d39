"""Training and prediction loops for the victim, the substitutes and the teacher ensemble.

Randomness comes from a CPU ``torch.Generator`` passed in (mini-batch order, augmentation
shifts), so the same seed gives the same weights, and both devices draw the same numbers.
Images are float32 (n, 1, 28, 28) on the models' device. Training forward passes use the
device's training precision (:func:`~powsim.traces.generate.device.training_precision`);
predictions and votes are float32. ``progress`` shows a tqdm bar (rate, ETA) on stderr.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from powsim.traces.generate.data import Images, shifted
from powsim.traces.generate.device import training_precision
from powsim.traces.generate.models import TeacherEnsemble

LEARNING_RATE = 1e-3
ENSEMBLE_CHUNK = 8
"""Images per teacher in one forward and backward pass of the ensemble's training step."""


def train_classifier(model: nn.Module, x: torch.Tensor, targets: torch.Tensor, epochs: float,
                     generator: torch.Generator, minibatch: int = 64,
                     optimizer: torch.optim.Optimizer | None = None, progress: bool = False,
                     desc: str = "training") -> torch.optim.Optimizer:
    """Train ``model`` with Adam on ``x`` for ``epochs`` passes (fractions allowed).

    ``targets`` are class indices (int64, (n,)) or class probabilities (float32, (n, classes)).
    Returns the optimizer so that a later call can continue with its state.
    """
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    steps = max(1, round(epochs * len(x) / minibatch))
    order = torch.empty(0, dtype=torch.long)
    for _ in tqdm(range(steps), desc=desc, unit="step", disable=not progress):
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
    with training_precision(x.device):
        loss = F.cross_entropy(model(x), targets)
    loss.backward()
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
                   generator: torch.Generator, minibatch: int = 25, augment: int = 0,
                   progress: bool = False) -> None:
    """Train every teacher on its own partition of ``private``, all in one vectorised model.

    Each step gives teacher t a mini-batch from its partition only; the loss is the sum of
    the teachers' mean cross-entropies, so each teacher's gradient is its own loss's.
    With ``augment`` > 0 every image is shifted by up to that many pixels each time it is used.
    """
    blocks = partitions(len(private), ensemble.teachers)
    teachers, per_teacher = blocks.shape
    # fused: one pass over each stacked tensor instead of one per Adam operation (2x faster
    # steps for MnistNet-wide teachers on CPU, whose weights do not fit in cache)
    optimizer = torch.optim.Adam(ensemble.parameters(), lr=LEARNING_RATE, fused=True)
    ensemble.train()
    starts = range(0, per_teacher, minibatch)
    with tqdm(total=epochs * len(starts), desc="teacher training", unit="step",
              disable=not progress) as bar:
        for _ in range(epochs):
            shuffled = torch.gather(blocks, 1, torch.argsort(
                torch.rand(blocks.shape, generator=generator), dim=1))
            for start in starts:
                index = shuffled[:, start:start + minibatch]
                x = private.x[index.flatten()].reshape(teachers, -1, 28, 28).transpose(0, 1)
                if augment:
                    x = shifted(x, augment, generator)
                ensemble_step(ensemble, optimizer, x, private.y[index].T, 1.0 / index.shape[1])
                bar.update()
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
        with training_precision(x.device):
            loss = scale * F.cross_entropy(ensemble(x[part]).flatten(0, 1), y[part].T.flatten(),
                                           reduction="sum")
        loss.backward()
    optimizer.step()


@torch.no_grad()
def ensemble_votes(ensemble: TeacherEnsemble, x: torch.Tensor, chunk: int | None = None,
                   progress: bool = False, desc: str = "votes") -> torch.Tensor:
    """Teacher vote histograms (int64, (n, classes)) for images ``x``, in chunks, float32.

    Small chunks are fastest on CPU: with 250 teachers one image's activations take about
    5 MB, so a few images at a time stay in cache; a GPU wants larger ones (default: 4 on
    CPU, 256 on CUDA).
    """
    chunk = chunk or (4 if x.device.type == "cpu" else 256)
    with tqdm(total=len(x), desc=desc, unit="image", disable=not progress) as bar:
        parts = []
        for i in range(0, len(x), chunk):
            parts.append(ensemble.votes(x[i:i + chunk]))
            bar.update(len(parts[-1]))
    return torch.cat(parts)
