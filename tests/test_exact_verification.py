"""HashCash verification at its edges: a challenge is redeemed once whatever nonce solves it,
and the validity window honours the clock-skew grace at both ends, to the second."""

from __future__ import annotations

import hashlib
import math
from itertools import count

import numpy as np
import pytest

from powsim.errors import InputError
from powsim.hashcash.protocol import (ACCOUNT_BYTES, VERSION, Challenge, HashCash, ReplayCache, Verdict,
                                         batch_digest)

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
    """The first ``how_many`` 8-byte nonces whose hash with ``challenge`` has ``bits`` zero bits
    (checked here, not with the module's own test of leading zeros)."""
    candidates = (n.to_bytes(8, "big") for n in count())
    found = (n for n in candidates
             if int.from_bytes(hashlib.sha256(challenge + n).digest(), "big") < 1 << (256 - bits))
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


def challenge_bytes(**changes: object) -> bytes:
    """A challenge's 160 bytes with fields changed (tag left as zeros: decode does not check it)."""
    fields = dict(version=VERSION, bits=4, account="alice", issued_at_s=ISSUED_AT_S,
                  expires_at_s=ISSUED_AT_S + TTL_S, random=bytes(16), batch_digest=BATCH, tag=bytes(32))
    fields.update(changes)
    return Challenge(**fields).encode()


def with_bytes(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


@pytest.mark.parametrize("data, message", [
    # Layout v2: version, bits, family code, account length (byte 3), account (bytes 4..).
    (challenge_bytes(version=VERSION + 1), f"challenge field version: {VERSION + 1}, expected {VERSION}"),
    (challenge_bytes(bits=65), "challenge field bits: 65, expected 0..64"),
    (with_bytes(challenge_bytes(), 3, b"\x00"), "challenge field account: bad length or non-zero padding"),
    (with_bytes(challenge_bytes(), 3, bytes([ACCOUNT_BYTES + 1])),
     "challenge field account: bad length or non-zero padding"),
    (with_bytes(challenge_bytes(), 10, b"x"), "challenge field account: bad length or non-zero padding"),
    (challenge_bytes(issued_at_s=math.nan), "challenge field issued_at_s/expires_at_s: expected finite seconds"),
    (challenge_bytes(expires_at_s=math.inf), "challenge field issued_at_s/expires_at_s: expected finite seconds"),
    (with_bytes(challenge_bytes(), 4, b"\xff"), "challenge field account: expected UTF-8"),
])
def test_decode_names_the_bad_field(data, message):
    with pytest.raises(InputError) as err:
        Challenge.decode(data)
    assert str(err.value) == message


@pytest.mark.parametrize("changes", [{"bits": 64}, {"account": "a" * ACCOUNT_BYTES}, {"account": "é" * (ACCOUNT_BYTES // 2)}])
def test_decode_accepts_the_extremes(changes):
    data = challenge_bytes(**changes)
    assert Challenge.decode(data).encode() == data


def test_issue_accepts_the_longest_account_and_names_bad_input():
    hashcash, _ = issued(Clock())
    assert hashcash.issue("a" * ACCOUNT_BYTES, BATCH, 4).account == "a" * ACCOUNT_BYTES
    with pytest.raises(InputError) as err:
        hashcash.issue("a" * (ACCOUNT_BYTES + 1), BATCH, 4)
    assert str(err.value) == f"account {'a' * (ACCOUNT_BYTES + 1)!r}: expected 1..{ACCOUNT_BYTES} bytes of UTF-8"
    with pytest.raises(InputError) as err:
        hashcash.issue("alice", b"short", 4)
    assert str(err.value) == "batch digest: expected 32 bytes"


def test_a_challenge_is_remembered_up_to_its_last_valid_instant():
    ticks = [0.0]  # the cache's monotonic clock, moved with the wall clock
    cache = ReplayCache(lambda: ticks[0])
    assert cache.redeem(b"key", forget_at_s=10.0, now_s=0.0)
    ticks[0] = 10.0  # its review is due with 0 s left: kept (and reviewed once, not forever)
    assert not cache.redeem(b"key", forget_at_s=10.0, now_s=10.0)  # still valid at 10 s: a replay
    assert len(cache) == 1
    ticks[0] = 10.5
    assert cache.redeem(b"other", forget_at_s=20.0, now_s=10.5)
    assert len(cache) == 1  # "key" is forgotten once both clocks are past 10 s


@pytest.mark.parametrize("nonce, account, batch", [
    (None, "alice", BATCH), (b"1234567", "alice", BATCH), (b"12345678", b"alice", BATCH),
    (b"12345678", "alice", "digest"),
])
def test_a_valid_challenge_with_malformed_other_inputs_is_malformed(nonce, account, batch):
    hashcash, challenge = issued(Clock())
    assert hashcash.verify(challenge, nonce, account, batch) is Verdict.MALFORMED


def test_server_defaults_and_the_shortest_secret():
    hashcash = HashCash(SECRET[:16])
    assert (hashcash.ttl_s, hashcash.grace_s) == (300.0, 5.0)
    with pytest.raises(InputError, match="hashcash secret: expected at least 16 bytes"):
        HashCash(SECRET[:15])


@pytest.mark.parametrize("ttl_s, grace_s", [(0.0, 1.0), (math.inf, 1.0), (60.0, -1.0), (60.0, math.nan),
                                            (math.nan, 1.0), (60.0, math.inf)])
def test_server_refuses_an_impossible_window(ttl_s, grace_s):
    with pytest.raises(InputError) as err:
        HashCash(SECRET, ttl_s=ttl_s, grace_s=grace_s)
    assert str(err.value) == f"hashcash ttl_s={ttl_s}, grace_s={grace_s}: expected ttl_s > 0, grace_s >= 0"


def test_server_accepts_a_short_window_without_grace():
    hashcash = HashCash(SECRET, ttl_s=0.5, grace_s=0.0)
    assert (hashcash.ttl_s, hashcash.grace_s) == (0.5, 0.0)
