"""Difficulty rules: per-account policies (target seconds from an account's privacy cost,
:mod:`~powsim.difficulty.policies` with their legitimate reference,
:mod:`~powsim.difficulty.reference`) and load-driven rules (the effort a server publishes from
what it saw, :mod:`~powsim.difficulty.load_rules`), each a registry the scenario model
validates against."""
