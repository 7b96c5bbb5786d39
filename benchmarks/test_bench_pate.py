"""pytest-benchmark view of ``pate_speed``: the PATE analysis and the ensemble, vectorised and
looped over teachers (``make bench``). Figures only, never timed asserts."""

from __future__ import annotations

import pytest
import torch

import pate_speed
from powsim.traces.generate.models import TeacherEnsemble

TEACHERS = 250


@pytest.fixture(scope="module")
def ensemble():
    torch.manual_seed(0)
    return TeacherEnsemble(TEACHERS).eval()


def test_analysis_100k_queries(benchmark):
    benchmark(pate_speed.analysis(pate_speed.random_votes(TEACHERS, 100_000)))


@pytest.mark.parametrize("how", ["vectorised", "looped"])
def test_ensemble_votes_batch_64(benchmark, ensemble, how):
    x = torch.rand(pate_speed.BATCH, 1, 28, 28)
    make = pate_speed.vectorised_inference if how == "vectorised" else pate_speed.looped_inference
    benchmark(make(ensemble, x))
