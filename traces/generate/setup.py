"""What determines a trace's trained models: the setup, and where its cache lives.

Kept free of torch so that the command line can show its defaults, and refuse a bad
option, without loading it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from powsim.errors import ParameterError

CLASSES = 10
TRAINING_IMAGES = 60_000
"""Fashion-MNIST's training set, cut into the attacker's pool and the private data."""
DEFAULT_CACHE = Path(os.environ.get("POWSIM_CACHE", Path.home() / ".cache" / "powsim" / "pate"))


@dataclass(frozen=True)
class TeacherShape:
    """Widths of a teacher: conv 1->conv1 5x5, pool, conv conv1->conv2 5x5, pool, fc, fc.

    The default ('small') is smaller than MnistNet (about 7x fewer multiply-adds) because
    250 of them answer every query on CPU; ``ARCHITECTURES['mnistnet']`` has the victim's widths.
    """

    conv1: int = 8
    conv2: int = 16
    hidden: int = 64
    classes: int = CLASSES

    @property
    def features(self) -> int:
        """Size of the flattened second pooling output (4 x 4 per channel)."""
        return self.conv2 * 16


ARCHITECTURES = {"small": TeacherShape(), "mnistnet": TeacherShape(conv1=20, conv2=50, hidden=500)}
"""Teacher architectures by name: 'small' is the reduced CPU configuration, 'mnistnet' the
paper's (conv 1->20, conv 20->50, fc 800->500, fc 500->10, as the victim)."""


def architecture_name(shape: TeacherShape) -> str:
    """The name of ``shape`` in :data:`ARCHITECTURES`, or 'custom'."""
    return next((name for name, known in ARCHITECTURES.items() if known == shape), "custom")


_KEY_ONLY_WHEN_SET = {"augment": 0, "device": "cpu"}
"""Fields added after the first cache folders were made, with the value that reproduces the
old behaviour: at that value they stay out of the key, so the old folders keep their names."""


@dataclass(frozen=True)
class Setup:
    """Everything that determines the victim, the teachers and the pools' votes.

    ``augment``: the teachers' training images are shifted by up to this many pixels (0: not
    augmented). ``device``: 'cpu' or 'cuda'; their arithmetic differs, so do their weights.
    """

    seed: int = 0
    teachers: int = 250
    pool_size: int = 10_000
    private_size: int = 50_000
    victim_epochs: float = 8.0
    teacher_epochs: int = 40
    teacher_shape: TeacherShape = TeacherShape()
    augment: int = 0
    device: str = "cpu"

    def key(self) -> str:
        """A short name for this setup: seed, teachers and a hash of the rest."""
        fields = {name: value for name, value in dataclasses.asdict(self).items()
                  if name not in _KEY_ONLY_WHEN_SET or value != _KEY_ONLY_WHEN_SET[name]}
        text = json.dumps(fields, sort_keys=True)
        return f"seed{self.seed}-t{self.teachers}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"

    def streams(self) -> list[np.random.SeedSequence]:
        """Independent seed streams: data split, victim, teachers, attacker."""
        return np.random.SeedSequence(self.seed).spawn(4)

    def teacher_config(self) -> dict[str, object]:
        """The teachers' configuration as a trace's metadata records it; ``reduced`` is true
        for the reduced CPU configuration (teachers smaller than the paper's MnistNet)."""
        arch = architecture_name(self.teacher_shape)
        return {"arch": arch, **dataclasses.asdict(self.teacher_shape),
                "epochs": self.teacher_epochs, "augment_shift_px": self.augment,
                "images_per_teacher": self.private_size // self.teachers,
                "reduced": arch != "mnistnet",
                "note": ("reduced CPU configuration: teachers smaller than the paper's MnistNet"
                         if arch != "mnistnet" else "the paper's teacher architecture (MnistNet)")}

    def check(self) -> None:
        """Raise :class:`ParameterError` on a count the data cannot serve (before any training)."""
        for name in ("teachers", "pool_size", "private_size", "teacher_epochs"):
            if getattr(self, name) < 1:
                raise ParameterError(f"{{{name}}}: {getattr(self, name)}, expected a positive "
                                     "whole number")
        if not self.victim_epochs > 0:
            raise ParameterError(f"{{victim_epochs}}: {self.victim_epochs}, expected a positive "
                                 "number")
        if self.pool_size + self.private_size > TRAINING_IMAGES:
            raise ParameterError(f"{{pool_size}} + {{private_size}}: {self.pool_size} + "
                                 f"{self.private_size}, expected at most the {TRAINING_IMAGES:,} "
                                 "Fashion-MNIST training images")
        if self.private_size < self.teachers:
            raise ParameterError(f"{{teachers}}: {self.teachers}, expected at most one teacher "
                                 f"per private image ({{private_size}} {self.private_size})")
        if not 0 <= self.augment <= 8:
            raise ParameterError(f"{{augment}}: {self.augment}, expected a shift of 0 to 8 pixels")
        if self.device not in ("cpu", "cuda"):
            raise ParameterError(f"{{device}}: {self.device!r}, expected cpu or cuda")
