"""HashCash verification at its edges: a challenge is redeemed once whatever nonce solves it,
and the validity window honours the clock-skew grace at both ends, to the second."""

from __future__ import annotations

import hashlib
from itertools import count

import numpy as np
import pytest

from powsim.sim.hashcash import HashCash, Verdict, batch_digest, has_leading_zeros

SECRET = b"0123456789abcdef-test-secret"
BATCH = batch_digest(b"queries")
TTL_S, GRACE_S, ISSUED_AT_S = 60.0, 2.0, 1_000.0


class Clock:
    """A clock the test sets by hand (seconds)."""

    def __init__(self) -> None:
        self.now = ISSUED_AT_S

    def __call__(self) -> float:
        return self.now


def nonces_solving(challenge: bytes, bits: int, how_many: int) -> list[bytes]:
    """The first ``how_many`` 8-byte nonces whose hash with ``challenge`` has ``bits`` zero bits."""
    candidates = (n.to_bytes(8, "big") for n in count())
    found = (n for n in candidates if has_leading_zeros(hashlib.sha256(challenge + n).digest(), bits))
    return [next(found) for _ in range(how_many)]


def issued(clock: Clock, bits: int = 4) -> tuple[HashCash, bytes]:
    hashcash = HashCash(SECRET, ttl_s=TTL_S, grace_s=GRACE_S, clock=clock,
                        random_bytes=np.random.default_rng(0).bytes)
    return hashcash, hashcash.issue("alice", BATCH, bits).encode()


def test_a_second_nonce_for_a_redeemed_challenge_is_a_replay():
    hashcash, challenge = issued(Clock())
    first, second, third = nonces_solving(challenge, 4, 3)
    assert hashcash.verify(challenge, first, "alice", BATCH) is Verdict.OK
    assert hashcash.verify(challenge, second, "alice", BATCH) is Verdict.REPLAY
    assert hashcash.verify(challenge, third, "alice", BATCH) is Verdict.REPLAY


def test_each_challenge_is_redeemed_once_independently():
    clock = Clock()
    hashcash, first = issued(clock)
    second = hashcash.issue("alice", BATCH, 4).encode()
    for challenge in (first, second):
        nonce = nonces_solving(challenge, 4, 1)[0]
        assert hashcash.verify(challenge, nonce, "alice", BATCH) is Verdict.OK


@pytest.mark.parametrize("offset_s, expected", [
    (-GRACE_S - 0.5, Verdict.NOT_YET_VALID),   # issued 2.5 s in the future: beyond the grace
    (-GRACE_S, Verdict.OK),                    # exactly at the grace
    (-GRACE_S + 0.5, Verdict.OK),              # within it: a server clock 1.5 s behind
    (0.0, Verdict.OK),
    (TTL_S + GRACE_S, Verdict.OK),             # expiry plus exactly the grace
    (TTL_S + GRACE_S + 0.5, Verdict.EXPIRED),
])
def test_validity_window_is_issue_to_expiry_widened_by_the_grace(offset_s, expected):
    clock = Clock()
    hashcash, challenge = issued(clock)
    nonce = nonces_solving(challenge, 4, 1)[0]
    clock.now = ISSUED_AT_S + offset_s
    assert hashcash.verify(challenge, nonce, "alice", BATCH) is expected
