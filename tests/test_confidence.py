"""The one confidence interval every table reports, against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from powsim.stats.confidence import half_width, interval


def test_interval_of_four_replications_by_hand():
    # mean 2.5, s = sqrt(5/3) = 1.290994, t_{0.975, 3} = 3.182446: half = 3.182446 * s / 2.
    mean, low, high = interval(np.array([1.0, 2.0, 3.0, 4.0]))
    assert mean == 2.5
    assert high - mean == pytest.approx(3.182446 * math.sqrt(5 / 3) / 2, rel=1e-6)
    assert mean - low == pytest.approx(high - mean)


def test_level_and_one_replication():
    # t_{0.95, 9} = 1.833113 for a 90 % interval of 10 replications.
    assert float(half_width(2.0, 10, level=0.9)) == pytest.approx(1.833113 * 2 / math.sqrt(10), rel=1e-6)
    mean, low, high = interval(np.array([7.0]))
    assert mean == 7.0 and math.isnan(low) and math.isnan(high)


def test_half_width_broadcasts_over_groups():
    halves = half_width(np.array([[1.0, 2.0], [1.0, 2.0]]), np.array([[2], [1]]))
    assert halves[0, 1] == pytest.approx(2 * halves[0, 0]) and np.isnan(halves[1]).all()


def test_the_t_quantile_is_scipy_stats_to_the_last_bit():
    # half_width takes scipy.special's stdtrit to keep scipy.stats out of the command's
    # imports: the same doubles as scipy.stats.t.ppf at every level and count.
    from scipy import stats

    counts = np.array([2, 3, 4, 5, 10, 20, 30, 100, 1000])
    for level in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
        t = stats.t.ppf(0.5 + level / 2, counts - 1)
        assert np.array_equal(half_width(np.ones(len(counts)), counts, level), t / np.sqrt(counts))
