"""The RDP bound of GNMax used by the rdp policy: limits and monotonicity."""

import numpy as np

from powsim.sim.rdp import ORDERS, rdp_gnmax, rdp_to_epsilon

SIGMA = 10.0


def test_bound_never_exceeds_the_data_independent_one():
    logq = np.array([-1e-9, -0.5, -2.0, -10.0, -40.0, -200.0])
    bound = rdp_gnmax(logq, SIGMA)
    assert bound.shape == (6, ORDERS.size)
    assert (bound <= ORDERS / SIGMA**2 + 1e-12).all() and (bound >= 0).all()
    # A likely flip (q ~ 1) gets nothing from the data: the Gaussian mechanism's lambda / sigma^2.
    assert np.allclose(bound[0], ORDERS / SIGMA**2)


def test_more_confident_answers_cost_less():
    bound = rdp_gnmax(np.array([-5.0, -20.0, -80.0]), SIGMA)
    low_orders = ORDERS < 10
    assert (np.diff(bound[:, low_orders], axis=0) <= 0).all()
    assert (bound[2, low_orders] < bound[0, low_orders]).all()


def test_a_certain_answer_costs_nothing():
    assert (rdp_gnmax(np.array([-np.inf]), SIGMA) == 0).all()


def test_epsilon_of_composed_rdp():
    # Data-independent composition of n answers: eps = min_l n l / s^2 + log(1/delta) / (l - 1).
    n, delta = 100, 1e-5
    composed = n * ORDERS / SIGMA**2
    assert rdp_to_epsilon(composed, delta) == np.min(composed + np.log(1 / delta) / (ORDERS - 1))
    assert rdp_to_epsilon(np.stack([composed, 2 * composed]), delta).shape == (2,)
