"""Agents of the simulation: legitimate users, attackers, sybil rings, colluders."""
