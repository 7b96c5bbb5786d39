"""Solve-time models against the geometric law."""

import numpy as np
import pytest
from scipy import stats

from powsim.errors import InputError
from powsim.sim.solve_time import ExpectedTrials, GeometricTrials, solve_model, solve_time_s


def test_expected_trials_are_the_mean():
    assert ExpectedTrials().sample(10, np.random.default_rng(0)) == 1024.0
    assert ExpectedTrials(sub_solutions=4).sample(3, np.random.default_rng(0)) == 32.0
    assert solve_time_s(1024.0, hash_rate_hz=512.0, solvers=2) == 1.0


@pytest.mark.parametrize("sub_solutions", [1, 4])
def test_sampled_mean_converges_to_expected(sub_solutions):
    # Trials of n sub-solutions at k bits: mean n 2^k, variance n 2^k (2^k - 1). The mean of
    # N draws has standard error sqrt(n 2^k (2^k - 1) / N); we allow 4 standard errors
    # (a false failure has probability ~6e-5 under the normal approximation).
    bits, draws = 10, 20_000
    model, rng = GeometricTrials(sub_solutions), np.random.default_rng(2026)
    trials = np.array([model.sample(bits, rng) for _ in range(draws)])
    mean = ExpectedTrials(sub_solutions).sample(bits, rng)
    standard_error = np.sqrt(sub_solutions * 2**bits * (2**bits - 1) / draws)
    assert abs(trials.mean() - mean) < 4 * standard_error


def test_sampled_trials_follow_the_geometric_law():
    # Pearson chi-square of 20,000 draws at k = 4 (p = 1/16) against Geometric(p) on {1, 2, ...}:
    # bins 1..59 and a tail bin (every expected count >= 5); reject below p-value 0.001.
    bits, draws, p = 4, 20_000, 1 / 16
    model, rng = GeometricTrials(), np.random.default_rng(7)
    trials = np.array([model.sample(bits, rng) for _ in range(draws)], dtype=np.int64)
    support = np.arange(1, 60)
    observed = np.append([(trials == t).sum() for t in support], (trials >= 60).sum())
    expected = draws * np.append(stats.geom.pmf(support, p), stats.geom.sf(59, p))
    assert expected.min() >= 5
    assert stats.chisquare(observed, expected).pvalue > 0.001


def test_sub_solutions_narrow_the_relative_spread():
    rng = np.random.default_rng(3)
    one = np.array([GeometricTrials(1).sample(8, rng) for _ in range(5000)])
    many = np.array([GeometricTrials(16).sample(8, rng) / 16 for _ in range(5000)])
    # Relative spread shrinks by sqrt(16) = 4; allow a generous margin (2x) for sampling error.
    assert many.std() < one.std() / 2


def test_bits_zero_takes_one_trial():
    assert GeometricTrials().sample(0, np.random.default_rng(0)) == 1.0
    assert GeometricTrials(3).sample(0, np.random.default_rng(0)) == 3.0


def test_unknown_mode_is_an_input_error():
    with pytest.raises(InputError, match="^mode: "):
        solve_model("real")
