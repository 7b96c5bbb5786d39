"""The charge of one unit of work: a^diff seconds clipped to [min, max], and its parameters.

Every difficulty policy and paper mode charge this way; the paper's values are the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powsim.errors import InputError, ParameterError

PAPER_A = 1.0075
PAPER_MIN_SECONDS = 0.1
# The slowest entry of the authors' measured bits-to-seconds table (32 leading zero bits).
PAPER_MAX_SECONDS = 2948.467908


@dataclass(frozen=True)
class ChargeParameters:
    """Base ``a`` of the a^diff charge and its clip [``min_seconds``, ``max_seconds``], seconds."""

    a: float = PAPER_A
    min_seconds: float = PAPER_MIN_SECONDS
    max_seconds: float = PAPER_MAX_SECONDS

    def __post_init__(self) -> None:
        if not (np.isfinite(self.a) and self.a >= 1):
            raise ParameterError(f"{{a}}: {self.a}, expected a finite number >= 1 (a < 1 would "
                                 "charge the most divergent users least)")
        if not 0 < self.min_seconds <= self.max_seconds:
            raise InputError(f"charge clip [{self.min_seconds}, {self.max_seconds}] s: "
                             "expected 0 < min <= max")


def clipped_power_seconds(log_base: float, diff: np.ndarray, low: float, high: float) -> np.ndarray:
    """clip(base^diff, low, high) in seconds, computed in log space so it never overflows.

    ``log_base`` is ln(base); ``diff`` any shape of non-negative numbers.
    """
    exponent = np.clip(log_base * np.asarray(diff, dtype=np.float64), np.log(low), np.log(high))
    return np.exp(exponent)
