"""The trained victim and teachers, and the teachers' votes on the query pools, cached on disk.

Training the victim and the ensemble and letting 250 teachers vote on the pools is most
of the cost of a trace; every query strategy shares it. A :class:`Setup` fixes everything
that shapes those results, and its key names the cache folder, so traces of any strategy
made with the same setup reuse one training. Each cached file is written atomically, so an
interrupted run leaves either a whole file or none, and the next run resumes from it.
Everything is placed on ``setup.device``; the wall time of each phase is kept next to the
weights (:mod:`~powsim.traces.generate.phases`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from powsim.atomic import atomic_path, write_text_atomic
from powsim.traces.generate.data import Splits, fashion_mnist, mnist_digits, split
from powsim.traces.generate.device import configure
from powsim.traces.generate.models import MnistNet, TeacherEnsemble
from powsim.traces.generate.phases import Phases
from powsim.traces.generate.setup import DEFAULT_CACHE, Setup
from powsim.traces.generate.training import (agreement, ensemble_votes, predict, train_classifier,
                                    train_ensemble)

Log = Callable[[str], None]


def torch_generator(stream: np.random.SeedSequence) -> torch.Generator:
    """A torch generator seeded from ``stream``."""
    return torch.Generator().manual_seed(int(stream.generate_state(1, np.uint64)[0] >> 1))


@dataclass(frozen=True)
class Workbench:
    """A setup's data, trained models and cached answers on the pools.

    ``{pool,ood,evaluation}_votes``: teacher vote histograms (int64, (images, classes));
    ``{pool,ood,evaluation}_probs``: the victim's softmax outputs (float32, (images, classes)).
    All tensors are on ``setup.device``. Accuracies are on the evaluation set, in %; the
    plurality vote is taken without noise. ``phases`` holds the phases' wall times.
    """

    setup: Setup
    splits: Splits
    victim: MnistNet
    ensemble: TeacherEnsemble
    victim_accuracy: float
    plurality_accuracy: float
    pool_votes: torch.Tensor
    ood_votes: torch.Tensor
    evaluation_votes: torch.Tensor
    pool_probs: torch.Tensor
    ood_probs: torch.Tensor
    evaluation_probs: torch.Tensor
    phases: Phases


def _cached_model(path: Path, model: torch.nn.Module, train: Callable[[], None], log: Log,
                  phases: Phases, phase: str) -> None:
    """Load ``model``'s weights from ``path``, or train it (timed as ``phase``) and save them."""
    if path.is_file():
        model.load_state_dict(torch.load(path, weights_only=True, map_location="cpu"))
        model.eval()
        phases.loaded(phase)
        log(f"loaded {path}")
        return
    phases.run(phase, train, keep=True)
    with atomic_path(path) as tmp:
        torch.save(model.state_dict(), tmp)
    log(f"saved {path}")


def _cached_tensors(path: Path, compute: Callable[[], dict[str, torch.Tensor]], log: Log,
                    phases: Phases, phase: str, device: str) -> dict[str, torch.Tensor]:
    if path.is_file():
        log(f"loaded {path}")
        phases.loaded(phase)
        return torch.load(path, weights_only=True, map_location=device)
    tensors = phases.run(phase, compute, keep=True)
    with atomic_path(path) as tmp:
        torch.save(tensors, tmp)
    log(f"saved {path}")
    return tensors


def load_splits(setup: Setup) -> Splits:
    """The data of ``setup``, split as its seed says, on ``setup.device`` (moved there once)."""
    configure(setup.device)
    train, test = fashion_mnist()
    parts = split(train, test, mnist_digits(), setup.pool_size, setup.private_size,
                  np.random.default_rng(setup.streams()[0]))
    return parts.to(setup.device)


def load_teachers(setup: Setup, splits: Splits, cache: Path = DEFAULT_CACHE, log: Log = print,
                  phases: Phases | None = None, progress: bool = False) -> TeacherEnsemble:
    """The teacher ensemble of ``setup``: from ``cache`` where present, else trained and cached.
    Its weights depend only on the setup (its own seed stream), not on the victim. They are
    initialised on the CPU (the same numbers on every device), then moved."""
    folder = Path(cache) / setup.key()
    phases = phases or Phases(folder)
    teacher_stream = setup.streams()[2]
    torch.manual_seed(int(teacher_stream.generate_state(1)[0]))
    ensemble = TeacherEnsemble(setup.teachers, setup.teacher_shape).to(setup.device)
    _cached_model(folder / "teachers.pt", ensemble, lambda: train_ensemble(
        ensemble, splits.private, setup.teacher_epochs, torch_generator(teacher_stream),
        augment=setup.augment, progress=progress), log, phases, "teacher_training")
    return ensemble


def load_victim(setup: Setup, splits: Splits, cache: Path = DEFAULT_CACHE, log: Log = print,
                phases: Phases | None = None, progress: bool = False) -> MnistNet:
    """The victim of ``setup``: from ``cache`` where present, else trained on the private data
    and cached (its own seed stream)."""
    folder = Path(cache) / setup.key()
    phases = phases or Phases(folder)
    victim_stream = setup.streams()[1]
    torch.manual_seed(int(victim_stream.generate_state(1)[0]))
    victim = MnistNet().to(setup.device)
    _cached_model(folder / "victim.pt", victim, lambda: train_classifier(
        victim, splits.private.x, splits.private.y, setup.victim_epochs,
        torch_generator(victim_stream), progress=progress, desc="victim training"), log,
        phases, "victim_training")
    return victim


def load_workbench(setup: Setup, cache: Path = DEFAULT_CACHE, log: Log = print,
                   progress: bool = False) -> Workbench:
    """The workbench of ``setup``: from ``cache`` where present, else trained and cached;
    ``progress`` shows a bar for each phase that runs."""
    folder = Path(cache) / setup.key()
    phases = Phases(folder)
    splits = load_splits(setup)
    victim = load_victim(setup, splits, cache, log, phases, progress)
    ensemble = load_teachers(setup, splits, cache, log, phases, progress)

    answers = _cached_tensors(folder / "answers.pt", lambda: _answers(
        splits, victim, ensemble, progress), log, phases, "votes", setup.device)
    truth = splits.evaluation.y
    bench = Workbench(setup, splits, victim, ensemble,
                      agreement(answers["evaluation_probs"].argmax(1), truth),
                      agreement(answers["evaluation_votes"].argmax(1), truth), **answers,
                      phases=phases)
    write_text_atomic(folder / "summary.json", json.dumps({
        "setup": dataclasses.asdict(setup), "victim_accuracy": bench.victim_accuracy,
        "plurality_accuracy": bench.plurality_accuracy}, indent=2))
    return bench


def _answers(splits: Splits, victim: MnistNet, ensemble: TeacherEnsemble, progress: bool
             ) -> dict[str, torch.Tensor]:
    """The victim's outputs and the teachers' votes on both query pools and the evaluation set."""
    answers = {}
    for name in ("pool", "ood", "evaluation"):
        images = getattr(splits, name).x
        answers[f"{name}_votes"] = ensemble_votes(ensemble, images, progress=progress,
                                                  desc=f"votes on the {name} images")
        answers[f"{name}_probs"] = predict(victim, images)
    return answers

