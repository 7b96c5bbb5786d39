"""Fits and choices: the legitimate reference curve, the timing model, the choice of a."""
