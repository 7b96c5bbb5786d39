"""Argparse types that check an option's value at the edge: type, finiteness and range.

Each returns a parser function whose refusal argparse turns into the one error line
"argument OPTION: VALUE, expected ..." (with the bound), so that nothing that would run
for hours or exhaust memory gets past the command line.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

MAX_SEED = 2**63 - 1
MAX_REPLICATIONS = 10_000  # independent runs of one command (or of one grid point)


def integer(low: int, high: int) -> Callable[[str], int]:
    """A whole number in [low, high]."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r}, expected a whole number from {low:,} "
                                             f"to {high:,}")
        return value
    return parse


def number(low: float, high: float, low_open: bool = False,
           high_open: bool = False) -> Callable[[str], float]:
    """A finite number in [low, high]; ``low_open``/``high_open`` exclude the ends."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        inside = (low < value if low_open else low <= value) and (
            value < high if high_open else value <= high)
        if not (math.isfinite(value) and inside):
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            raise argparse.ArgumentTypeError(f"{text!r}, expected a finite number in "
                                             f"{left}{low:g}, {high:g}{right}")
        return value
    return parse


def seed() -> Callable[[str], int]:
    """A seed: a whole number from 0 to 2^63 - 1."""
    return integer(0, MAX_SEED)
