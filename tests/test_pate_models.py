"""The networks: sizes, and the vectorised ensemble against its teachers run one by one."""

from __future__ import annotations

import torch

from powsim.traces.generate.models import MnistNet, TeacherEnsemble
from powsim.traces.generate.training import partitions


def test_mnistnet_has_the_papers_size():
    assert sum(p.numel() for p in MnistNet().parameters()) == 431_080
    assert MnistNet()(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_ensemble_computes_what_each_member_computes():
    torch.manual_seed(0)
    ensemble = TeacherEnsemble(7).eval()
    x = torch.rand(5, 7, 28, 28)
    logits = ensemble(x)
    for t in range(7):
        alone = ensemble.member(t).eval()(x[:, t:t + 1])
        torch.testing.assert_close(logits[t], alone, rtol=1e-5, atol=1e-5)


def test_votes_count_every_teacher_once():
    torch.manual_seed(1)
    ensemble = TeacherEnsemble(11).eval()
    x = torch.rand(4, 1, 28, 28)
    votes = ensemble.votes(x)
    assert votes.shape == (4, 10) and (votes.sum(dim=1) == 11).all()
    predictions = torch.stack([ensemble.member(t).eval()(x).argmax(1) for t in range(11)], dim=1)
    expected = torch.stack([torch.bincount(row, minlength=10) for row in predictions])
    assert torch.equal(votes, expected)


def test_teacher_partitions_are_disjoint_and_equal():
    blocks = partitions(1003, 10)
    assert blocks.shape == (10, 100)
    assert blocks.flatten().unique().numel() == 1000
