"""What every puzzle family shares: the :class:`Puzzle` base, the registry, and a family's
published rate on a hardware profile (:class:`FamilyRate`).

A family turns (challenge bytes, nonce) into a 32-byte digest; a solution is a nonce whose
digest has ``bits`` leading zero bits, whatever the family, so trials stay Geometric(2^-bits).
Every family's parameters travel in the challenge as three unsigned 32-bit integers
(:meth:`Puzzle.encoded_parameters`), under its HMAC tag. A family is a small frozen
dataclass in a module of its own, registered by name with :func:`register_family`; it owns
its facts: its parameters (with their help, as field metadata), the one that sets its size
(:attr:`Puzzle.size_parameter`) and its rates on the hardware profiles
(:attr:`Puzzle.rates`). :func:`puzzle` builds one from a name and parameters, raising
:class:`~powsim.errors.ParameterError` naming the parameter outside the range the library
accepts.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from powsim.errors import ParameterError

DIGEST_BYTES = 32
PARAMETER_SLOTS = 3  # unsigned 32-bit integers carried in the challenge
UINT32_MAX = 2**32 - 1


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



@dataclasses.dataclass(frozen=True)
class Puzzle:
    """One family at one parameter set. Subclasses set ``name`` and ``code`` (its byte in
    the challenge) and implement :meth:`digest`."""

    name: ClassVar[str]
    code: ClassVar[int]
    # The parameter that sets a trial's memory and work (None: the family has none); halving
    # it is how a comparison lightens the puzzle (:meth:`halved`).
    size_parameter: ClassVar[str | None] = None
    # Published or measured rates of the hardware profiles, by profile name (SHA-256's are the
    # profiles' own figures).
    rates: ClassVar[dict[str, "FamilyRate"]] = {}

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

    def halved(self) -> Puzzle | None:
        """This puzzle at half its :attr:`size_parameter` (None when the family has none or
        half is out of its range)."""
        if self.size_parameter is None:
            return None
        try:
            return dataclasses.replace(self, **{self.size_parameter: getattr(self, self.size_parameter) // 2})
        except ParameterError:
            return None

    @classmethod
    def parameter_help(cls) -> dict[str, str]:
        """Each parameter's meaning and default, by name (the CLI's option help)."""
        return {field.name: f"{cls.name} {field.metadata['help']} (default {field.default})"
                for field in dataclasses.fields(cls)}

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


def parameter_names() -> dict[str, str]:
    """Every registered family's parameters (the scenario keys and CLI options) with their
    help, in registration order."""
    return {name: text for family in FAMILIES.values() for name, text in family.parameter_help().items()}


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
