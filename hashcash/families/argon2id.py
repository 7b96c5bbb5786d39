"""``argon2id``: Argon2id (RFC 9106) with the nonce as the password and the challenge as the
salt, through argon2-cffi's reference C implementation. Memory-hard: a GPU's advantage is
bounded by its memory bandwidth. Its rates on the hardware profiles, each with its source,
are at OWASP's parameters (m = 19 MiB, t = 2, p = 1)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from argon2.low_level import Type, hash_secret_raw

import powsim.hashcash.families.sources as sources
from powsim.hashcash.families.base import DIGEST_BYTES, UINT32_MAX, FamilyRate, Puzzle, register_family


@register_family
@dataclasses.dataclass(frozen=True)
class Argon2id(Puzzle):
    """Argon2id of the nonce (password) salted with the challenge. Defaults: OWASP's
    19 MiB, 2 passes, 1 lane (the configuration GPU figures are published for)."""

    name: ClassVar[str] = "argon2id"
    code: ClassVar[int] = 1
    size_parameter: ClassVar[str] = "memory_kib"
    memory_kib: int = dataclasses.field(default=19456, metadata={"help": "memory in KiB"})
    iterations: int = dataclasses.field(default=2, metadata={"help": "passes"})
    parallelism: int = dataclasses.field(default=1, metadata={"help": "lanes"})

    def __post_init__(self) -> None:
        self._check("parallelism", 1, 2**24 - 1)
        self._check("iterations", 1, UINT32_MAX)
        self._check("memory_kib", 8 * self.parallelism, UINT32_MAX)  # RFC 9106: m >= 8 p

    def digest(self, challenge: bytes, nonce: bytes) -> bytes:
        return hash_secret_raw(nonce, challenge, self.iterations, self.memory_kib, self.parallelism,
                               DIGEST_BYTES, Type.ID)

    @property
    def memory_bytes(self) -> int:
        return self.memory_kib * 1024

    @property
    def work_units(self) -> float:
        return float(self.memory_kib * self.iterations)


# Argon2 in a browser: the argon2-browser project's README (github.com/antelle/argon2-browser) times
# one Argon2d hash (t = 100, 1 MiB) at 90 ms native (-O3, SSE) against about 1650 ms in Chrome's and
# Firefox's WebAssembly (2016, before WebAssembly SIMD): 90/1650 of a native core (Argon2's 64-bit
# multiplications are what WebAssembly ran slowly).
_BROWSER_SHARE = 90 / 1650
_BROWSER = ("argon2-browser README (github.com/antelle/argon2-browser): WebAssembly ~1650 ms vs native "
            "90 ms per hash (2016, no WebAssembly SIMD), applied to the measured native rate: estimate")
# GPU: Argon2id moves about (3t - 1) x m KiB per hash: 0.95 x 1008e9 / (5 x 19456 x 1024) = 9,600/s.
# Cross-check: auth.pilcrowonpaper.com/argon2 reports about 10,000/s on an RTX 5090 and about
# 20,000/s on an H100 at the same parameters.
_GPU = (f"estimate from memory bandwidth ({sources.GPU_BANDWIDTH}); auth.pilcrowonpaper.com/argon2: "
        "RTX 5090 ~10,000/s, H100 ~20,000/s")

Argon2id.rates = {
    "server-cpu": FamilyRate(sources.HERE_ARGON2, Argon2id(), sources.MEASURED, False),
    "laptop-cpu": FamilyRate(sources.HERE_ARGON2, Argon2id(), sources.LAPTOP, True),
    "browser": FamilyRate(sources.HERE_ARGON2 * _BROWSER_SHARE, Argon2id(), _BROWSER, True),
    "phone-browser": FamilyRate(sources.HERE_ARGON2 * _BROWSER_SHARE * sources.PHONE_RATIO,
                                Argon2id(), sources.PHONE, True),
    "gpu": FamilyRate(9_600.0, Argon2id(), _GPU, True),
}
