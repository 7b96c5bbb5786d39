"""Puzzle families: the hash a HashCash trial computes, and its parameters.

A family turns (challenge bytes, nonce) into a 32-byte digest; a solution is a nonce whose
digest has ``bits`` leading zero bits, whatever the family, so trials stay Geometric(2^-bits).

- ``sha256``: SHA-256(challenge || nonce); no parameters. Cheap for the server, and
  about 30,000 times faster on a GPU than in a laptop's Python client.
- ``argon2id``: Argon2id (RFC 9106) with the nonce as the password and the challenge as the
  salt, through argon2-cffi's reference C implementation; ``memory_kib``, ``iterations``
  (passes), ``parallelism`` (lanes). Memory-hard: a GPU's advantage is bounded by its
  memory bandwidth.
- ``scrypt``: scrypt (RFC 7914) with the nonce as the password and the challenge as the salt,
  through ``hashlib.scrypt`` (OpenSSL); ``n`` (CPU/memory cost, a power of 2), ``r``
  (block size), ``p`` (parallelism).

Every family's parameters travel in the challenge as three unsigned 32-bit integers
(:meth:`Puzzle.encoded_parameters`), under its HMAC tag. A family is a small frozen
dataclass registered by name with :func:`register_family`; :func:`puzzle` builds one from
a name and parameters, raising :class:`~powsim.errors.ParameterError` naming the parameter
outside the range the library accepts.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import ClassVar

from argon2.low_level import Type, hash_secret_raw

from powsim.errors import ParameterError

DIGEST_BYTES = 32
PARAMETER_SLOTS = 3  # unsigned 32-bit integers carried in the challenge
UINT32_MAX = 2**32 - 1
SCRYPT_MAX_BYTES = 2**31 - 1  # hashlib.scrypt's maxmem is a C int


@dataclasses.dataclass(frozen=True)
class Puzzle:
    """One family at one parameter set. Subclasses set ``name`` and ``code`` (its byte in
    the challenge) and implement :meth:`digest`."""

    name: ClassVar[str]
    code: ClassVar[int]

    def digest(self, challenge: bytes, nonce: bytes) -> bytes:
        """The 32-byte digest of one trial: ``nonce`` (8 bytes) against ``challenge``."""
        raise NotImplementedError

    def parameters(self) -> dict[str, int]:
        """The family's parameters by name (the TOML keys and options)."""
        return dataclasses.asdict(self)

    def encoded_parameters(self) -> tuple[int, int, int]:
        """The parameters as the challenge carries them: three integers, zeros unused."""
        values = tuple(self.parameters().values())
        return values + (0,) * (PARAMETER_SLOTS - len(values))

    @property
    def memory_bytes(self) -> int:
        """Bytes of memory one trial holds while it runs (0: negligible)."""
        return 0

    @property
    def work_units(self) -> float:
        """Work of one trial relative to the family's other parameter sets: rates scale as
        1 / work_units (memory x passes for the memory-hard families; an estimate)."""
        return 1.0

    def describe(self) -> str:
        """``name`` and its parameters, e.g. ``argon2id(memory_kib=64, iterations=1, parallelism=1)``."""
        shown = ", ".join(f"{key}={value}" for key, value in self.parameters().items())
        return f"{self.name}({shown})"

    def _check(self, name: str, low: int, high: int) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ParameterError(f"{{{name}}}: {value!r}, expected an integer in {low}..{high} "
                                 f"for {self.name}")


FAMILIES: dict[str, type[Puzzle]] = {}


def register_family(cls: type[Puzzle]) -> type[Puzzle]:
    """Class decorator: make ``cls`` selectable by its ``name`` and decodable by its ``code``."""
    if cls.name in FAMILIES or any(other.code == cls.code for other in FAMILIES.values()):
        raise ValueError(f"puzzle family {cls.name!r} (code {cls.code}) registered twice")
    FAMILIES[cls.name] = cls
    return cls


@register_family
@dataclasses.dataclass(frozen=True)
class Sha256(Puzzle):
    """SHA-256(challenge || nonce)."""

    name: ClassVar[str] = "sha256"
    code: ClassVar[int] = 0

    def digest(self, challenge: bytes, nonce: bytes) -> bytes:
        return hashlib.sha256(challenge + nonce).digest()


@register_family
@dataclasses.dataclass(frozen=True)
class Argon2id(Puzzle):
    """Argon2id of the nonce (password) salted with the challenge. Defaults: OWASP's
    19 MiB, 2 passes, 1 lane (the configuration GPU figures are published for)."""

    name: ClassVar[str] = "argon2id"
    code: ClassVar[int] = 1
    memory_kib: int = 19456
    iterations: int = 2
    parallelism: int = 1

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


@register_family
@dataclasses.dataclass(frozen=True)
class Scrypt(Puzzle):
    """scrypt of the nonce (password) salted with the challenge. Defaults: N = 2^14, r = 8,
    p = 1 (16 MiB)."""

    name: ClassVar[str] = "scrypt"
    code: ClassVar[int] = 2
    n: int = 2**14
    r: int = 8
    p: int = 1

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


def puzzle(name: str, **parameters: int) -> Puzzle:
    """The family ``name`` at ``parameters`` (the rest at their defaults);
    :class:`ParameterError` naming ``puzzle`` or the bad parameter."""
    family = FAMILIES.get(name)
    if family is None:
        raise ParameterError(f"{{puzzle}}: {name!r}, expected one of {', '.join(FAMILIES)}")
    known = {field.name for field in dataclasses.fields(family)}
    unknown = sorted(set(parameters) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "no parameters"
        raise ParameterError(f"{{{unknown[0]}}}: not a parameter of {name}, expected {expected}")
    return family(**parameters)


def decode_puzzle(code: int, encoded: tuple[int, int, int]) -> Puzzle:
    """The puzzle a challenge carries: family ``code`` and its three encoded integers;
    :class:`ParameterError` if the code is unknown or the parameters are out of range."""
    family = next((cls for cls in FAMILIES.values() if cls.code == code), None)
    if family is None:
        raise ParameterError(f"{{puzzle}}: family code {code}, expected one of "
                             f"{sorted(cls.code for cls in FAMILIES.values())}")
    fields = dataclasses.fields(family)
    if any(encoded[len(fields):]):
        raise ParameterError(f"{{puzzle}}: unused parameter slots of {family.name} are not zero")
    return family(**{field.name: value for field, value in zip(fields, encoded)})
