"""Difficulty (and, if need be, parameters) that give the legitimate users SHA-256's median overhead.

The defense sets k = round(log2(target x H / n)) whole bits, at least 0, for users of H
trials/s. Under a slow (memory-hard) family the smallest puzzles round to 0 bits and still
cost one trial (tens of milliseconds), so tuned to the same target the users pay more than
under SHA-256. The operator's remedy is to tune for users ``scale`` (< 1) times as fast as
they are (every difficulty log2(1 / scale) bits lower, attackers' included);
:func:`matched_scale` finds that scale by bisection, the users' median overhead being
non-decreasing in it. When one trial alone costs the users more than SHA-256's whole
median overhead, no scale is enough and :func:`matched` halves the family's work
(Argon2id's ``memory_kib``, scrypt's ``n``) until one is.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from powsim.hashcash.families import Puzzle

TOLERANCE = 0.01  # of SHA-256's median PoW part (median overhead - 1): the match asked for
STEPS = 14        # bisection steps over log2 scale (resolution span / 2^14 bits)
MAX_HALVINGS = 10


def close_enough(median: float, target: float) -> bool:
    """Whether the users' ``median`` overhead is SHA-256's ``target`` within :data:`TOLERANCE`."""
    return math.isclose(median - 1, target - 1, rel_tol=TOLERANCE)


def matched_scale(median_at: Callable[[float], float], target: float, span_log2: float
                  ) -> tuple[float, float]:
    """(scale, median) with ``median_at(scale)`` (the users' median overhead with the defense
    tuned for users ``scale`` times as fast; non-decreasing in scale) nearest ``target``,
    searching log2 scale in [-span_log2 - 1, 1] (span_log2: log2 of the users' SHA-256 rate
    over their rate under the family: the bits a SHA-256 difficulty exceeds the family's).
    Stops at the first scale :func:`close_enough` to the target."""
    low, high = -max(span_log2, 0.0) - 1.0, 1.0
    best = (1.0, median_at(1.0))
    for _ in range(STEPS):
        if close_enough(best[1], target):
            break
        middle = (low + high) / 2
        median = median_at(2.0**middle)
        if abs(median - target) < abs(best[1] - target):
            best = (2.0**middle, median)
        if median < target:
            low = middle
        else:
            high = middle
    return best


def matched(puzzle: Puzzle, median_at: Callable[[Puzzle, float], float], target: float,
            span_log2: Callable[[Puzzle], float]) -> tuple[Puzzle, float, float]:
    """(puzzle, scale, median): :func:`matched_scale` at ``puzzle``'s parameters or, while
    the users' median stays above ``target`` beyond the tolerance, at half the work (at most
    :data:`MAX_HALVINGS` times). The last tried is returned if none is close enough."""
    for _ in range(MAX_HALVINGS + 1):
        scale, median = matched_scale(lambda s: median_at(puzzle, s), target, span_log2(puzzle))
        lighter = puzzle.halved()
        if close_enough(median, target) or median < target or lighter is None:
            break
        puzzle = lighter
    return puzzle, scale, median
