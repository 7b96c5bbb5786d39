"""Difficulty: from a target solve time to whole leading-zero bits.

k = round(log2(target_s x H_ref)), clamped to [0, max_bits], where H_ref (hashes/s) is the
client the defense is tuned for. Whole bits round the target: the reference client's
expected solve time 2^k / H_ref is the target times a factor in [2^-0.5, 2^0.5], so one
puzzle may take up to ~41 % longer or ~29 % shorter than the policy asked. The events
table keeps both ``target_s`` and ``bits`` so that the effect can be measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Difficulty:
    """Turns target seconds into puzzle bits for a reference client of ``reference_hash_rate_hz``."""

    reference_hash_rate_hz: float
    max_bits: int = 48

    def bits(self, target_s: float) -> int:
        """Whole leading-zero bits whose expected solve time on the reference client is nearest
        ``target_s`` (in log scale), clamped to [0, max_bits]."""
        if target_s <= 0:
            return 0
        bits = math.floor(math.log2(target_s * self.reference_hash_rate_hz) + 0.5)
        return min(max(bits, 0), self.max_bits)

    def expected_s(self, bits: int) -> float:
        """Expected solve seconds of a ``bits`` puzzle on the reference client."""
        return 2.0**bits / self.reference_hash_rate_hz
