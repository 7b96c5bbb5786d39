"""Solve-time models: how many SHA-256 trials one puzzle of k leading zero bits takes.

A model is a small object with one method, ``sample(bits, rng) -> trials`` (the shape of
Ciw's distributions), so that swapping the model (expected value, geometric draws, n
sub-solutions, or real hashing later) changes no other code. Trials are a float count of
hashes; the time they take is :func:`solve_time_s`.

A puzzle of k bits is solved by each trial with probability p = 2^-k, so the trials until
success are Geometric(p) on {1, 2, ...}: mean 2^k, variance 2^k (2^k - 1). A puzzle made of
n independent sub-solutions takes the sum of n such draws: mean n 2^k, variance
n 2^k (2^k - 1), i.e. a relative spread smaller by sqrt(n).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from powsim.errors import InputError

MODES = ("expected", "sampled")


class SolveModel(Protocol):
    """Trials needed to solve one puzzle of ``bits`` leading zero bits."""

    def sample(self, bits: int, rng: np.random.Generator) -> float:
        """Number of hash trials (>= 1) for one puzzle; ``rng`` is the agent's own stream."""
        ...


@dataclass(frozen=True)
class ExpectedTrials:
    """Every puzzle takes its mean, ``sub_solutions`` x 2^bits trials (expected mode)."""

    sub_solutions: int = 1

    def sample(self, bits: int, rng: np.random.Generator) -> float:
        return self.sub_solutions * 2.0**bits


@dataclass(frozen=True)
class GeometricTrials:
    """Trials drawn as the sum of ``sub_solutions`` Geometric(2^-bits) variables (sampled mode)."""

    sub_solutions: int = 1

    def sample(self, bits: int, rng: np.random.Generator) -> float:
        p = 2.0**-bits
        if self.sub_solutions == 1:
            return float(rng.geometric(p))
        # The failures before n successes are NegativeBinomial(n, p); add the n successes.
        return float(self.sub_solutions + rng.negative_binomial(self.sub_solutions, p))


def solve_model(mode: str, sub_solutions: int = 1) -> SolveModel:
    """The solve-time model of a simulation ``mode``: 'expected' or 'sampled'."""
    if mode == "expected":
        return ExpectedTrials(sub_solutions)
    if mode == "sampled":
        return GeometricTrials(sub_solutions)
    raise InputError(f"option --mode: {mode!r}, expected one of {', '.join(MODES)}")


def solve_time_s(trials: float, hash_rate_hz: float, solvers: int = 1) -> float:
    """Seconds to run ``trials`` hashes on ``solvers`` parallel solvers of ``hash_rate_hz`` each."""
    return trials / (hash_rate_hz * solvers)
