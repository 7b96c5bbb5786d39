"""HashCash challenges: issue, solve, verify, and every way a solution must be refused."""

from __future__ import annotations

import dataclasses
import hashlib
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powsim.errors import InputError
from powsim.hashcash.protocol import (ACCOUNT_BYTES, CHALLENGE_BYTES, Challenge, HashCash, ReplayCache, Verdict,
                                 batch_digest, has_leading_zeros)
from powsim.hashcash.solver import Solver

SECRET = b"0123456789abcdef-test-secret"
accounts = st.text(min_size=1, max_size=20).filter(lambda a: len(a.encode()) <= ACCOUNT_BYTES)


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def server(clock: Clock | None = None, seed: int = 0) -> HashCash:
    return HashCash(SECRET, ttl_s=60.0, grace_s=2.0, clock=clock or Clock(),
                    random_bytes=np.random.default_rng(seed).bytes)


@pytest.fixture(scope="module")
def solver():
    with Solver(2) as solver:
        yield solver


def solved(hashcash: HashCash, solver: Solver, account: str = "alice", batch: bytes = b"queries",
           bits: int = 6) -> tuple[bytes, bytes]:
    challenge = hashcash.issue(account, batch_digest(batch), bits).encode()
    return challenge, solver.solve(challenge, bits).nonce_bytes


def verdict(hashcash: HashCash, challenge: bytes, nonce: bytes, account: str = "alice",
            batch: bytes = b"queries") -> Verdict:
    return hashcash.verify(challenge, nonce, account, batch_digest(batch))


@settings(max_examples=40, deadline=None)
@given(account=accounts, batch=st.binary(max_size=64), bits=st.integers(0, 10), seed=st.integers(0, 2**32))
def test_any_solver_output_verifies(solver, account, batch, bits, seed):
    hashcash = server(seed=seed)
    challenge, nonce = solved(hashcash, solver, account, batch, bits)
    assert has_leading_zeros(hashlib.sha256(challenge + nonce).digest(), bits)
    assert hashcash.verify(challenge, nonce, account, batch_digest(batch)) is Verdict.OK


@settings(max_examples=40, deadline=None)
@given(account=accounts, bits=st.integers(0, 64), seed=st.integers(0, 2**32))
def test_challenge_bytes_round_trip(account, bits, seed):
    challenge = server(seed=seed).issue(account, batch_digest(b"q"), bits)
    encoded = challenge.encode()
    assert len(encoded) == CHALLENGE_BYTES
    assert Challenge.decode(encoded) == challenge


FIELD_CHANGES = {
    "version": st.sampled_from([0, 2, 255]),
    "bits": st.integers(0, 64),
    "account": accounts,
    "issued_at_s": st.floats(allow_nan=False, allow_infinity=False),
    "expires_at_s": st.floats(allow_nan=False, allow_infinity=False),
    "random": st.binary(min_size=16, max_size=16),
    "batch_digest": st.binary(min_size=32, max_size=32),
    "tag": st.binary(min_size=32, max_size=32),
}


@settings(max_examples=100, deadline=None)
@given(data=st.data(), field=st.sampled_from(sorted(FIELD_CHANGES)))
def test_any_change_to_any_field_is_rejected(solver, data, field):
    hashcash = server()
    original = hashcash.issue("alice", batch_digest(b"q"), 4)
    value = data.draw(FIELD_CHANGES[field].filter(lambda v: v != getattr(original, field)))
    altered = dataclasses.replace(original, **{field: value}).encode()
    nonce = solver.solve(altered, 4).nonce_bytes  # real work on the altered bytes
    assert hashcash.verify(altered, nonce, "alice", batch_digest(b"q")) is Verdict.TAG


@settings(max_examples=100, deadline=None)
@given(position=st.integers(0, CHALLENGE_BYTES - 1), flip=st.integers(1, 255))
def test_any_changed_byte_is_rejected(solver, position, flip):
    hashcash = server()
    challenge, nonce = solved(hashcash, solver)
    altered = bytearray(challenge)
    altered[position] ^= flip
    assert verdict(hashcash, bytes(altered), nonce) is Verdict.TAG
    assert verdict(hashcash, challenge, nonce) is Verdict.OK


def test_too_few_zero_bits_is_rejected():
    hashcash = server()
    challenge = hashcash.issue("alice", batch_digest(b"q"), 12).encode()
    short = next(n.to_bytes(8, "big") for n in range(1 << 16)
                 if has_leading_zeros(hashlib.sha256(challenge + n.to_bytes(8, "big")).digest(), 8)
                 and not has_leading_zeros(hashlib.sha256(challenge + n.to_bytes(8, "big")).digest(), 12))
    assert hashcash.verify(challenge, short, "alice", batch_digest(b"q")) is Verdict.WORK


def test_expiry_honours_the_clock_skew_grace(solver):
    clock = Clock()
    hashcash = server(clock)
    challenge, nonce = solved(hashcash, solver)
    clock.now += 60.0 + 2.5
    assert verdict(hashcash, challenge, nonce) is Verdict.EXPIRED
    clock.now -= 1.0  # within the grace
    assert verdict(hashcash, challenge, nonce) is Verdict.OK


@pytest.mark.parametrize("broken", [float("nan"), float("inf"), float("-inf")])
def test_a_broken_clock_fails_closed(solver, broken):
    clock = Clock()
    hashcash = server(clock)
    challenge, nonce = solved(hashcash, solver)
    clock.now = broken  # NaN compares false with everything: it must not pass the window
    assert verdict(hashcash, challenge, nonce) is Verdict.EXPIRED
    clock.now = 1_000.0  # the challenge was never redeemed: it still verifies once the clock is back
    assert verdict(hashcash, challenge, nonce) is Verdict.OK


def test_a_shared_replay_store_refuses_what_another_server_redeemed(solver):
    shared = ReplayCache()
    first, second = (HashCash(SECRET, ttl_s=60.0, clock=Clock(), replay=shared) for _ in range(2))
    challenge, nonce = solved(first, solver)
    assert verdict(first, challenge, nonce) is Verdict.OK
    assert verdict(second, challenge, nonce) is Verdict.REPLAY


def test_challenge_from_the_future_is_rejected(solver):
    clock = Clock()
    hashcash = server(clock)
    challenge, nonce = solved(hashcash, solver)
    clock.now -= 3.0
    assert verdict(hashcash, challenge, nonce) is Verdict.NOT_YET_VALID


def test_wrong_account_and_wrong_batch_are_rejected(solver):
    hashcash = server()
    challenge, nonce = solved(hashcash, solver)
    assert verdict(hashcash, challenge, nonce, account="mallory") is Verdict.ACCOUNT
    assert verdict(hashcash, challenge, nonce, batch=b"other") is Verdict.BATCH
    assert verdict(hashcash, challenge, nonce) is Verdict.OK


def test_replay_is_rejected(solver):
    hashcash = server()
    challenge, nonce = solved(hashcash, solver)
    assert verdict(hashcash, challenge, nonce) is Verdict.OK
    assert verdict(hashcash, challenge, nonce) is Verdict.REPLAY


@pytest.mark.parametrize("round_", range(20))
def test_replay_from_many_threads_at_once_redeems_once(solver, round_):
    hashcash = server(seed=round_)
    challenge, nonce = solved(hashcash, solver)
    start = threading.Barrier(8)
    verdicts: list[Verdict] = []

    def redeem() -> None:
        start.wait()
        verdicts.append(verdict(hashcash, challenge, nonce))
    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(v.name for v in verdicts) == ["OK"] + ["REPLAY"] * 7


def test_replay_cache_forgets_expired_entries_and_never_reopens_them():
    ticks = Clock(0.0)  # the cache's monotonic clock
    cache = ReplayCache(ticks)
    assert cache.redeem(b"a", forget_at_s=10.0, now_s=0.0)
    assert cache.redeem(b"b", forget_at_s=20.0, now_s=0.0)
    assert not cache.redeem(b"a", forget_at_s=10.0, now_s=5.0)
    ticks.now = 15.0
    assert cache.redeem(b"c", forget_at_s=30.0, now_s=15.0)
    assert len(cache) == 2  # "a" is forgotten
    ticks.now = 16.0
    assert not cache.redeem(b"b", forget_at_s=20.0, now_s=5.0)  # the wall clock stepped back


def test_a_forward_clock_jump_does_not_lock_out_fresh_solutions(solver):
    clock, ticks = Clock(1_000.0), Clock(0.0)
    hashcash = HashCash(SECRET, ttl_s=60.0, grace_s=2.0, clock=clock, monotonic=ticks,
                        random_bytes=np.random.default_rng(0).bytes)
    clock.now = 1e9  # one wrong reading far in the future...
    challenge, nonce = solved(hashcash, solver, batch=b"q0", bits=4)
    assert verdict(hashcash, challenge, nonce, batch=b"q0").ok
    clock.now, ticks.now = 1_010.0, 1.0  # ...then the clock is right again
    for batch in (b"q1", b"q2", b"q3"):
        challenge, nonce = solved(hashcash, solver, batch=batch, bits=4)
        assert verdict(hashcash, challenge, nonce, batch=batch) is Verdict.OK
        assert verdict(hashcash, challenge, nonce, batch=batch) is Verdict.REPLAY


@pytest.mark.parametrize("secret", [bytes(32), b"ab" * 16, bytes(range(7)) * 3])
def test_a_low_entropy_secret_is_refused(secret):
    with pytest.raises(InputError, match="distinct byte values"):
        HashCash(secret)


garbage = st.one_of(st.none(), st.integers(), st.floats(), st.text(), st.binary(), st.lists(st.integers()),
                    st.binary(min_size=CHALLENGE_BYTES, max_size=CHALLENGE_BYTES), st.binary(min_size=8, max_size=8))


@settings(max_examples=300, deadline=None)
@given(challenge=garbage, nonce=garbage, account=garbage, batch=garbage)
def test_verification_never_raises_on_garbage(challenge, nonce, account, batch):
    verdict = server().verify(challenge, nonce, account, batch)
    assert isinstance(verdict, Verdict) and not verdict.ok


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=2 * CHALLENGE_BYTES))
def test_decode_names_the_problem_of_any_bytes(data):
    try:
        decoded = Challenge.decode(data)
    except InputError as err:
        assert str(err).startswith("challenge")
    else:  # what decodes is exactly what those bytes encode
        assert decoded.encode() == data


@pytest.mark.parametrize("account, batch, bits", [
    ("", batch_digest(b"q"), 4), ("x" * 62, batch_digest(b"q"), 4), ("alice", b"short", 4),
    ("alice", batch_digest(b"q"), 65), ("alice", batch_digest(b"q"), -1), ("alice", batch_digest(b"q"), True),
])
def test_issue_rejects_bad_input(account, batch, bits):
    with pytest.raises(InputError):
        server().issue(account, batch, bits)


def test_server_rejects_a_short_secret():
    with pytest.raises(InputError, match="secret"):
        HashCash(b"short")
