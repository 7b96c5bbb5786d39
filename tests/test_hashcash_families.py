"""Puzzle families in the protocol: the family and its parameters are signed, verification
hashes under the signed family, and parameters outside the libraries' ranges are refused."""

from __future__ import annotations

import dataclasses
import hashlib
import threading

import numpy as np
import pandas as pd
import pytest
from argon2.low_level import Type, hash_secret_raw
from hypothesis import given, settings
from hypothesis import strategies as st

from powsim.errors import InputError, ParameterError
from powsim.hashcash.families import FAMILIES, Argon2id, Scrypt, Sha256, decode_puzzle, puzzle
from powsim.hashcash.family_solver import FamilySolver
from powsim.hashcash.protocol import Challenge, HashCash, Verdict, batch_digest, has_leading_zeros

SECRET = b"0123456789abcdef-test-secret"
BATCH = batch_digest(b"queries")
# Tiny memory so a trial costs microseconds: the protocol does not depend on the size.
TINY = {"sha256": Sha256(), "argon2id": Argon2id(memory_kib=8, iterations=1, parallelism=1),
        "scrypt": Scrypt(n=16, r=1, p=1)}
families = st.sampled_from(sorted(TINY))


def server(seed: int = 0) -> HashCash:
    return HashCash(SECRET, clock=lambda: 1000.0, random_bytes=np.random.default_rng(seed).bytes)


def first_nonce(challenge: bytes, bits: int, family: str, not_under: str | None = None) -> bytes:
    """The first nonce whose digest under ``family`` has ``bits`` zero bits (and, with
    ``not_under``, whose digest under that family has not)."""
    for nonce in range(1 << 16):
        candidate = nonce.to_bytes(8, "big")
        if has_leading_zeros(TINY[family].digest(challenge, candidate), bits) and not (
                not_under and has_leading_zeros(TINY[not_under].digest(challenge, candidate), bits)):
            return candidate
    raise AssertionError("no nonce found")


def test_registry_lists_every_family():
    assert sorted(FAMILIES) == ["argon2id", "scrypt", "sha256"]
    assert len({cls.code for cls in FAMILIES.values()}) == len(FAMILIES)


def test_digests_are_the_libraries_own():
    challenge, nonce = bytes(range(160)), b"\x00" * 7 + b"\x05"
    assert TINY["sha256"].digest(challenge, nonce) == hashlib.sha256(challenge + nonce).digest()
    assert TINY["argon2id"].digest(challenge, nonce) == hash_secret_raw(nonce, challenge, 1, 8, 1, 32, Type.ID)
    assert TINY["scrypt"].digest(challenge, nonce) == hashlib.scrypt(nonce, salt=challenge, n=16, r=1, p=1,
                                                                     dklen=32)
    assert len({TINY[name].digest(challenge, nonce) for name in TINY}) == 3


@settings(max_examples=30, deadline=None)
@given(family=families, bits=st.integers(0, 5), seed=st.integers(0, 2**32))
def test_a_solution_verifies_under_its_own_family(family, bits, seed):
    hashcash = server(seed)
    challenge = hashcash.issue("alice", BATCH, bits, TINY[family])
    assert Challenge.decode(challenge.encode()).puzzle == TINY[family]
    nonce = first_nonce(challenge.encode(), bits, family)
    assert hashcash.verify(challenge.encode(), nonce, "alice", BATCH) is Verdict.OK


@settings(max_examples=30, deadline=None)
@given(issued=families, other=families, bits=st.integers(3, 6), seed=st.integers(0, 2**32))
def test_a_nonce_meeting_the_bits_under_another_family_is_refused(issued, other, bits, seed):
    if issued == other:
        return
    hashcash = server(seed)
    challenge = hashcash.issue("alice", BATCH, bits, TINY[issued]).encode()
    nonce = first_nonce(challenge, bits, other, not_under=issued)
    assert hashcash.verify(challenge, nonce, "alice", BATCH) is Verdict.WORK


@settings(max_examples=60, deadline=None)
@given(family=families, seed=st.integers(0, 2**32), offset=st.sampled_from([1, 2, *range(52, 64)]),
       flip=st.integers(1, 255))
def test_tampering_with_the_family_or_its_parameters_is_refused(family, seed, offset, flip):
    """Offsets 1, 2 and 52..63: the bits, the family code and the family's parameters."""
    hashcash = server(seed)
    challenge = bytearray(hashcash.issue("alice", BATCH, 0, TINY[family]).encode())
    nonce = first_nonce(bytes(challenge), 0, family)
    challenge[offset] ^= flip
    assert hashcash.verify(bytes(challenge), nonce, "alice", BATCH) is Verdict.TAG


@pytest.mark.parametrize("family", sorted(TINY))
def test_an_honestly_relabelled_challenge_is_refused(family):
    """Re-signing is impossible without the secret: a challenge re-encoded with another family
    and the original tag fails the tag check."""
    hashcash = server()
    issued = hashcash.issue("alice", BATCH, 0, TINY[family])
    for other in TINY.values():
        if other != issued.puzzle:
            relabelled = Challenge(**{**issued.__dict__, "puzzle": other}).encode()
            assert hashcash.verify(relabelled, b"\x00" * 8, "alice", BATCH) is Verdict.TAG


@pytest.mark.parametrize("name, parameters, named", [
    ("blake3", {}, "puzzle"),
    ("sha256", {"memory_kib": 64}, "memory_kib"),
    ("argon2id", {"memory_kib": 7}, "memory_kib"),
    ("argon2id", {"memory_kib": 16, "parallelism": 4}, "memory_kib"),
    ("argon2id", {"memory_kib": 2**32}, "memory_kib"),
    ("argon2id", {"iterations": 0}, "iterations"),
    ("argon2id", {"parallelism": 0}, "parallelism"),
    ("argon2id", {"iterations": True}, "iterations"),
    ("scrypt", {"n": 1000}, "n"),
    ("scrypt", {"n": 1}, "n"),
    ("scrypt", {"n": 2**24, "r": 8}, "n"),  # 16 GiB: over hashlib.scrypt's maxmem
    ("scrypt", {"r": 0}, "r"),
    ("scrypt", {"n": 2**16, "r": 1}, "n"),  # RFC 7914: N < 2^(16 r)
    ("scrypt", {"p": 2**24, "r": 2**7}, "p"),
])
def test_parameters_outside_the_libraries_ranges_name_the_parameter(name, parameters, named):
    with pytest.raises(ParameterError) as caught:
        puzzle(name, **parameters)
    assert caught.value.template.startswith(f"{{{named}}}")


def test_decoding_refuses_unknown_codes_and_stray_parameters():
    with pytest.raises(ParameterError):
        decode_puzzle(9, (0, 0, 0))
    with pytest.raises(ParameterError):
        decode_puzzle(Sha256.code, (1, 0, 0))
    assert decode_puzzle(Scrypt.code, (32, 2, 1)) == Scrypt(32, 2, 1)


def test_issue_refuses_what_is_not_a_puzzle():
    with pytest.raises(InputError):
        server().issue("alice", BATCH, 1, "argon2id")


@pytest.mark.parametrize("family", ["argon2id", "scrypt"])
@pytest.mark.parametrize("workers", [1, 3])
def test_solver_finds_the_first_nonce_in_order(family, workers):
    challenge = server().issue("alice", BATCH, 4, TINY[family]).encode()
    with FamilySolver(TINY[family], workers) as solver:
        solution = solver.solve(challenge, 4)
    assert solution.nonce_bytes == first_nonce(challenge, 4, family)
    assert solution.trials == solution.nonce + 1 <= solution.hashes
    assert server().verify(challenge, solution.nonce_bytes, "alice", BATCH) is Verdict.OK


def test_solver_stops_on_the_event_and_the_timeout():
    challenge = bytes(160)
    stop = threading.Event()
    stop.set()
    with FamilySolver(TINY["argon2id"], 2) as solver:
        assert solver.solve(challenge, 64, stop=stop).nonce is None
        timed = solver.solve(challenge, 64, timeout_s=0.05)
    assert timed.nonce is None and timed.hashes > 0 and timed.seconds < 1.0


def test_ctrl_c_stops_a_hard_family_search_and_every_worker(ctrl_c_after):
    # 2^-40 per trial: forever. The interrupt must end solve() and leave no helper hashing
    # (the next puzzle is solved by the same, idle, solver).
    with FamilySolver(TINY["scrypt"], 2) as solver:
        ctrl_c_after(0.2)
        with pytest.raises(KeyboardInterrupt):
            solver.solve(b"x" * 160, 40, timeout_s=120)  # never hangs
        assert solver.solve(b"y" * 160, 2).nonce is not None


def test_validate_family_matches_the_geometric_law_and_the_rate(cli, tmp_path, monkeypatch):
    """KS p-values and the time columns of a small Argon2id run. Every p-value > 0.001 (a false
    alarm per k has probability 0.001). The time ratio is a timing of this machine, so its
    10 % goal is measured by ``benchmarks/bench_puzzles.py``; here the table's law is checked:
    predicted time = mean trials / H (H measured beside each k) and ratio = measured / predicted."""
    monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path / "cache"))
    result = cli("hashcash", "validate", "--puzzle", "argon2id", "--memory-kib", "256", "--iterations", "1",
                 "--bits", "2:4", "--samples", "60", "--out", tmp_path / "v")
    assert result.code == 0, result.err
    table = pd.read_csv(tmp_path / "v" / "validate.csv")
    assert (table["puzzle"] == "argon2id").all() and (table["memory_kib"] == 256).all()
    assert list(table["bits"]) == [2, 3, 4]
    assert (table["ks_pvalue"] > 0.001).all()
    rate_hz = table["mean_trials"] / table["predicted_time_s"]
    assert rate_hz.gt(0).all() and table["mean_time_s"].gt(0).all()
    assert table["time_ratio"].to_numpy() == pytest.approx((table["mean_time_s"] / table["predicted_time_s"]).to_numpy())


def test_bench_stores_the_local_family_rate_and_the_model_reads_it(cli, tmp_path, monkeypatch):
    from powsim.hashcash.hardware import PROFILES
    from powsim.hashcash.family_rate import load_family_rates
    from powsim.hashcash.rates import family_rate_hz
    monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path / "cache"))
    result = cli("hashcash", "bench", "--puzzle", "scrypt", "--n", "64", "--r", "1", "--seconds", "1",
                 "--workers", "1")
    assert result.code == 0, result.err
    rate, measured = load_family_rates()["scrypt"]
    assert measured == Scrypt(n=64, r=1, p=1) and rate > 0
    local = dataclasses.replace(PROFILES["server-cpu"], name="local")
    assert family_rate_hz(local, Scrypt(n=128, r=1, p=1)) == pytest.approx(rate / 2)


@pytest.mark.parametrize("family", ["argon2id", "scrypt"])
def test_a_memory_hard_challenge_costs_the_server_one_hash(family, monkeypatch):
    """A flood of wrong nonces on one challenge: the first is hashed and burns the challenge,
    the rest are refused as replays without hashing; then even the right nonce is refused."""
    hashcash = server()
    challenge = hashcash.issue("alice", BATCH, 3, TINY[family]).encode()
    right = first_nonce(challenge, 3, family)
    wrong = next(n.to_bytes(8, "big") for n in range(1 << 10)
                 if not has_leading_zeros(TINY[family].digest(challenge, n.to_bytes(8, "big")), 3))
    hashed = []
    original = type(TINY[family]).digest
    monkeypatch.setattr(type(TINY[family]), "digest", lambda self, c, n: hashed.append(n) or original(self, c, n))
    verdicts = [hashcash.verify(challenge, wrong, "alice", BATCH) for _ in range(5)]
    assert verdicts == [Verdict.WORK] + [Verdict.REPLAY] * 4 and len(hashed) == 1
    assert hashcash.verify(challenge, right, "alice", BATCH) is Verdict.REPLAY
