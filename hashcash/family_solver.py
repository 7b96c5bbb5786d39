"""Solve puzzles of any family for real: a multi-core, interruptible nonce search.

The memory-hard families hash in C libraries that release the GIL (argon2-cffi's calls,
``hashlib.scrypt``), so threads hash on every core. A trial takes from microseconds (a
few KiB) to tens of milliseconds (OWASP's 19 MiB), so workers take one nonce at a time
from a shared counter and check the stop event and the deadline before each: a stop
lands within one hash.

Trials are counted as in :mod:`powsim.hashcash.solver`: nonces are handed out in the
global order 0, 1, 2, ..., and the answer is the first nonce in that order whose digest
meets the bits, so ``trials = nonce + 1`` is Geometric(2^-bits) exactly, the same on any
machine and with any number of workers. Workers busy past the answer add to ``hashes``.
"""

from __future__ import annotations

import threading

from powsim.errors import InputError
from powsim.hashcash.families import Puzzle
from powsim.hashcash.protocol import has_leading_zeros
from powsim.hashcash.sha256 import NONCE_BYTES
from powsim.hashcash.solver import Search, Solver


class _FamilySearch(Search):
    """A family's digests, one nonce a chunk (a memory-hard trial takes milliseconds)."""

    def __init__(self, challenge: bytes, bits: int, puzzle: Puzzle, stop: threading.Event,
                 deadline: float) -> None:
        super().__init__(bits, stop, deadline)
        self.challenge, self.puzzle = challenge, puzzle

    def chunk_size(self) -> int:
        return 1

    def search(self, start: int, count: int) -> int:
        digest = self.puzzle.digest(self.challenge, start.to_bytes(NONCE_BYTES, "big"))
        return start if has_leading_zeros(digest, self.bits) else -1


class FamilySolver(Solver):
    """Finds nonces under ``puzzle`` with ``workers`` threads (default: every core); close it
    when done. :class:`~powsim.hashcash.solver.Solver`'s ``solve`` over this family's search
    (one nonce at a time); Solver itself is faster for SHA-256 (compiled, midstate, SIMD lanes)."""

    def __init__(self, puzzle: Puzzle, workers: int | None = None) -> None:
        if not isinstance(puzzle, Puzzle):
            raise InputError(f"puzzle {puzzle!r}: expected a puzzle family (powsim.hashcash.families)")
        super().__init__(workers)
        self.puzzle = puzzle

    def _search(self, challenge: bytes, bits: int, stop: threading.Event, deadline: float) -> Search:
        return _FamilySearch(challenge, bits, self.puzzle, stop, deadline)
