"""Puzzle families: the hash a HashCash trial computes, and its parameters.

One module per family (:mod:`~powsim.hashcash.families.sha256`,
:mod:`~powsim.hashcash.families.argon2id`, :mod:`~powsim.hashcash.families.scrypt`), each
registering itself and owning its facts (parameters with their help, size parameter, rates
on the hardware profiles); :mod:`~powsim.hashcash.families.base` holds what they share. A new
family is one module plus its import below, which registers it.
"""

from powsim.hashcash.families.base import (FAMILIES, FamilyRate, Puzzle, decode_puzzle,
                                           parameter_names, puzzle, register_family)
from powsim.hashcash.families.sha256 import Sha256
from powsim.hashcash.families.argon2id import Argon2id
from powsim.hashcash.families.scrypt import Scrypt

__all__ = ["FAMILIES", "Argon2id", "FamilyRate", "Puzzle", "Scrypt", "Sha256", "decode_puzzle",
           "parameter_names", "puzzle", "register_family"]
