"""Real solve times of a memory-hard family against the sampled model, and its hash rate.

As :mod:`powsim.hashcash.validate` does for SHA-256: for each k, ``samples``
challenges of that family are issued by a real :class:`HashCash` server, solved on one
core (:class:`~powsim.hashcash.family_solver.FamilySolver`, one worker) and verified;
trials are tested against Geometric(2^-k) with the exact randomised-PIT KS test, and the
mean solve time (CPU seconds of the solving thread) against trials / H. H is measured
after each puzzle by hashing 2^k nonces of another challenge in a plain loop, so the rate
and the solves see the same machine at the same moments.

A trial costs microseconds to tens of milliseconds, so a run is estimated before it
starts (from a short measurement of H) and refused when it would take longer than
``max_seconds``: one line naming the bits, the estimate and what to lower.
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np

from powsim.errors import ParameterError
from powsim.hashcash.families import Puzzle
from powsim.hashcash.family_solver import FamilySolver
from powsim.hashcash.protocol import CHALLENGE_BYTES, HashCash, batch_digest, has_leading_zeros
from powsim.hashcash.sha256 import NONCE_BYTES
from powsim.hashcash.validate import Validation, collect, seeded_server

MAX_REAL_SECONDS = 3600.0  # refuse runs estimated to take longer: an hour of one core
ACCOUNT = "validate"
_PROBE = bytes(CHALLENGE_BYTES)


def loop_cpu_seconds(puzzle: Puzzle, count: int, first: int = 0) -> float:
    """CPU seconds a plain loop takes to hash and test ``count`` nonces of a fixed challenge."""
    began = time.thread_time()
    for nonce in range(first, first + count):
        has_leading_zeros(puzzle.digest(_PROBE, nonce.to_bytes(NONCE_BYTES, "big")), 64)
    return time.thread_time() - began


def loop_rate_hz(puzzle: Puzzle, seconds: float = 0.2) -> float:
    """Trials per CPU-second of one core hashing ``puzzle`` in a plain loop (at least 3 trials)."""
    loop_cpu_seconds(puzzle, 1)  # warm up
    count, spent = 0, 0.0
    while spent < seconds or count < 3:
        spent += loop_cpu_seconds(puzzle, 1, count)
        count += 1
    return count / spent


def check_fits_here(puzzle: Puzzle, workers: int = 1) -> None:
    """:class:`ParameterError` naming the memory parameter when ``workers`` trials of ``puzzle``
    at once would take over half of this machine's physical memory."""
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    if puzzle.memory_bytes * workers > physical / 2:
        raise ParameterError(f"{{{puzzle.size_parameter}}}: {workers} x {puzzle.memory_bytes / 2**30:.3g} GiB for {puzzle.describe()}, "
                             f"expected at most half of this machine's {physical / 2**30:.3g} GiB")


def check_duration(puzzle: Puzzle, bits: list[int], samples: int, rate_hz: float,
                   max_seconds: float = MAX_REAL_SECONDS) -> float:
    """The estimated seconds of validating ``bits`` x ``samples`` (solving plus measuring H:
    2 x samples x sum 2^k trials at ``rate_hz``); :class:`ParameterError` naming ``bits`` when
    over ``max_seconds``."""
    estimate_s = 2 * samples * sum(2.0**k for k in bits) / rate_hz
    if estimate_s > max_seconds:
        raise ParameterError(
            f"{{bits}}: {bits[0]}:{bits[-1]} with {samples} samples of {puzzle.describe()} would take about "
            f"{estimate_s / 3600:.3g} h at {rate_hz:.4g} trials/s on one core, expected at most "
            f"{max_seconds / 3600:.3g} h: lower the bits, the samples or the memory")
    return estimate_s


def validate_family(puzzle: Puzzle, bits: list[int], samples: int, seed: int = 0,
                    max_seconds: float = MAX_REAL_SECONDS, progress: bool = False) -> Validation:
    """Solve ``samples`` real ``puzzle`` puzzles for each k in ``bits`` and compare with the model;
    the table has the columns of :data:`~powsim.hashcash.validate.COLUMNS`, then ``puzzle`` and the family's parameters
    (with ``progress``, a bar of the trials)."""
    if samples < 2:
        raise ParameterError(f"{{samples}}: {samples}, expected at least 2")
    check_fits_here(puzzle)
    check_duration(puzzle, bits, samples, loop_rate_hz(puzzle), max_seconds)
    server, pit_rng = seeded_server(seed)
    with FamilySolver(puzzle, 1) as solver:
        validation = collect(bits, samples, lambda k: _solve(server, solver, k, samples), pit_rng,
                             progress)
    table = validation.table.assign(puzzle=puzzle.name, **puzzle.parameters())
    return dataclasses.replace(validation, table=table)


def _solve(server: HashCash, solver: FamilySolver, bits: int, samples: int) -> tuple[np.ndarray, float, float]:
    """Issue, solve and verify ``samples`` puzzles of ``bits``: (trials, solve CPU seconds, hash
    rate in Hz of a plain loop hashing 2^bits nonces after each puzzle)."""
    puzzle = solver.puzzle
    trials, solve_s, rate_s = np.empty(samples, dtype=np.int64), 0.0, 0.0
    for i in range(samples):
        batch = batch_digest(f"bits={bits} sample={i}".encode())
        challenge = server.issue(ACCOUNT, batch, bits, puzzle).encode()
        began = time.thread_time()
        solution = solver.solve(challenge, bits)
        solve_s += time.thread_time() - began
        rate_s += loop_cpu_seconds(puzzle, 1 << bits, i << bits)
        verdict = server.verify(challenge, solution.nonce_bytes, ACCOUNT, batch)
        if not verdict.ok:
            raise RuntimeError(f"a solved {bits}-bit {puzzle.name} puzzle failed verification: {verdict.value}")
        trials[i] = solution.trials
    return trials, solve_s, samples * 2**bits / rate_s
