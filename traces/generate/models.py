"""The networks: the victim's MnistNet and the vectorised teacher ensemble.

Images are float32 tensors of shape (n, 1, 28, 28); every network returns logits.
The ensemble holds all teachers' weights stacked and runs them as one network: the
convolutions are grouped (one group per teacher) and the dense layers are batched
matrix products, so training or querying 250 teachers is one forward pass, not 250.
"""

from __future__ import annotations

import math
import torch
from torch import nn
from torch.nn import functional as F

from powsim.traces.generate.setup import CLASSES, TeacherShape


class MnistNet(nn.Module):
    """The paper's victim: conv 1->20 5x5, pool, conv 20->50 5x5, pool, fc 800->500, fc 500->10.

    431,080 parameters. Input (n, 1, 28, 28), output logits (n, 10).
    """

    def __init__(self, classes: int = CLASSES) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(800, 500)
        self.fc2 = nn.Linear(500, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class TeacherNet(nn.Module):
    """One teacher as a plain network: what each ensemble member computes."""

    def __init__(self, shape: TeacherShape = TeacherShape()) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, shape.conv1, 5)
        self.conv2 = nn.Conv2d(shape.conv1, shape.conv2, 5)
        self.fc1 = nn.Linear(shape.features, shape.hidden)
        self.fc2 = nn.Linear(shape.hidden, shape.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def _stacked_linear(teachers: int, fan_in: int, fan_out: int) -> tuple[nn.Parameter, nn.Parameter]:
    """Weights (teachers, fan_in, fan_out) and biases (teachers, 1, fan_out), nn.Linear's init."""
    bound = 1 / math.sqrt(fan_in)
    weight = nn.Parameter(torch.empty(teachers, fan_in, fan_out).uniform_(-bound, bound))
    bias = nn.Parameter(torch.empty(teachers, 1, fan_out).uniform_(-bound, bound))
    return weight, bias


class TeacherEnsemble(nn.Module):
    """``teachers`` TeacherNets evaluated together.

    ``forward`` takes (n, teachers, 28, 28), image j of teacher t at [j, t], and returns
    logits (teachers, n, classes). ``votes`` feeds the same images to every teacher.
    """

    def __init__(self, teachers: int, shape: TeacherShape = TeacherShape()) -> None:
        super().__init__()
        self.teachers, self.shape = teachers, shape
        self.conv1 = nn.Conv2d(teachers, teachers * shape.conv1, 5, groups=teachers)
        self.conv2 = nn.Conv2d(teachers * shape.conv1, teachers * shape.conv2, 5, groups=teachers)
        self.fc1_weight, self.fc1_bias = _stacked_linear(teachers, shape.features, shape.hidden)
        self.fc2_weight, self.fc2_bias = _stacked_linear(teachers, shape.hidden, shape.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        # Grouped convolutions run about 1.5-2x faster on CPU in channels-last layout.
        x = x.contiguous(memory_format=torch.channels_last)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.contiguous().reshape(n, self.teachers, self.shape.features).transpose(0, 1)
        x = F.relu(torch.baddbmm(self.fc1_bias, x, self.fc1_weight))
        return torch.baddbmm(self.fc2_bias, x, self.fc2_weight)

    @torch.no_grad()
    def votes(self, images: torch.Tensor) -> torch.Tensor:
        """Vote histograms (n, classes), int64: how many teachers predict each class per image."""
        logits = self(images.expand(-1, self.teachers, -1, -1))
        predictions = logits.argmax(dim=2).T
        return F.one_hot(predictions, self.shape.classes).sum(dim=1)

    def member(self, teacher: int) -> TeacherNet:
        """Teacher ``teacher`` as a stand-alone TeacherNet with a copy of its weights."""
        net = TeacherNet(self.shape)
        c1, c2 = self.shape.conv1, self.shape.conv2
        with torch.no_grad():
            net.conv1.weight.copy_(self.conv1.weight[teacher * c1:(teacher + 1) * c1])
            net.conv1.bias.copy_(self.conv1.bias[teacher * c1:(teacher + 1) * c1])
            net.conv2.weight.copy_(self.conv2.weight[teacher * c2:(teacher + 1) * c2])
            net.conv2.bias.copy_(self.conv2.bias[teacher * c2:(teacher + 1) * c2])
            net.fc1.weight.copy_(self.fc1_weight[teacher].T)
            net.fc1.bias.copy_(self.fc1_bias[teacher, 0])
            net.fc2.weight.copy_(self.fc2_weight[teacher].T)
            net.fc2.bias.copy_(self.fc2_bias[teacher, 0])
        return net
