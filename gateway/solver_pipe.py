"""The multi-core solver behind a pipe, for load drivers that cannot run it in-process.

Locust monkey-patches threads into greenlets (gevent), which would run the solver's threads
one at a time on one core; this process is not patched. ``python -m
powsim.gateway.solver_pipe [WORKERS]`` reads lines ``CHALLENGE_HEX BITS`` on stdin and
answers each, in order, with ``NONCE_HEX SECONDS`` on stdout (the first nonce whose
SHA-256(challenge || nonce) has BITS leading zero bits, and the solve's wall seconds), with
the :class:`~powsim.hashcash.solver.Solver` on WORKERS threads (default: every core). A
malformed line is answered ``error MESSAGE``. It ends at the end of its input.
"""

from __future__ import annotations

import sys

from powsim.errors import InputError
from powsim.hashcash.solver import Solver


def main(argv: list[str]) -> int:
    workers = int(argv[0]) if argv else None
    with Solver(workers) as solver:
        for line in sys.stdin:
            try:
                challenge, bits = line.split()
                solution = solver.solve(bytes.fromhex(challenge), int(bits))
                answer = f"{solution.nonce_bytes.hex()} {solution.seconds!r}"
            except (ValueError, InputError) as err:
                answer = f"error {' '.join(str(err).split())}"
            print(answer, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
