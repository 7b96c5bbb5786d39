"""Real HashCash: the challenge protocol, the compiled SHA-256 nonce search and its
multi-core solver, hash-rate measurement, the statistical validation of real solve times
and its chart, and the stored ``local`` hardware profile.

Only ``--hash real`` simulations and the ``powsim hashcash`` commands import these modules;
the sampled simulator models solve times without hashing (see :mod:`powsim.sim.solve_time`).
"""
