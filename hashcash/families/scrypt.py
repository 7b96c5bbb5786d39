"""``scrypt``: scrypt (RFC 7914) with the nonce as the password and the challenge as the salt,
through ``hashlib.scrypt`` (OpenSSL); ``n`` (CPU/memory cost, a power of 2), ``r`` (block
size), ``p`` (parallelism). Its rates on the hardware profiles, each with its source, are at
N = 2^14, r = 8, p = 1."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import ClassVar

from powsim.errors import ParameterError
import powsim.hashcash.families.sources as sources
from powsim.hashcash.families.base import DIGEST_BYTES, FamilyRate, Puzzle, register_family

SCRYPT_MAX_BYTES = 2**31 - 1  # hashlib.scrypt's maxmem is a C int


@register_family
@dataclasses.dataclass(frozen=True)
class Scrypt(Puzzle):
    """scrypt of the nonce (password) salted with the challenge. Defaults: N = 2^14, r = 8,
    p = 1 (16 MiB)."""

    name: ClassVar[str] = "scrypt"
    code: ClassVar[int] = 2
    size_parameter: ClassVar[str] = "n"
    n: int = dataclasses.field(default=2**14, metadata={"help": "CPU/memory cost, a power of 2"})
    r: int = dataclasses.field(default=8, metadata={"help": "block size"})
    p: int = dataclasses.field(default=1, metadata={"help": "parallelism"})

    def __post_init__(self) -> None:
        self._check("n", 2, 2**31)
        if self.n & (self.n - 1):
            raise ParameterError(f"{{n}}: {self.n}, expected a power of 2 for scrypt")
        self._check("r", 1, 2**24)
        self._check("p", 1, 2**24)
        if self.n >= 2 ** (16 * self.r):  # RFC 7914: N < 2^(128 r / 8)
            raise ParameterError(f"{{n}}: {self.n}, expected below 2^(16 r) = {2 ** (16 * self.r)} for scrypt")
        if self.r * self.p >= 2**30:  # RFC 7914
            raise ParameterError(f"{{p}}: r * p = {self.r * self.p}, expected below 2^30 for scrypt")
        if self.memory_bytes > SCRYPT_MAX_BYTES:
            raise ParameterError(f"{{n}}: 128 * r * (n + p + 2) = {self.memory_bytes} bytes, expected at most "
                                 f"{SCRYPT_MAX_BYTES} (hashlib.scrypt's limit)")

    def digest(self, challenge: bytes, nonce: bytes) -> bytes:
        return hashlib.scrypt(nonce, salt=challenge, n=self.n, r=self.r, p=self.p,
                              maxmem=self.memory_bytes, dklen=DIGEST_BYTES)

    @property
    def memory_bytes(self) -> int:
        return 128 * self.r * (self.n + self.p + 2)  # OpenSSL's V and B arrays

    @property
    def work_units(self) -> float:
        return float(self.n * self.r * self.p)


# scrypt's Salsa20/8 is 32-bit arithmetic, which WebAssembly runs well, so half a native core is
# assumed in a browser (an estimate: no browser benchmark of scrypt was found).
_BROWSER = "estimate: half of one native core (32-bit Salsa20/8 in WebAssembly; no benchmark found)"
# GPU: scrypt moves about 1.25 x 128 x N x r x p bytes: 0.95 x 1008e9 / (160 x 2^14 x 8) = 45,700/s.
_GPU = f"estimate from memory bandwidth ({sources.GPU_BANDWIDTH})"

Scrypt.rates = {
    "server-cpu": FamilyRate(sources.HERE_SCRYPT, Scrypt(), sources.MEASURED, False),
    "laptop-cpu": FamilyRate(sources.HERE_SCRYPT, Scrypt(), sources.LAPTOP, True),
    "browser": FamilyRate(sources.HERE_SCRYPT / 2, Scrypt(), _BROWSER, True),
    "phone-browser": FamilyRate(sources.HERE_SCRYPT / 2 * sources.PHONE_RATIO, Scrypt(),
                                sources.PHONE, True),
    "gpu": FamilyRate(45_700.0, Scrypt(), _GPU, True),
}
