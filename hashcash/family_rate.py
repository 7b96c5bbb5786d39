"""This machine's rate under a memory-hard family: the solver against the library's own loop,
stored beside the SHA-256 figures as the ``local`` profile's rate for that family.

Per-core rates are trials per CPU-second of the measuring thread (as for SHA-256, see
:mod:`powsim.hashcash.hashrate`); the all-cores rate is trials per wall-clock second
of the multi-core solver. Stored in ``puzzle-rate.json`` beside ``hash-rate.json``, one
record per family: the rate, the parameters it was measured at, and how.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

from powsim.atomic import write_text_atomic
from powsim.errors import InputError
from powsim.hashcash.families import Puzzle, puzzle as make_puzzle
from powsim.hashcash.family_solver import FamilySolver
from powsim.hashcash.family_validate import check_fits_here, loop_rate_hz
from powsim.hashcash.local_profile import local_rate_path
from powsim.hashcash.protocol import CHALLENGE_BYTES
from powsim.hashcash.sha256 import KERNEL_MAX_BITS

_PROBE = bytes(CHALLENGE_BYTES)


@dataclasses.dataclass(frozen=True)
class FamilyBench:
    """Rates (Hz) of ``puzzle`` here: the solver on one core (per CPU-second), on ``workers``
    threads (per wall-clock second), and a plain loop of the library call on one core."""

    puzzle: Puzzle
    per_core_hz: float
    all_cores_hz: float
    workers: int
    library_loop_hz: float


def solver_core_rate_hz(puzzle: Puzzle, seconds: float) -> float:
    """The solver with one worker (in this thread): trials per CPU-second."""
    with FamilySolver(puzzle, 1) as solver:
        solver.solve(_PROBE, KERNEL_MAX_BITS, timeout_s=0.01)  # warm up
        began = time.thread_time()
        solution = solver.solve(_PROBE, KERNEL_MAX_BITS, timeout_s=seconds)
        return solution.hashes / (time.thread_time() - began)


def measure_family(puzzle: Puzzle, workers: int | None = None, seconds: float = 1.0) -> FamilyBench:
    """Every rate of ``puzzle`` on this machine, one after the other in this run."""
    workers = workers or os.cpu_count() or 1
    check_fits_here(puzzle, workers)
    with FamilySolver(puzzle, workers) as solver:
        solver.solve(_PROBE, KERNEL_MAX_BITS, timeout_s=0.01)
        everyone = solver.solve(_PROBE, KERNEL_MAX_BITS, timeout_s=seconds)
    return FamilyBench(puzzle, solver_core_rate_hz(puzzle, seconds), everyone.hashes / everyone.seconds,
                       workers, loop_rate_hz(puzzle, seconds))


def describe_family_bench(bench: FamilyBench) -> str:
    """A table of the rates in trials/s, for people."""
    rows = [("solver, 1 core (per CPU-second)", bench.per_core_hz),
            (f"solver, {bench.workers} cores (per wall-clock second)", bench.all_cores_hz),
            ("library call in a plain loop, 1 core", bench.library_loop_hz)]
    lines = [f"{bench.puzzle.describe()}", f"{'rate':52} {'trials/s':>10} {'/loop':>7}"]
    lines += [f"{name:52} {value:10.4g} {value / bench.library_loop_hz:7.3f}" for name, value in rows]
    return "\n".join(lines)


def family_rate_path():
    """Where the ``local`` profile's family rates are stored (beside ``hash-rate.json``)."""
    return local_rate_path().with_name("puzzle-rate.json")


def _records() -> dict:
    path = family_rate_path()
    if not path.exists():
        return {}
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(records, dict):
            raise ValueError("not an object")
        return records
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: not a puzzle-rate record ({err}); run 'powsim hashcash bench --puzzle'") from None


def save_family_rate(bench: FamilyBench, provenance: dict[str, object]) -> Path:
    """Store the per-core rate of ``bench`` as the ``local`` profile's rate for its family."""
    records = _records()
    records[bench.puzzle.name] = {"hash_rate_hz": bench.per_core_hz, "parameters": bench.puzzle.parameters(),
                                  "provenance": provenance}
    path = family_rate_path()
    write_text_atomic(path, json.dumps(records, indent=2, sort_keys=True) + "\n")
    return path


def load_family_rates() -> dict[str, tuple[float, Puzzle]]:
    """The stored ``local`` rates: family name -> (trials/s per core, the puzzle measured)."""
    rates = {}
    for name, record in _records().items():
        try:
            rate, measured = float(record["hash_rate_hz"]), make_puzzle(name, **record["parameters"])
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"{family_rate_path()}: record {name!r}: {err}") from None
        if not rate > 0:
            raise InputError(f"{family_rate_path()}: record {name!r}: hash_rate_hz {rate}, expected > 0")
        rates[name] = (rate, measured)
    return rates
