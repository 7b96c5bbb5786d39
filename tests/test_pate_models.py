"""The networks: sizes, and the vectorised ensemble against its teachers run one by one."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from powsim.traces.generate.models import MnistNet, TeacherEnsemble
from powsim.traces.generate.setup import ARCHITECTURES, DEFAULT_CACHE, Setup
from powsim.traces.generate.training import ensemble_step, ensemble_votes, partitions


def looped_votes(ensemble: TeacherEnsemble, x: torch.Tensor) -> torch.Tensor:
    """Vote histograms (n, classes) with each teacher run alone as a TeacherNet."""
    with torch.no_grad():
        predictions = torch.stack([ensemble.member(t).eval()(x).argmax(1)
                                   for t in range(ensemble.teachers)], dim=1)
    return torch.stack([torch.bincount(row, minlength=10) for row in predictions])


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
    assert torch.equal(votes, looped_votes(ensemble, x))


def test_teacher_partitions_are_disjoint_and_equal():
    blocks = partitions(1003, 10)
    assert blocks.shape == (10, 100)
    assert blocks.flatten().unique().numel() == 1000


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_shared_first_layer_votes_equal_the_member_loop_exactly(architecture):
    """Voting computes the first layer once for all teachers (one matrix product) and pools
    before the ReLU; every teacher's vote must still be its own TeacherNet's, exactly."""
    torch.manual_seed(2)
    ensemble = TeacherEnsemble(250, ARCHITECTURES[architecture]).eval()
    x = torch.rand(24, 1, 28, 28)
    assert torch.equal(ensemble_votes(ensemble, x), looped_votes(ensemble, x))
    torch.testing.assert_close(ensemble.shared_logits(x), ensemble(x.expand(-1, 250, -1, -1)),
                               rtol=1e-5, atol=1e-5)


def test_cached_bundled_teachers_load_and_vote_as_their_members():
    """The weights' layout is unchanged: the teachers cached for the bundled traces (when this
    machine has them) load strictly and vote exactly as their members run one by one."""
    path = DEFAULT_CACHE / Setup().key() / "teachers.pt"
    if not path.is_file():
        pytest.skip(f"{path}: no cached teachers on this machine")
    ensemble = TeacherEnsemble(Setup().teachers)
    ensemble.load_state_dict(torch.load(path, weights_only=True))
    torch.manual_seed(3)
    x = torch.rand(16, 1, 28, 28)
    assert torch.equal(ensemble_votes(ensemble.eval(), x), looped_votes(ensemble, x))


def test_training_step_gives_each_teacher_its_own_gradient_in_any_chunking():
    """ensemble_step accumulates over chunks of images; with SGD at rate 1 the step is minus
    the gradient, which must be each teacher's own (scaled) loss's, whatever the chunk."""
    torch.manual_seed(4)
    teachers, n, scale = 5, 7, 0.25
    x, y = torch.rand(n, teachers, 28, 28), torch.randint(0, 10, (n, teachers))
    start = TeacherEnsemble(teachers)
    steps = []
    for chunk in (1, 3, n):
        ensemble = TeacherEnsemble(teachers)
        ensemble.load_state_dict(start.state_dict())
        ensemble_step(ensemble, torch.optim.SGD(ensemble.parameters(), lr=1.0), x, y, scale, chunk)
        steps.append(ensemble)
    for t in range(teachers):
        member = start.member(t)
        (scale * F.cross_entropy(member(x[:, t:t + 1]), y[:, t], reduction="sum")).backward()
        for ensemble in steps:
            moved = start.member(t).conv2.weight - ensemble.member(t).conv2.weight
            torch.testing.assert_close(moved, member.conv2.weight.grad, rtol=1e-4, atol=1e-6)
            moved = start.member(t).fc1.weight - ensemble.member(t).fc1.weight
            torch.testing.assert_close(moved, member.fc1.weight.grad, rtol=1e-4, atol=1e-6)
