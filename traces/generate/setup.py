"""What determines a trace's trained models: the setup, and where its cache lives.

Kept free of torch so that the command line can show its defaults without loading it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASSES = 10
DEFAULT_CACHE = Path(os.environ.get("POWSIM_CACHE", Path.home() / ".cache" / "powsim" / "pate"))


@dataclass(frozen=True)
class TeacherShape:
    """Widths of a teacher: conv 1->conv1 5x5, pool, conv conv1->conv2 5x5, pool, fc, fc.

    Smaller than MnistNet (about 7x fewer multiply-adds) because 250 of them answer
    every query on CPU; a teacher sees only 200 images, which such a net fits well.
    """

    conv1: int = 8
    conv2: int = 16
    hidden: int = 64
    classes: int = CLASSES

    @property
    def features(self) -> int:
        """Size of the flattened second pooling output (4 x 4 per channel)."""
        return self.conv2 * 16


@dataclass(frozen=True)
class Setup:
    """Everything that determines the victim, the teachers and the pools' votes."""

    seed: int = 0
    teachers: int = 250
    pool_size: int = 10_000
    private_size: int = 50_000
    victim_epochs: float = 8.0
    teacher_epochs: int = 40
    teacher_shape: TeacherShape = TeacherShape()

    def key(self) -> str:
        """A short name for this setup: seed, teachers and a hash of the rest."""
        text = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return f"seed{self.seed}-t{self.teachers}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"

    def streams(self) -> list[np.random.SeedSequence]:
        """Independent seed streams: data split, victim, teachers, attacker."""
        return np.random.SeedSequence(self.seed).spawn(4)
