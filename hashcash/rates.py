"""Hash rates of the hardware profiles under each puzzle family, each with its source, and
the memory bound: a device with M bytes runs at most M / (memory per trial) solvers at once.

A profile's SHA-256 rate is its :class:`~powsim.hashcash.hardware.Hardware` figure. A
memory-hard family holds its own rates, with their sources, at its reference parameters
(:attr:`~powsim.hashcash.families.base.Puzzle.rates`, see
:mod:`~powsim.hashcash.families.sources`); at other parameters the rate scales as
1 / work_units. A figure marked ``estimate`` is not a measurement of that device at those
parameters.
"""

from __future__ import annotations

import dataclasses
import math

from powsim.errors import InputError
from powsim.hashcash.hardware import LOCAL, Hardware
from powsim.hashcash.family_rate import load_family_rates
from powsim.hashcash.families import FAMILIES, FamilyRate, Puzzle, Sha256

GIB = 2**30


def family_rates() -> dict[tuple[str, str], FamilyRate]:
    """Every registered family's rates, by (profile name, family name)."""
    return {(profile, name): rate for name, family in FAMILIES.items()
            for profile, rate in family.rates.items()}


# Memory of each profile's device in bytes: a $1,200 laptop 16 GiB; a browser tab, WebAssembly's
# 32-bit address space, 4 GiB; a budget phone's browser tab about 1 GiB (estimate); one AWS
# c7a.medium vCPU 2 GiB; an RTX 4090 24 GiB.
DEVICE_MEMORY_BYTES: dict[str, int] = {
    "laptop-cpu": 16 * GIB, "browser": 4 * GIB, "phone-browser": 1 * GIB, "server-cpu": 2 * GIB,
    "gpu": 24 * GIB,
}


def family_rate_hz(hardware: Hardware, puzzle: Puzzle) -> float:
    """Trials per second of one ``hardware`` solver under ``puzzle`` (for ``local``, the rate
    ``powsim hashcash bench --puzzle`` stored); :class:`InputError` when no figure is known."""
    if isinstance(puzzle, Sha256):
        return hardware.hash_rate_hz
    rate = puzzle.rates.get(hardware.name)
    if rate is None and hardware.name == LOCAL and puzzle.name in (stored := load_family_rates()):
        rate = FamilyRate(*stored[puzzle.name], "measured by powsim hashcash bench --puzzle", False)
    if rate is None:
        known = sorted(puzzle.rates)
        raise InputError(f"hardware profile '{hardware.name}': no {puzzle.name} hash rate, expected one "
                         f"of the profiles with one ({', '.join(known)})")
    return rate.at(puzzle)


def max_solvers(hardware: Hardware, puzzle: Puzzle) -> float:
    """How many solvers of ``puzzle`` the device of ``hardware`` holds at once (inf when the
    family needs no memory or the device's memory is unknown)."""
    memory = DEVICE_MEMORY_BYTES.get(hardware.name)
    if memory is None or puzzle.memory_bytes == 0:
        return math.inf
    return memory // puzzle.memory_bytes


def check_memory(puzzle: Puzzle, where: str) -> None:
    """:class:`InputError` naming ``where`` when no profile's device holds one trial of ``puzzle``."""
    largest = max(DEVICE_MEMORY_BYTES.values())
    if puzzle.memory_bytes > largest:
        raise InputError(f"{where}: {puzzle.describe()} needs {puzzle.memory_bytes / GIB:.3g} GiB per trial, "
                         f"expected at most {largest / GIB:.3g} GiB (the largest profile's memory)")


def on_puzzle(hardware: Hardware, puzzle: Puzzle, solvers: int, where: str) -> Hardware:
    """``hardware`` with its rate under ``puzzle``, after checking that its device holds
    ``solvers`` trials at once; :class:`InputError` naming ``where`` otherwise."""
    bound = max_solvers(hardware, puzzle)
    if solvers > bound:
        raise InputError(f"{where}.solvers: {solvers} solvers of {puzzle.describe()} on '{hardware.name}', "
                         f"expected at most {bound:.0f} (device memory / memory per trial)")
    try:
        return dataclasses.replace(hardware, hash_rate_hz=family_rate_hz(hardware, puzzle))
    except InputError as err:
        raise InputError(f"{where}: {err}") from None
