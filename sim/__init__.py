"""The simulation core: paper-mode replay, policies, scenarios, the SimPy simulation
(``server/``, ``agents/``), sampled solve times, tables; real HashCash in ``hashcash/``."""
