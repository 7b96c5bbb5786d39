"""Difficulty: from a target solve time to whole leading-zero bits.

k = round(log2(target_s x H_ref / n)), clamped to [0, max_bits], where H_ref (hashes/s) is
the client the defense is tuned for and n the sub-solutions a puzzle requires (n puzzles of
k bits take n 2^k trials on average, so the target is split between them). Whole bits round the target: the reference client's
expected solve time 2^k / H_ref is the target times a factor in [2^-0.5, 2^0.5], so one
puzzle may take up to ~41 % longer or ~29 % shorter than the policy asked. The events
table keeps both ``target_s`` and ``bits`` so that the effect can be measured.

A second per-account difficulty rule goes beside :class:`Difficulty` with the same two
methods (``bits`` and ``expected_s``). Load-driven rules (an effort in hashes set from the
server's queue, Tor's v1-v3) are a registry of their own: ``difficulty/load_rules.py``'s
``RULES``, extended with its ``register`` decorator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Difficulty:
    """Turns target seconds into puzzle bits for a reference client of ``reference_hash_rate_hz``."""

    reference_hash_rate_hz: float
    max_bits: int = 48
    sub_solutions: int = 1

    def bits(self, target_s: float) -> int:
        """Whole leading-zero bits (of each sub-solution) whose expected solve time on the
        reference client is nearest ``target_s`` in log scale, clamped to [0, max_bits]."""
        if target_s <= 0:
            return 0
        trials = target_s * self.reference_hash_rate_hz / self.sub_solutions
        bits = math.floor(math.log2(trials) + 0.5)
        return min(max(bits, 0), self.max_bits)

    def expected_s(self, bits: int | np.ndarray) -> float | np.ndarray:
        """Expected seconds of a puzzle of ``bits`` (all its sub-solutions) on the reference
        client; ``bits`` an int or an array of any shape (same shape back)."""
        return self.sub_solutions * 2.0**bits / self.reference_hash_rate_hz
