"""Solve-time models: how many SHA-256 trials one puzzle of k leading zero bits takes.

A model is a small object with one method, ``sample(bits, rng) -> trials`` (the shape of
Ciw's distributions), so that swapping the model (expected value, geometric draws, n
sub-solutions, or real hashes) changes no other code. Trials are a float count of
hashes; the time they take is :func:`solve_time_s` (see :func:`solve_puzzle`).

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
from powsim.sim.economics import LOCAL, Hardware

MODES = ("expected", "sampled")
HASHING = ("sampled", "real")
REAL_MAX_BITS = 24  # real hashing: 2^24 trials, about a second of one core per puzzle


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


@dataclass(frozen=True)
class RealHashTrials:
    """Trials of real SHA-256 nonce searches, one per sub-solution (``--hash real``).

    Each puzzle's 160 challenge bytes (the size of a real challenge) are drawn from the
    agent's stream, so a seed gives the same trials bit for bit; to the solver they are
    as random as a real challenge's random field and tag. Trials are the first winning
    nonce's position, Geometric(2^-bits) exactly (see :mod:`powsim.sim.solver`).
    """

    sub_solutions: int = 1

    def sample(self, bits: int, rng: np.random.Generator) -> float:
        return self.solve(bits, rng, workers=1)[0]

    def solve(self, bits: int, rng: np.random.Generator, workers: int) -> tuple[float, float]:
        """Trials and wall-clock seconds of solving the puzzle here with ``workers`` threads."""
        if bits > REAL_MAX_BITS:
            raise InputError(f"option --hash real: a puzzle of {bits} bits; real hashing stops at "
                             f"{REAL_MAX_BITS} bits (lower defense.max_bits, or use --hash sampled)")
        from powsim.sim.solver import Solver  # compiles the SHA-256 search: only when hashing for real

        trials = seconds = 0.0
        with Solver(workers) as solver:
            for _ in range(self.sub_solutions):
                solution = solver.solve(rng.bytes(160), bits)
                trials, seconds = trials + solution.trials, seconds + solution.seconds
        return trials, seconds


def solve_model(mode: str, sub_solutions: int = 1, hashing: str = "sampled") -> SolveModel:
    """The solve-time model of a simulation ``mode`` ('expected' or 'sampled') and ``hashing``
    ('sampled': trials drawn from the law; 'real': puzzles solved for real, sampled mode only)."""
    if hashing not in HASHING:
        raise InputError(f"option --hash: {hashing!r}, expected one of {', '.join(HASHING)}")
    if hashing == "real":
        if mode != "sampled":
            raise InputError(f"option --hash real: needs --mode sampled, not {mode!r} (real trials are random)")
        return RealHashTrials(sub_solutions)
    if mode == "expected":
        return ExpectedTrials(sub_solutions)
    if mode == "sampled":
        return GeometricTrials(sub_solutions)
    raise InputError(f"option --mode: {mode!r}, expected one of {', '.join(MODES)}")


def solve_time_s(trials: float, hash_rate_hz: float, solvers: int = 1) -> float:
    """Seconds to run ``trials`` hashes on ``solvers`` parallel solvers of ``hash_rate_hz`` each."""
    return trials / (hash_rate_hz * solvers)


def solve_puzzle(model: SolveModel, bits: int, rng: np.random.Generator, hardware: Hardware,
                 solvers: int) -> tuple[float, float]:
    """Trials and seconds of one puzzle on ``solvers`` solvers of ``hardware``.

    Seconds are trials / (H x solvers), except that real hashes on this machine's own
    ``local`` profile take the wall-clock seconds they really took.
    """
    if isinstance(model, RealHashTrials) and hardware.name == LOCAL:
        return model.solve(bits, rng, solvers)
    trials = model.sample(bits, rng)
    return trials, solve_time_s(trials, hardware.hash_rate_hz, solvers)
