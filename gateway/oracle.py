"""The model behind the gateway: the victim that labels, the teachers whose votes price.

It is the victim and teacher ensemble the PATE traces were made with, loaded from the
generator's cache (:mod:`powsim.traces.generate.workbench`, trained there on first use), on
the CPU. A batch of images is answered with the victim's labels and the teachers' vote
histograms; the per-query PATE cost of the votes is :func:`powsim.traces.pate.query_costs`,
the same analysis as the traces'.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from powsim.traces.generate.setup import Setup
from powsim.traces.pate import query_costs

IMAGE_SHAPE = (28, 28)


@dataclass(frozen=True)
class Answer:
    """Labels (int64, (n,)), vote histograms (int64, (n, classes)), per-query eps (float64,
    (n,)); ``seconds`` the model spent on it (victim and teachers; a batch that waited for
    the model also counts the hand-over from the batch before, the wake-up of its thread, so
    that while a queue drains the service times add up to the model's busy time: the service
    of the one queue the gateway has) and ``wait_s`` the seconds it waited for the model."""

    labels: np.ndarray
    votes: np.ndarray
    cost: np.ndarray
    seconds: float = 0.0
    wait_s: float = 0.0


class Oracle:
    """The victim and the teachers of ``setup``, queried with GNMax noise ``sigma`` (vote
    counts) and priced at ``delta``. Calls are serialised (torch uses every core for one)."""

    def __init__(self, setup: Setup, cache: Path, sigma: float, delta: float,
                 log: Callable[[str], None] = lambda line: None) -> None:
        import torch

        from powsim.traces.generate.workbench import load_splits, load_teachers, load_victim

        cpu = dataclasses.replace(setup, device="cpu")
        splits = load_splits(cpu)
        self._victim = load_victim(cpu, splits, cache, log).eval()
        self._teachers = load_teachers(cpu, splits, cache, log).eval()
        self._torch = torch
        self._lock = threading.Lock()
        self._released = -math.inf  # when the model was last let go (time.perf_counter, s)
        self.sigma, self.delta = sigma, delta

    def answer(self, images: np.ndarray) -> Answer:
        """Answer ``images`` (uint8, (n, 28, 28), 0..255 gray levels, 0 black)."""
        torch = self._torch
        x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 1, *IMAGE_SHAPE)
        asked = time.perf_counter()
        with self._lock, torch.no_grad():
            start = time.perf_counter()
            if asked < self._released:  # it waited: the hand-over is part of its service
                start = self._released
            labels = self._victim(x).argmax(1).numpy()
            votes = self._teachers.votes(x).numpy()
            released = self._released = time.perf_counter()
        cost = query_costs(votes, self.sigma, self.delta).eps
        return Answer(labels.astype(np.int64), votes.astype(np.int64), cost, released - start,
                      start - asked)
