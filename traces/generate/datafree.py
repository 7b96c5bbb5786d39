"""Data-free model extraction (after Truong et al., "Data-Free Model Extraction", CVPR 2021).

A generator makes images on which the substitute (student) disagrees with the victim; the
student learns to agree. The victim is a black box, so the generator's gradient through it
is estimated from forward differences along random directions (zeroth-order). Every image
sent to the victim, including the perturbed ones, is a query with a privacy cost. The
generator runs in float32 on every device (its images are the queries); its noise is drawn
on the CPU.
"""

from __future__ import annotations

from collections.abc import Generator

import torch
from torch import nn
from torch.nn import functional as F

from powsim.traces.generate.attacker import QUERY_BATCH, Attack, QueryBatch, Strategy

LATENT = 64
DIRECTIONS = 1
"""Random directions per zeroth-order gradient estimate (DFME uses m = 1)."""
SMOOTHING = 1e-3
"""Step along each direction of the forward difference, in pixel units."""
STUDENT_STEPS = 5
"""Student updates per generator update (DFME's n_S)."""


class ImageGenerator(nn.Module):
    """Latent (n, 64) -> images (n, 1, 28, 28) in [0, 1]: dense to 7x7, two upsampling convs."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(LATENT, 64 * 7 * 7), nn.Unflatten(1, (64, 7, 7)), nn.BatchNorm2d(64),
            nn.Upsample(scale_factor=2), nn.Conv2d(64, 32, 3, padding=1), nn.BatchNorm2d(32),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2), nn.Conv2d(32, 1, 3, padding=1), nn.Sigmoid())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


@torch.no_grad()
def disagreement(victim_probs: torch.Tensor, student: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """L1 distance (n,) between the victim's probabilities and the student's on images ``x``."""
    return (victim_probs - F.softmax(student(x), dim=1)).abs().sum(dim=1)


def datafree(attack: Attack) -> Strategy:
    """Alternate one generator update (zeroth-order) and ``STUDENT_STEPS`` student updates."""
    device = attack.bench.setup.device
    generator = ImageGenerator().to(device)
    optimizer = torch.optim.Adam(generator.parameters(), lr=1e-3)
    student = attack.substitute

    def latent() -> torch.Tensor:
        return torch.randn(QUERY_BATCH, LATENT, generator=attack.generator).to(device)

    while True:
        x = generator(latent())
        gradient = yield from _estimated_gradient(attack, student.model, x.detach())
        optimizer.zero_grad()
        x.backward(-gradient)
        optimizer.step()
        for _ in range(STUDENT_STEPS):
            with torch.no_grad():
                x = generator(latent())
            probs = yield QueryBatch(x)
            student.step(x, probs)


def _estimated_gradient(attack: Attack, student: nn.Module, x: torch.Tensor
                        ) -> Generator[QueryBatch, torch.Tensor, torch.Tensor]:
    """Forward-difference estimate of d disagreement / dx (n, 1, 28, 28), asking the victim.

    grad ~ d / m * sum_i (D(x + mu u_i) - D(x)) / mu * u_i with u_i uniform on the unit
    sphere of image space (dimension d), m = ``DIRECTIONS``, mu = ``SMOOTHING``.
    """
    base = disagreement((yield QueryBatch(x)), student, x)
    gradient = torch.zeros_like(x)
    dimension = x[0].numel()
    for _ in range(DIRECTIONS):
        u = torch.randn(x.shape, generator=attack.generator).to(x.device)
        u /= u.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
        moved = x + SMOOTHING * u
        change = disagreement((yield QueryBatch(moved)), student, moved) - base
        gradient += (dimension / DIRECTIONS) * (change / SMOOTHING).view(-1, 1, 1, 1) * u
    return gradient
