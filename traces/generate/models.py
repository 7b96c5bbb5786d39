"""The networks: the victim's MnistNet and the vectorised teacher ensemble.

Images are float32 tensors of shape (n, 1, 28, 28); every network returns logits.
The ensemble holds all teachers' weights stacked and runs them as one network: the
convolutions are grouped (one group per teacher) and the dense layers are batched
matrix products, so training or querying 250 teachers is one forward pass, not 250.

Choices measured on CPU (``benchmarks/pate_speed.py``): activations in channels-last layout
(grouped convolutions run 1.5-2x faster); max-pooling before the ReLU (the same numbers, as
ReLU is monotone, on a quarter of the elements); when voting, every teacher sees the same
image, so the first layer is one matrix product over the image's 5x5 patches with all
teachers' filters, written straight into channels-last layout. The second convolution stays
grouped: unfold plus batched matrix products was 4-14x slower at 64 images for both the
small and the MnistNet-width teachers.
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
        x = self.conv1(x.contiguous(memory_format=torch.channels_last))
        return self._after_conv1(x)

    def _after_conv1(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (teachers, n, classes) from the first convolution's output (n, teachers *
        conv1, 24, 24), before its ReLU and pooling."""
        n = x.shape[0]
        x = F.relu(F.max_pool2d(x, 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = x.contiguous().reshape(n, self.teachers, self.shape.features).transpose(0, 1)
        x = F.relu(torch.baddbmm(self.fc1_bias, x, self.fc1_weight))
        return torch.baddbmm(self.fc2_bias, x, self.fc2_weight)

    def shared_logits(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (teachers, n, classes) of every teacher on the same images (n, 1, 28, 28).

        The first layer is one matrix product: patches (n * 576, 25) times all teachers'
        filters (25, teachers * conv1), whose (n, 24, 24, channels) result is channels-last.
        """
        n, channels = images.shape[0], self.conv1.out_channels
        patches = F.unfold(images, 5).transpose(1, 2).reshape(n * 576, 25)
        filters = self.conv1.weight.reshape(channels, 25).T
        x = torch.addmm(self.conv1.bias, patches, filters)
        return self._after_conv1(x.reshape(n, 24, 24, channels).permute(0, 3, 1, 2))

    @torch.no_grad()
    def votes(self, images: torch.Tensor) -> torch.Tensor:
        """Vote histograms (n, classes), int64: how many teachers predict each class per image."""
        predictions = self.shared_logits(images).argmax(dim=2).T
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
