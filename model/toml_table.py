"""One TOML table of a scenario being read: typed getters that name the field they read.

Every getter raises one :class:`~powsim.errors.InputError` naming ``where.key``, the value and
what was expected; a key the table does not allow is refused with the allowed ones listed.
"""

from __future__ import annotations

import difflib
import math

from powsim.errors import InputError


class Table:
    """One TOML table being read: typed getters that name the field, and a check for leftovers."""

    def __init__(self, data: object, where: str, allowed: set[str]) -> None:
        if data is None:
            raise InputError(f"{where}: missing, expected a table")
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a table")
        unknown = sorted(set(data) - allowed)
        if unknown:
            nearest = difflib.get_close_matches(unknown[0], sorted(allowed), n=1, cutoff=0.6)
            hint = f" (did you mean '{nearest[0]}'?)" if nearest else ""
            raise InputError(f"{where}: unknown key '{unknown[0]}'{hint}, expected one of "
                             f"{', '.join(sorted(allowed))}")
        self.data, self.where = data, where

    def _fail(self, key: str, expected: str) -> InputError:
        return InputError(f"{self.where}.{key}: {self.data[key]!r}, expected {expected}")

    def number(self, key: str, default: float | None = None, low: float = -math.inf,
               strict: bool = False, high: float = math.inf) -> float | None:
        """A finite number in [low, high] (or (low, high] when ``strict``)."""
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self._fail(key, "a finite number")
        if value < low or (strict and value == low) or value > high:
            bound = f"> {low:,g}" if strict else f">= {low:,g}"
            raise self._fail(key, f"a number {bound}" + (f" and <= {high:,.0f}" if high < math.inf
                                                          else ""))
        return float(value)

    def integer(self, key: str, default: int | None, low: int, high: int | None = None
                ) -> int | None:
        """A whole number >= ``low`` (and <= ``high``)."""
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (
                high is not None and value > high):
            raise self._fail(key, f"a whole number >= {low}"
                             + (f" and <= {high:,}" if high is not None else ""))
        return value

    def boolean(self, key: str, default: bool) -> bool:
        """``true`` or ``false``."""
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def choice(self, key: str, default: str | None, options: tuple[str, ...]) -> str:
        """One of ``options``; required when ``default`` is None."""
        if key not in self.data and default is None:
            raise InputError(f"{self.where}.{key}: missing, expected one of {', '.join(options)}")
        value = self.data.get(key, default)
        if value not in options:
            raise self._fail(key, f"one of {', '.join(options)}")
        return value

    def string(self, key: str) -> str:
        """A required non-empty string."""
        if key not in self.data:
            raise InputError(f"{self.where}.{key}: missing, expected a string")
        if not isinstance(self.data[key], str) or not self.data[key]:
            raise self._fail(key, "a non-empty string")
        return self.data[key]
