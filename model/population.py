"""The laws of a legitimate population: how many queries a member asks, and on which device.

A ``legit`` entry with ``sample = "bootstrap"`` is ``count`` users; each draws its device from
the entry's :class:`HardwareMix` and its number of queries from its :class:`QueryCount`. The
draws themselves, and the queries they pick from a pool, are the per-account kernel's
(:mod:`powsim.sim.agents.population`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from powsim.errors import InputError
from powsim.hashcash.hardware import Hardware

SAMPLES = ("replay", "bootstrap")
QUERY_LAWS = ("fixed", "lognormal", "uniform")
MAX_QUERIES = 10_000_000  # queries of one member: beyond it a run would not end in memory
_PARAMETERS = {"fixed": ("value",), "lognormal": ("median", "sigma"), "uniform": ("low", "high")}


@dataclass(frozen=True)
class QueryCount:
    """How many queries a member asks: ``fixed`` (``value``), ``lognormal`` (``median``,
    ``sigma`` of the log) or ``uniform`` on whole numbers [``low``, ``high``]; draws are
    rounded to whole queries and clipped to [1, ``max``]."""

    law: str
    first: float
    second: float = 0.0
    max: int = 1_000_000

    def draw(self, rng: np.random.Generator) -> int:
        """One member's number of queries (consumes one draw unless ``fixed``)."""
        if self.law == "fixed":
            value = self.first
        elif self.law == "lognormal":
            value = self.first * math.exp(self.second * rng.standard_normal())
        else:
            value = rng.integers(int(self.first), int(self.second), endpoint=True)
        return int(min(max(round(value), 1), self.max))

    def describe(self) -> str:
        """A short text for tables: ``2000`` or ``lognormal(median=2000, sigma=1)``."""
        if self.law == "fixed":
            return f"{self.first:g}"
        first, second = _PARAMETERS[self.law]
        return f"{self.law}({first}={self.first:g}, {second}={self.second:g})"


def parse_query_count(value: object, where: str) -> QueryCount:
    """``queries`` of an entry: a whole number, or a table ``{dist = ..., ...}``."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_QUERIES:
            raise InputError(f"{where}: {value!r}, expected a whole number of queries >= 1 "
                             f"and <= {MAX_QUERIES:,}")
        return QueryCount("fixed", float(value))
    if not isinstance(value, dict):
        raise InputError(f"{where}: {value!r}, expected a whole number of queries or a table "
                         "like {dist = \"lognormal\", median = 2000, sigma = 1}")
    law = value.get("dist")
    if law not in QUERY_LAWS:
        raise InputError(f"{where}.dist: {law!r}, expected one of {', '.join(QUERY_LAWS)}")
    allowed = set(_PARAMETERS[law]) | {"dist", "max"}
    unknown = sorted(set(value) - allowed)
    missing = sorted(set(_PARAMETERS[law]) - set(value))
    if unknown or missing:
        key = unknown[0] if unknown else missing[0]
        raise InputError(f"{where}.{key}: {'unknown' if unknown else 'missing'}, expected "
                         f"{', '.join(sorted(allowed))} for dist = \"{law}\"")
    numbers = {}
    for key in allowed - {"dist"}:
        number = value.get(key, 1_000_000 if key == "max" else None)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not (
                math.isfinite(number) and (number > 0 or (key == "sigma" and number == 0))):
            raise InputError(f"{where}.{key}: {number!r}, expected a positive finite number")
        if key == "max" and number > MAX_QUERIES:
            raise InputError(f"{where}.max: {number!r}, expected at most {MAX_QUERIES:,}")
        numbers[key] = float(number)
    if law == "uniform" and not numbers["low"] <= numbers["high"]:
        raise InputError(f"{where}.low: {numbers['low']:g} above high {numbers['high']:g}, "
                         "expected low <= high")
    first, *second = _PARAMETERS[law]
    return QueryCount(law, numbers[first], numbers[second[0]] if second else 0.0,
                      int(numbers["max"]))


@dataclass(frozen=True)
class HardwareMix:
    """Devices of a population: ``profiles`` with their ``shares`` (summing to 1)."""

    profiles: tuple[Hardware, ...]
    shares: tuple[float, ...]

    def draw(self, rng: np.random.Generator) -> Hardware:
        """One member's device (consumes one uniform draw)."""
        return self.profiles[int(self.pick(np.array([rng.random()]))[0])]

    def pick(self, uniforms: np.ndarray) -> np.ndarray:
        """Index in ``profiles`` of the device of each uniform draw in [0, 1) of ``uniforms``."""
        index = np.searchsorted(np.cumsum(self.shares), uniforms * sum(self.shares), side="right")
        return np.minimum(index, len(self.profiles) - 1)

    def describe(self) -> str:
        """``mix(phone-browser=0.3, laptop-cpu=0.7)``, as the summary's hardware column."""
        return "mix(" + ", ".join(f"{p.name}={s:g}" for p, s in zip(self.profiles, self.shares)) + ")"


def parse_hardware_mix(value: Mapping[str, object], where: str,
                       profiles: Mapping[str, Hardware]) -> HardwareMix:
    """``hardware = {NAME = SHARE, ...}``: known profiles, positive shares summing to 1."""
    if not value:
        raise InputError(f"{where}: an empty table, expected {{PROFILE = SHARE, ...}}")
    chosen, shares = [], []
    for name, share in value.items():
        if name not in profiles:
            raise InputError(f"{where}.{name}: unknown hardware profile, expected one of "
                             f"{', '.join(sorted(profiles))}")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not (
                math.isfinite(share) and share > 0):
            raise InputError(f"{where}.{name}: {share!r}, expected a share > 0")
        chosen.append(profiles[name])
        shares.append(float(share))
    if abs(sum(shares) - 1) > 1e-6:
        raise InputError(f"{where}: shares sum to {sum(shares):g}, expected 1")
    return HardwareMix(tuple(chosen), tuple(shares))
