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
import time

from powsim.errors import InputError
from powsim.hashcash.families import Puzzle
from powsim.hashcash.protocol import has_leading_zeros
from powsim.hashcash.sha256 import MAX_NONCE, NONCE_BYTES
from powsim.hashcash.solver import Solver


class _Search:
    """One puzzle's shared state: the next nonce to hand out and the best answer so far."""

    def __init__(self, challenge: bytes, bits: int, puzzle: Puzzle, stop: threading.Event,
                 deadline: float) -> None:
        self.challenge, self.bits, self.puzzle = challenge, bits, puzzle
        self.stop, self.deadline = stop, deadline
        self.abort = threading.Event()  # set when the caller was interrupted
        self.lock = threading.Lock()
        self.next_nonce = 0
        self.best = MAX_NONCE
        self.hashes = 0

    def _take(self) -> int | None:
        """The next nonce, or None when no nonce can improve the answer."""
        with self.lock:
            nonce = self.next_nonce
            if (nonce >= self.best or self.stop.is_set() or self.abort.is_set()
                    or time.monotonic() > self.deadline):
                return None
            self.next_nonce += 1
            return nonce

    def work(self) -> None:
        """Hash nonces until the answer is known or the search is stopped."""
        while (nonce := self._take()) is not None:
            digest = self.puzzle.digest(self.challenge, nonce.to_bytes(NONCE_BYTES, "big"))
            found = has_leading_zeros(digest, self.bits)
            with self.lock:
                self.hashes += 1
                if found:
                    self.best = min(self.best, nonce)


class FamilySolver(Solver):
    """Finds nonces under ``puzzle`` with ``workers`` threads (default: every core); close it
    when done. :class:`~powsim.hashcash.solver.Solver`'s ``solve`` over this family's search
    (one nonce at a time); Solver itself is faster for SHA-256 (compiled, midstate, SIMD lanes)."""

    def __init__(self, puzzle: Puzzle, workers: int | None = None) -> None:
        if not isinstance(puzzle, Puzzle):
            raise InputError(f"puzzle {puzzle!r}: expected a puzzle family (powsim.hashcash.families)")
        super().__init__(workers)
        self.puzzle = puzzle

    def _search(self, challenge: bytes, bits: int, stop: threading.Event, deadline: float) -> _Search:
        return _Search(challenge, bits, self.puzzle, stop, deadline)
