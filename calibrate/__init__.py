"""Fits and conversions: the legitimate reference fit, the a^diff charge, bits <-> seconds
(and next, the choice of a)."""
