"""This machine's hash rate: the solver against ``openssl speed`` and a plain hashlib loop.

Per-core rates are hashes per CPU-second of the measuring thread, as ``openssl speed``
reports by default (it divides by user CPU time): on a machine shared with other work
a wall-clock rate measures the neighbours as much as the code. The all-cores rate is
hashes per wall-clock second of the multi-core solver, what a solve really gets.

The measured rates become this machine's ``local`` hardware profile
(:mod:`powsim.hashcash.local_profile` stores them).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable

from powsim.hashcash.protocol import CHALLENGE_BYTES, has_leading_zeros
from powsim.hashcash.local_profile import HashRate
from powsim.hashcash.sha256 import KERNEL_MAX_BITS, NONCE_BYTES, Messages
from powsim.hashcash.solver import Solver

OPENSSL_BYTES = 64  # the message size of ``openssl speed -bytes 64``: two compressions per hash
_PREFIX = bytes(CHALLENGE_BYTES)  # a challenge-sized prefix: one compression per trial


def _cpu_rate(step: Callable[[], float], hashes_per_step: int, seconds: float) -> float:
    """Hashes per CPU-second: call ``step`` (which returns the CPU seconds it took to do
    ``hashes_per_step`` hashes) until ``seconds`` of CPU time are spent."""
    step()  # compile and warm caches outside the measurement
    steps, spent = 0, 0.0
    while spent < seconds:
        spent += step()
        steps += 1
    return steps * hashes_per_step / spent


def kernel_cpu_seconds(count: int) -> float:
    """CPU seconds the solver's kernel takes to hash ``count`` nonces of a challenge-sized prefix."""
    message = Messages([_PREFIX])
    began = time.thread_time()
    message.search(KERNEL_MAX_BITS, count=count)
    return time.thread_time() - began


def _hashlib_cpu_seconds(count: int) -> float:
    """CPU seconds a plain hashlib loop takes to hash and test ``count`` nonces."""
    began = time.thread_time()
    for nonce in range(count):
        has_leading_zeros(hashlib.sha256(_PREFIX + nonce.to_bytes(NONCE_BYTES, "big")).digest(), KERNEL_MAX_BITS)
    return time.thread_time() - began


def kernel_rate_hz(seconds: float = 1.0) -> float:
    """The solver's kernel on one core: hashes per CPU-second."""
    return _cpu_rate(lambda: kernel_cpu_seconds(1 << 20), 1 << 20, seconds)


def hashlib_rate_hz(seconds: float = 1.0) -> float:
    """A plain hashlib loop on one core: hashes per CPU-second."""
    return _cpu_rate(lambda: _hashlib_cpu_seconds(10_000), 10_000, seconds)


def solver_rate_hz(workers: int, seconds: float = 1.0) -> float:
    """The multi-core solver with ``workers`` threads: hashes per wall-clock second."""
    with Solver(workers) as solver:
        solver.solve(_PREFIX, KERNEL_MAX_BITS, timeout_s=0.05)  # start the threads, warm up
        solution = solver.solve(_PREFIX, KERNEL_MAX_BITS, timeout_s=seconds)
    return solution.hashes / solution.seconds


def openssl_rate_hz(seconds: int = 1, processes: int = 1) -> float | None:
    """``openssl speed -evp sha256 -bytes 64`` in 64-byte hashes per second, on one core or
    (``-multi``) in ``processes`` processes at once, their rates added up; None when openssl is
    not installed or its output cannot be read."""
    if shutil.which("openssl") is None:
        return None
    command = ["openssl", "speed", "-evp", "sha256", "-bytes", str(OPENSSL_BYTES), "-seconds", str(seconds)]
    command += ["-multi", str(processes)] if processes > 1 else []
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    match = re.search(r"^sha256\s+([\d.]+)k\s*$", result.stdout, re.MULTILINE)
    return float(match.group(1)) * 1000 / OPENSSL_BYTES if match else None


def measure(workers: int | None = None, seconds: float = 1.0) -> HashRate:
    """Every rate of this machine, one after the other in this run."""
    workers = workers or os.cpu_count() or 1
    whole_seconds = max(1, round(seconds))
    return HashRate(per_core_hz=kernel_rate_hz(seconds), all_cores_hz=solver_rate_hz(workers, seconds),
                    workers=workers, openssl_hz=openssl_rate_hz(whole_seconds),
                    openssl_all_hz=openssl_rate_hz(whole_seconds, workers) if workers > 1 else None,
                    hashlib_hz=hashlib_rate_hz(seconds))


def describe_rate(rate: HashRate) -> str:
    """A table of the rates in MH/s with the ratios between them, for people."""
    def ratio(value: float | None, base: float | None) -> str:
        return f"{value / base:7.2f}x" if value and base else "      -"
    rows = [("solver, 1 core (per CPU-second)", rate.per_core_hz),
            (f"solver, {rate.workers} cores (per wall-clock second)", rate.all_cores_hz),
            (f"solver, per core of {rate.workers} (wall-clock)", rate.all_cores_hz / rate.workers),
            ("openssl speed -evp sha256 -bytes 64, 1 core", rate.openssl_hz),
            (f"openssl speed ... -multi {rate.workers} (all processes)", rate.openssl_all_hz),
            ("hashlib loop, 1 core", rate.hashlib_hz)]
    lines = [f"{'hash rate':52} {'MH/s':>8} {'/openssl':>8} {'/hashlib':>8}"]
    for name, value in rows:
        shown = f"{value / 1e6:8.2f}" if value else "       -"
        lines.append(f"{name:52} {shown} {ratio(value, rate.openssl_hz)} {ratio(value, rate.hashlib_hz)}")
    lines.append("A solver trial is one SHA-256 compression after the challenge's midstate; "
                 "an openssl 64-byte hash is two.")
    return "\n".join(lines)
