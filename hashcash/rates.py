"""Hash rates of the hardware profiles under each puzzle family, each with its source, and
the memory bound: a device with M bytes runs at most M / (memory per trial) solvers at once.

A profile's SHA-256 rate is its :class:`~powsim.hashcash.hardware.Hardware` figure. For a
memory-hard family, :data:`FAMILY_RATES` gives the rate at the family's reference
parameters (OWASP's Argon2id m = 19 MiB, t = 2, p = 1; scrypt N = 2^14, r = 8, p = 1);
at other parameters the rate scales as 1 / work_units (memory x passes): memory-hard
hashing is bound by memory traffic on GPUs (tobtu's rule below) and by the blocks
computed on CPUs, both proportional to memory x passes. That scaling is an estimate; a
figure marked ``estimate`` is not a measurement of that device at those parameters.
"""

from __future__ import annotations

import dataclasses
import math

from powsim.errors import InputError
from powsim.hashcash.hardware import LOCAL, Hardware
from powsim.hashcash.family_rate import load_family_rates
from powsim.hashcash.families import Argon2id, Puzzle, Scrypt, Sha256

GIB = 2**30


@dataclasses.dataclass(frozen=True)
class FamilyRate:
    """``hash_rate_hz`` trials per second of one solver at ``reference`` (a puzzle), and where
    the figure comes from (``estimate`` True when derived rather than measured)."""

    hash_rate_hz: float
    reference: Puzzle
    source: str
    estimate: bool

    def at(self, puzzle: Puzzle) -> float:
        """The rate (Hz) at ``puzzle``'s parameters, scaled by work units."""
        return self.hash_rate_hz * self.reference.work_units / puzzle.work_units


# One core of this machine (AMD EPYC, 2026-11-26), argon2-cffi 25.1 and hashlib.scrypt (OpenSSL),
# trials per CPU-second over 2 s: `powsim hashcash bench --puzzle argon2id|scrypt` measures it again.
_HERE_ARGON2 = 42.4
_HERE_SCRYPT = 22.8
_MEASURED = "measured here: one AMD EPYC core, argon2-cffi / hashlib.scrypt, 2026-11-26"
_LAPTOP = _MEASURED + "; a laptop core assumed as fast (C code either way): estimate"
# Argon2 in a browser: the argon2-browser project's README (github.com/antelle/argon2-browser) times
# one Argon2d hash (t = 100, 1 MiB) at 90 ms native (-O3, SSE) against about 1650 ms in Chrome's and
# Firefox's WebAssembly (2016, before WebAssembly SIMD): 90/1650 of a native core. Argon2's 64-bit
# multiplications are what WebAssembly ran slowly; scrypt's Salsa20/8 is 32-bit arithmetic, so
# half a native core is assumed for it (an estimate: no browser benchmark of scrypt was found).
_BROWSER_ARGON2 = 90 / 1650
_BROWSER = ("argon2-browser README (github.com/antelle/argon2-browser): WebAssembly ~1650 ms vs native "
            "90 ms per hash (2016, no WebAssembly SIMD), applied to the measured native rate: estimate")
_BROWSER_SCRYPT = "estimate: half of one native core (32-bit Salsa20/8 in WebAssembly; no benchmark found)"
# The phone runs the browser's code at the SHA-256 profiles' ratio, 0.1 / 1.3 (issue 4's range).
_PHONE = "estimate: the browser figure x 0.1/1.3, the SHA-256 profiles' phone/laptop-browser ratio"
_PHONE_RATIO = 0.1 / 1.3
# GPU (the 'gpu' profile is one RTX 4090, 1008 GB/s of memory bandwidth by NVIDIA's spec):
# tobtu.com/minimum-password-settings (updated 2022-12-29) sizes its settings from a GPU's
# memory bandwidth: Argon2id moves about (3t - 1) x m KiB per hash, scrypt about 1.25 x 128
# x N x r x p bytes, at about 95 % efficiency below 64 MiB. At the reference parameters:
# 0.95 x 1008e9 / (5 x 19456 x 1024) = 9,600 Argon2id/s and 0.95 x 1008e9 / (160 x 2^14 x 8)
# = 45,700 scrypt/s. Cross-check: auth.pilcrowonpaper.com/argon2 reports about 10,000/s on
# an RTX 5090 and about 20,000/s on an H100 at the same Argon2id parameters.
_GPU_ARGON2 = ("estimate from memory bandwidth (tobtu.com/minimum-password-settings rule, RTX 4090 "
               "1008 GB/s); auth.pilcrowonpaper.com/argon2: RTX 5090 ~10,000/s, H100 ~20,000/s")
_GPU_SCRYPT = "estimate from memory bandwidth (tobtu.com/minimum-password-settings rule, RTX 4090 1008 GB/s)"

FAMILY_RATES: dict[tuple[str, str], FamilyRate] = {
    ("server-cpu", "argon2id"): FamilyRate(_HERE_ARGON2, Argon2id(), _MEASURED, False),
    ("server-cpu", "scrypt"): FamilyRate(_HERE_SCRYPT, Scrypt(), _MEASURED, False),
    ("laptop-cpu", "argon2id"): FamilyRate(_HERE_ARGON2, Argon2id(), _LAPTOP, True),
    ("laptop-cpu", "scrypt"): FamilyRate(_HERE_SCRYPT, Scrypt(), _LAPTOP, True),
    ("browser", "argon2id"): FamilyRate(_HERE_ARGON2 * _BROWSER_ARGON2, Argon2id(), _BROWSER, True),
    ("browser", "scrypt"): FamilyRate(_HERE_SCRYPT / 2, Scrypt(), _BROWSER_SCRYPT, True),
    ("phone-browser", "argon2id"): FamilyRate(_HERE_ARGON2 * _BROWSER_ARGON2 * _PHONE_RATIO, Argon2id(),
                                              _PHONE, True),
    ("phone-browser", "scrypt"): FamilyRate(_HERE_SCRYPT / 2 * _PHONE_RATIO, Scrypt(), _PHONE, True),
    ("gpu", "argon2id"): FamilyRate(9_600.0, Argon2id(), _GPU_ARGON2, True),
    ("gpu", "scrypt"): FamilyRate(45_700.0, Scrypt(), _GPU_SCRYPT, True),
}

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
    rate = FAMILY_RATES.get((hardware.name, puzzle.name))
    if rate is None and hardware.name == LOCAL and puzzle.name in (stored := load_family_rates()):
        rate = FamilyRate(*stored[puzzle.name], "measured by powsim hashcash bench --puzzle", False)
    if rate is None:
        known = sorted({name for name, family in FAMILY_RATES if family == puzzle.name})
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
