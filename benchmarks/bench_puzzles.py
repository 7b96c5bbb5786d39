"""Memory-hard puzzle solver against the libraries' own loops, per core, in the same run.

Run: ``python benchmarks/bench_puzzles.py [SECONDS]``. For Argon2id the baseline is
argon2-cffi's ``hash_secret_raw`` called in a plain loop, for scrypt ``hashlib.scrypt`` in a
plain loop, both at the solver's parameters on nonces of a challenge-sized message. Rates are
trials per CPU-second of the measuring thread (a shared machine's neighbours do not count),
measured in alternating rounds (solver, loop, solver, loop, ...) so drifts hit both alike.
Goal: solver / loop >= 0.9. The all-cores line is the solver's wall-clock rate on every core.

Then ``hashcash validate``'s timing claim for a memory-hard family: the real mean solve time of
Argon2id (256 KiB, 1 pass) puzzles of k = 2..6 against trials / H, 200 puzzles per k.
Goal: every time ratio within 10 % of 1 (the suite checks the table's arithmetic, not timings).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time

from argon2.low_level import Type, hash_secret_raw

from powsim.hashcash.families import Argon2id, Puzzle, Scrypt
from powsim.hashcash.family_rate import solver_core_rate_hz
from powsim.hashcash.family_solver import FamilySolver
from powsim.hashcash.family_validate import validate_family

ROUNDS = 3
CHALLENGE = bytes(160)


def _library_loop(puzzle: Puzzle):
    """One trial of the library's own call at ``puzzle``'s parameters."""
    if isinstance(puzzle, Argon2id):
        return lambda nonce: hash_secret_raw(nonce, CHALLENGE, puzzle.iterations, puzzle.memory_kib,
                                             puzzle.parallelism, 32, Type.ID)
    return lambda nonce: hashlib.scrypt(nonce, salt=CHALLENGE, n=puzzle.n, r=puzzle.r, p=puzzle.p,
                                        maxmem=puzzle.memory_bytes, dklen=32)


def loop_rate_hz(puzzle: Puzzle, seconds: float) -> float:
    """Trials per CPU-second of the library's call in a plain loop."""
    call, count = _library_loop(puzzle), 0
    began = time.thread_time()
    while time.thread_time() - began < seconds:
        call(count.to_bytes(8, "big"))
        count += 1
    return count / (time.thread_time() - began)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    workers = os.cpu_count() or 1
    print(f"{workers} cores, {ROUNDS} alternating rounds of {seconds:g} CPU-s per measurement")
    print(f"{'puzzle':58} {'solver/s':>9} {'loop/s':>9} {'ratio':>6} {'all cores/s':>12}")
    for puzzle in (Argon2id(), Argon2id(memory_kib=1024, iterations=1), Scrypt(), Scrypt(n=1024, r=8, p=1)):
        solver = loop = 0.0
        for _ in range(ROUNDS):
            solver += solver_core_rate_hz(puzzle, seconds) / ROUNDS
            loop += loop_rate_hz(puzzle, seconds) / ROUNDS
        with FamilySolver(puzzle, workers) as everyone:
            everyone.solve(CHALLENGE, 64, timeout_s=0.05)
            result = everyone.solve(CHALLENGE, 64, timeout_s=seconds)
        print(f"{puzzle.describe():58} {solver:9.4g} {loop:9.4g} {solver / loop:6.3f} "
              f"{result.hashes / result.seconds:12.4g}")
    table = validate_family(Argon2id(memory_kib=256, iterations=1), list(range(2, 7)), 200).table
    print("\nvalidate, argon2id 256 KiB: real / predicted solve time per k (goal within 10 %)")
    print(table[["bits", "mean_time_s", "predicted_time_s", "time_ratio"]].to_string(index=False))


if __name__ == "__main__":
    main()
