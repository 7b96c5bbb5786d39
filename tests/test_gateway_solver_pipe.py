"""The solver behind a pipe (what the locust file solves with): answers in order, refuses garbage."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from powsim.hashcash.protocol import has_leading_zeros


def test_it_answers_each_line_with_a_nonce_that_solves_it():
    challenges = [bytes([i]) * 160 for i in range(3)]
    lines = "".join(f"{c.hex()} 10\n" for c in challenges) + "zz 3\n"
    done = subprocess.run([sys.executable, "-m", "powsim.gateway.solver_pipe", "2"], input=lines,
                          capture_output=True, text=True, timeout=60, check=True)
    answers = done.stdout.splitlines()
    assert len(answers) == 4 and answers[3].startswith("error ")
    for challenge, answer in zip(challenges, answers):
        nonce, seconds = answer.split()
        assert has_leading_zeros(hashlib.sha256(challenge + bytes.fromhex(nonce)).digest(), 10)
        assert float(seconds) >= 0
