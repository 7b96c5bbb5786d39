"""A member's random stream with its standard exponentials drawn in blocks: the same draws, fewer calls.

In sampled mode every batch of the DES draws from its member's own Generator: a think time
and, with exponential service, two service times (each its mean x a standard exponential,
:mod:`powsim.sim.durations`), then the puzzle's trials (numpy's geometric, which for
p < 1/3 inverts one standard exponential E: ceil(-E / log1p(-p)), capped at the largest
int64). A numpy call costs about half a microsecond, as much as a tenth of a batch.

A Generator's vector call ``standard_exponential(k)`` gives the same k doubles as k scalar
calls and leaves it in the same state, so :class:`BlockedStream` hands these draws out of
blocks drawn ahead, one numpy call per :data:`BLOCK` draws. Any other draw (numpy's
geometric for p >= 1/3, a negative binomial, a bootstrap's integers, ...) first puts the
Generator back where the scalar calls would have left it (its state before the block,
then the block's used part drawn again) and is made by numpy itself: every value is the
one the Generator alone would give, in the same order.
"""

from __future__ import annotations

import math
from operator import length_hint
from typing import Any

import numpy as np

BLOCK = 256  # standard exponentials drawn ahead at a time
INVERSION_BELOW = 0.333333333333333333333333  # numpy's geometric inverts an exponential for p below this
INT64_MAX = 2**63 - 1  # numpy's geometric returns this from GEOMETRIC_CAP trials on
GEOMETRIC_CAP = float(2**63)  # 9.223372036854776e18: trials at which numpy's geometric saturates


class BlockedStream:
    """Stands in for ``rng`` (a Generator used by nothing else): its standard exponentials
    and geometric draws from blocks, every other method numpy's own, the same values."""

    __slots__ = ("rng", "_block", "_next", "_state")

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._block: list[float] = []
        self._next = iter(self._block).__next__
        self._state: dict | None = None  # the Generator's state before the block

    def standard_exponential(self) -> float:
        """The next standard exponential (numpy's ``standard_exponential()``)."""
        try:
            return self._next()
        except StopIteration:
            self._state = self.rng.bit_generator.state
            self._block = self.rng.standard_exponential(BLOCK).tolist()
            self._next = iter(self._block).__next__
            return self._next()

    def geometric(self, p: float) -> int:
        """Trials to the first success at probability ``p`` in (0, 1] (numpy's ``geometric(p)``)."""
        if p < INVERSION_BELOW:
            trials = math.ceil(-self.standard_exponential() / math.log1p(-p))
            return INT64_MAX if trials >= GEOMETRIC_CAP else trials
        return self._numpy().geometric(p)

    def __getattr__(self, name: str) -> Any:
        """Numpy's own ``name`` (any other draw)."""
        return getattr(self._numpy(), name)

    def _numpy(self) -> np.random.Generator:
        """The Generator, put where scalar calls would have left it: the block's rest dropped."""
        if self._state is not None:
            used = len(self._block) - length_hint(self._next.__self__)
            self.rng.bit_generator.state = self._state
            self.rng.standard_exponential(used)
            self._state, self._block = None, []
            self._next = iter(self._block).__next__
        return self.rng
