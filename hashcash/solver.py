"""Solve HashCash puzzles for real: a multi-core, interruptible nonce search.

How trials are counted, and why they are exactly Geometric(2^-bits): nonces are tried
in one global order, 0, 1, 2, ..., and a puzzle's answer is the *first* nonce in that
order that meets the bits, whatever the number of workers. Each nonce succeeds
independently with probability p = 2^-bits (SHA-256 as a random function), so the
position of the first success, ``trials = nonce + 1``, is Geometric(p) on 1, 2, ...
exactly, and the same challenge gives the same answer on any machine.

The workers take consecutive chunks of that order from a shared counter. When one finds
a winner, every chunk before it has already been handed out, so once the chunks in
flight finish the smallest winner found is the first in the order. Workers that were
busy past the winner hash more than ``trials`` in total; that overshoot is reported as
``hashes`` (the work really done) and is not part of ``trials``. Chunks start small and
grow, so an easy puzzle does not make a worker hash far past its answer, and a hard one
pays little overhead per chunk.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from powsim.errors import InputError
from powsim.hashcash.sha256 import MAX_NONCE, NONCE_BYTES, Messages, check_bits

FIRST_CHUNK = 1024  # nonces: about 50 microseconds of one core
LAST_CHUNK = 1 << 18  # nonces: about 15 ms of one core, the latency of a stop or timeout


@dataclasses.dataclass(frozen=True)
class Solution:
    """The outcome of one search.

    ``nonce`` is the answer, or None when the search was stopped first; ``trials`` the
    1-based position of the answer in the global order (for a stopped search, the nonces
    tried); ``hashes`` the nonces hashed by all workers together; ``seconds`` the search's
    wall time (leaving out the set-up of the challenge's midstate, microseconds).
    """

    nonce: int | None
    trials: int
    hashes: int
    seconds: float

    @property
    def nonce_bytes(self) -> bytes:
        """The nonce as the client sends it: 8 bytes, big-endian."""
        if self.nonce is None:
            raise InputError("solution: the search was stopped before it found a nonce")
        return self.nonce.to_bytes(NONCE_BYTES, "big")


class Search:
    """One puzzle's search shared by the solver's threads: the next chunk of nonces to hand
    out and the best answer so far. A subclass says how many nonces a chunk holds
    (:meth:`chunk_size`) and how to search one (:meth:`search`)."""

    def __init__(self, bits: int, stop: threading.Event, deadline: float) -> None:
        self.bits, self.stop, self.deadline = bits, stop, deadline
        self.abort = threading.Event()  # set when the caller was interrupted
        self.lock = threading.Lock()
        self.chunks = 0
        self.next_start = 0
        self.best = MAX_NONCE
        self.hashes = 0

    def chunk_size(self) -> int:
        """How many nonces the next chunk holds (called under the lock)."""
        raise NotImplementedError

    def search(self, start: int, count: int) -> int:
        """The first nonce of [start, start + count) that solves the puzzle, or -1."""
        raise NotImplementedError

    def _take(self) -> tuple[int, int] | None:
        """The next chunk (start, count), or None when no chunk can improve the answer."""
        with self.lock:
            start = self.next_start
            if (start >= self.best or self.stop.is_set() or self.abort.is_set()
                    or time.monotonic() > self.deadline):
                return None
            count = min(self.chunk_size(), self.best - start)
            self.chunks += 1
            self.next_start = start + count
            return start, count

    def work(self) -> None:
        """Search chunks until the answer is known or the search is stopped."""
        while (chunk := self._take()) is not None:
            start, count = chunk
            found = self.search(start, count)
            with self.lock:
                self.hashes += count if found < 0 else found - start + 1
                if found >= 0:
                    self.best = min(self.best, found)


class _Sha256Search(Search):
    """SHA-256 through the compiled kernel, in chunks that grow as the search goes on."""

    def __init__(self, message: Messages, bits: int, workers: int, stop: threading.Event,
                 deadline: float) -> None:
        super().__init__(bits, stop, deadline)
        self.message, self.workers = message, workers

    def chunk_size(self) -> int:
        # One worker never hashes past its answer, so it takes whole chunks at once.
        grown = FIRST_CHUNK << (self.chunks // self.workers) if self.workers > 1 else LAST_CHUNK
        return min(grown, LAST_CHUNK)

    def search(self, start: int, count: int) -> int:
        return int(self.message.search(self.bits, start, count)[0])


class Solver:
    """Finds nonces with ``workers`` threads (default: every core); close it when done."""

    def __init__(self, workers: int | None = None) -> None:
        workers = (os.cpu_count() or 1) if workers is None else workers
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InputError(f"workers {workers!r}: expected a positive integer")
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers - 1, "powsim-solver") if workers > 1 else None

    def solve(self, challenge: bytes, bits: int, *, stop: threading.Event | None = None,
              timeout_s: float | None = None) -> Solution:
        """Find the first nonce whose SHA-256(challenge || nonce) has ``bits`` leading zero bits.

        Stops early, with ``nonce`` None, when ``stop`` is set or after ``timeout_s`` seconds.
        An exception in the calling thread (Ctrl-C's KeyboardInterrupt) stops the helper
        threads within one chunk (about 15 ms) and is raised again.
        """
        check_bits(bits)
        began = time.monotonic()
        deadline = began + timeout_s if timeout_s is not None else float("inf")
        search = self._search(challenge, bits, stop or threading.Event(), deadline)
        helpers = [self._pool.submit(search.work) for _ in range(self.workers - 1)] if self._pool else []
        try:
            search.work()
            for helper in helpers:
                helper.result()
        except BaseException:
            search.abort.set()
            for helper in helpers:
                helper.result()
            raise
        seconds = time.monotonic() - began
        if search.best == MAX_NONCE:
            return Solution(None, search.hashes, search.hashes, seconds)
        return Solution(search.best, search.best + 1, search.hashes, seconds)

    def _search(self, challenge: bytes, bits: int, stop: threading.Event, deadline: float) -> Search:
        """One puzzle's shared search state, whose ``work()`` each thread runs (SHA-256 here)."""
        return _Sha256Search(Messages([challenge]), bits, self.workers, stop, deadline)

    def close(self) -> None:
        """Stop the worker threads."""
        if self._pool is not None:
            self._pool.shutdown()

    def __enter__(self) -> Solver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
