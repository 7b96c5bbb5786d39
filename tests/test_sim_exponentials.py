"""BlockedStream against the numpy Generator it stands in for: every draw the same value, in
the same order, and the Generator left in the same state, across blocks and other draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from powsim.sim.exponentials import BLOCK, BlockedStream
from powsim.sim.solve_time import GeometricTrials


def _draws(rng, plan: list[tuple[str, float]]) -> list[float]:
    """Each (what, parameter) of ``plan`` drawn from ``rng``, as the DES's calls make them."""
    out = []
    for what, value in plan:
        if what == "exponential":
            out.append(value * rng.standard_exponential())
        elif what == "geometric":
            out.append(float(rng.geometric(value)))
        elif what == "negative_binomial":
            out.append(float(rng.negative_binomial(3, max(value, 2.0**-20))))  # numpy refuses tinier p
        else:
            out.append(float(rng.integers(0, 1000)))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blocked_stream_draws_what_the_generator_draws(seed: int) -> None:
    # Mostly exponentials and inverted geometrics (2-62 bits), now and then a draw of another
    # kind (a geometric of 0 or 1 bit, a negative binomial, integers), over several blocks.
    picker = np.random.default_rng(100 + seed)
    kinds = picker.choice(["exponential", "geometric", "negative_binomial", "integers"],
                          p=[0.55, 0.4, 0.025, 0.025], size=6 * BLOCK)
    plan = [(kind, float(picker.exponential(2.0)) if kind == "exponential" else
             2.0 ** -int(picker.integers(0, 63))) for kind in kinds]
    plain, blocked = np.random.default_rng(seed), BlockedStream(np.random.default_rng(seed))
    assert _draws(blocked, plan) == _draws(plain, plan)
    blocked.random()  # any other draw puts the Generator where the scalar calls left it
    plain.random()
    assert blocked.rng.bit_generator.state == plain.bit_generator.state


def test_blocked_geometric_caps_as_numpy_and_serves_the_solve_model() -> None:
    # At 62 bits most draws pass numpy's int64 cap (9.223372036854776e18 trials): equal there too.
    plain, blocked = np.random.default_rng(7), BlockedStream(np.random.default_rng(7))
    model = GeometricTrials()
    ours = [model.sample(62, blocked) for _ in range(3 * BLOCK)]
    assert ours == [model.sample(62, plain) for _ in range(3 * BLOCK)]
    assert max(ours) == float(2**63 - 1) and all(t == math.floor(t) for t in ours)
