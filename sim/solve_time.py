"""Solve-time models: how many SHA-256 trials one puzzle of k leading zero bits takes.

A model is a small object with one method, ``sample(bits, rng) -> trials`` (the shape of
Ciw's distributions), so that swapping the model (expected value, geometric draws, n
sub-solutions) changes no other code; real hashing (:class:`RealHashTrials`) solves the
server's real challenges instead. Trials are a float count of hashes; the time they take
is :func:`solve_time_s` (see :func:`solve_puzzle`).

A puzzle of k bits is solved by each trial with probability p = 2^-k, so the trials until
success are Geometric(p) on {1, 2, ...}: mean 2^k, variance 2^k (2^k - 1). A puzzle made of
n independent sub-solutions takes the sum of n such draws: mean n 2^k, variance
n 2^k (2^k - 1), i.e. a relative spread smaller by sqrt(n).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from powsim.errors import ParameterError
from powsim.hashcash.hardware import LOCAL, Hardware

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
    """Real SHA-256 nonce searches on the server's HashCash challenges (``hashing='real'``).

    Not a :class:`SolveModel`: there is nothing to sample, the server issues the
    challenges (one per sub-solution, see :mod:`powsim.sim.server.server`) and the client
    solves their real bytes. Trials are each first winning nonce's position,
    Geometric(2^-bits) exactly (see :mod:`powsim.hashcash.solver`), summed over the challenges.
    """

    def solve(self, challenges: Sequence[bytes], bits: int, workers: int
              ) -> tuple[float, float, tuple[bytes, ...]]:
        """Trials, wall-clock seconds and nonces (8 bytes each, one per challenge) of solving
        ``challenges`` (160 bytes each) of ``bits`` bits here with ``workers`` threads."""
        if bits > REAL_MAX_BITS:
            raise ParameterError(f"{{hashing}} real: a puzzle of {bits} bits; real hashing stops at "
                             f"{REAL_MAX_BITS} bits (lower defense.max_bits, or use {{hashing}} sampled)")
        from powsim.hashcash.solver import Solver  # compiles the SHA-256 search: only when hashing for real

        with Solver(workers) as solver:
            solutions = [solver.solve(challenge, bits) for challenge in challenges]
        return (float(sum(s.trials for s in solutions)), sum(s.seconds for s in solutions),
                tuple(s.nonce_bytes for s in solutions))


def solve_model(mode: str, sub_solutions: int = 1, hashing: str = "sampled"
                ) -> SolveModel | RealHashTrials:
    """The solve-time model of a simulation ``mode`` ('expected' or 'sampled') and ``hashing``
    ('sampled': trials drawn from the law; 'real': puzzles solved for real, sampled mode only)."""
    if hashing not in HASHING:
        raise ParameterError(f"{{hashing}}: {hashing!r}, expected one of {', '.join(HASHING)}")
    if hashing == "real":
        if mode != "sampled":
            raise ParameterError(f"{{hashing}} real: needs {{mode}} sampled, not {mode!r} (real trials are random)")
        return RealHashTrials()
    if mode == "expected":
        return ExpectedTrials(sub_solutions)
    if mode == "sampled":
        return GeometricTrials(sub_solutions)
    raise ParameterError(f"{{mode}}: {mode!r}, expected one of {', '.join(MODES)}")


def solve_time_s(trials: float, hash_rate_hz: float, solvers: int = 1) -> float:
    """Seconds to run ``trials`` hashes on ``solvers`` parallel solvers of ``hash_rate_hz`` each."""
    return trials / (hash_rate_hz * solvers)


def solve_puzzle(model: SolveModel | RealHashTrials, bits: int, challenges: Sequence[bytes],
                 rng: np.random.Generator, hardware: Hardware, solvers: int
                 ) -> tuple[float, float, tuple[bytes, ...]]:
    """Trials, seconds and nonces of one puzzle of ``bits`` bits on ``solvers`` solvers of ``hardware``.

    With real hashing the puzzle is the server's ``challenges`` (160 bytes each), solved for
    real, and the nonces (8 bytes each) go back to the server; otherwise trials are drawn
    from ``model`` and there are no nonces. Seconds are trials / (H x solvers), except that
    real hashes on this machine's own ``local`` profile take the wall-clock seconds they
    really took.
    """
    if isinstance(model, RealHashTrials):
        local = hardware.name == LOCAL
        trials, seconds, nonces = model.solve(challenges, bits, solvers if local else 1)
        return trials, seconds if local else solve_time_s(trials, hardware.hash_rate_hz, solvers), nonces
    trials = model.sample(bits, rng)
    return trials, solve_time_s(trials, hardware.hash_rate_hz, solvers), ()
