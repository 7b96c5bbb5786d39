"""The compiled SHA-256 against hashlib, the solver's trials, and the geometric law of trials."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from powsim.errors import InputError
from powsim.hashcash.protocol import has_leading_zeros
from powsim.hashcash.validate import geometric_ks_pvalue, parse_bits, validate
from powsim.hashcash.sha256 import LANES, Messages
from powsim.hashcash.solver import Solver


def first_by_hashlib(prefix: bytes, bits: int, start: int = 0) -> int:
    nonce = start
    while not has_leading_zeros(hashlib.sha256(prefix + nonce.to_bytes(8, "big")).digest(), bits):
        nonce += 1
    return nonce


@pytest.fixture(scope="module")
def solver():
    with Solver(2) as solver:
        yield solver


@settings(max_examples=200, deadline=None)
@given(prefix=st.binary(max_size=200), base=st.integers(0, 2**62 - LANES))
def test_compiled_sha256_matches_hashlib(prefix, base):
    digests = Messages([prefix]).digests(base)
    assert digests == [hashlib.sha256(prefix + (base + lane).to_bytes(8, "big")).digest()
                       for lane in range(LANES)]


@settings(max_examples=100, deadline=None)
@given(prefix=st.binary(max_size=200), bits=st.integers(0, 7), start=st.integers(0, 1000))
def test_search_finds_the_first_nonce(prefix, bits, start):
    assert Messages([prefix]).search(bits, start)[0] == first_by_hashlib(prefix, bits, start)


@settings(max_examples=30, deadline=None)
@given(prefixes=st.lists(st.binary(min_size=40, max_size=40), min_size=1, max_size=20), bits=st.integers(0, 6))
def test_search_of_many_messages_is_each_ones_search(prefixes, bits):
    assert list(Messages(prefixes).search(bits)) == [first_by_hashlib(p, bits) for p in prefixes]


def test_search_reports_no_nonce_within_its_range():
    assert Messages([b"x" * 160]).search(40, count=100)[0] == -1


def test_messages_of_different_lengths_are_refused():
    with pytest.raises(InputError):
        Messages([b"a", b"bb"])


@settings(max_examples=30, deadline=None)
@given(prefix=st.binary(min_size=160, max_size=160), bits=st.integers(0, 10))
def test_trials_are_the_first_nonce_whatever_the_workers(solver, prefix, bits):
    alone = Solver(1).solve(prefix, bits)
    together = solver.solve(prefix, bits)
    assert alone.nonce == together.nonce == first_by_hashlib(prefix, bits)
    assert alone.trials == together.trials == alone.nonce + 1
    assert together.hashes >= together.trials and alone.hashes == alone.trials


def test_solver_stops_on_its_event_and_its_timeout(solver):
    stop = threading.Event()
    stop.set()
    stopped = solver.solve(bytes(160), 60, stop=stop)
    assert stopped.nonce is None
    timed_out = solver.solve(bytes(160), 60, timeout_s=0.05)
    assert timed_out.nonce is None and timed_out.trials == timed_out.hashes > 0
    with pytest.raises(InputError):
        timed_out.nonce_bytes


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_solver_rejects_bad_workers(workers):
    with pytest.raises(InputError):
        Solver(workers)


def test_solver_trials_follow_the_geometric_law(solver):
    rng = np.random.default_rng(7)
    trials = np.array([solver.solve(rng.bytes(160), 7).trials for _ in range(600)])
    assert geometric_ks_pvalue(trials, 7, np.random.default_rng(1)) > 0.001
    # Mean 2^7, standard error sqrt(2^7 (2^7 - 1) / 600): within 4 of them.
    assert abs(trials.mean() - 128) < 4 * np.sqrt(128 * 127 / 600)


def test_randomised_ks_pvalue_is_uniform_under_the_geometric_law():
    rng = np.random.default_rng(3)
    pvalues = np.array([geometric_ks_pvalue(rng.geometric(2.0**-4, 200), 4, rng) for _ in range(400)])
    assert stats.kstest(pvalues, "uniform").pvalue > 0.001


def test_randomised_ks_rejects_a_wrong_law():
    rng = np.random.default_rng(4)
    assert geometric_ks_pvalue(rng.geometric(2.0**-5, 400), 4, rng) < 0.001


def test_validation_is_reproducible_and_matches_the_law():
    first, second = validate([4, 5, 6], 200, seed=11), validate([4, 5, 6], 200, seed=11)
    assert first.table["ks_pvalue"].tolist() == second.table["ks_pvalue"].tolist()
    assert all(np.array_equal(first.trials[k], second.trials[k]) for k in (4, 5, 6))
    assert (first.table["ks_pvalue"] > 0.001).all()
    assert list(first.table["expected_trials"]) == [16.0, 32.0, 64.0]


@pytest.mark.parametrize("text, expected", [("8:16", list(range(8, 17))), ("12", [12]), ("3:3", [3])])
def test_parse_bits(text, expected):
    assert parse_bits(text) == expected


@pytest.mark.parametrize("text", ["", "x", "9:3", "0:4", "8:40", "1:2:3", "8:"])
def test_parse_bits_rejects(text):
    with pytest.raises(InputError, match="^bits: "):  # the CLI shows it as option --bits
        parse_bits(text)


@settings(max_examples=30, deadline=None)
@given(prefix=st.binary(min_size=160, max_size=160), bits=st.integers(6, 10))
def test_small_chunks_on_many_workers_still_find_the_first_nonce(prefix, bits):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("powsim.hashcash.solver.FIRST_CHUNK", 16)
        patch.setattr("powsim.hashcash.solver.LAST_CHUNK", 64)
        with Solver(4) as many:
            solution = many.solve(prefix, bits)
    assert solution.nonce == first_by_hashlib(prefix, bits)


def test_ctrl_c_stops_a_hard_search_and_every_worker(ctrl_c_after):
    # 2^-40 per trial: hours of work. An interrupt must end solve() within a chunk or so, and
    # leave no helper searching (the next puzzle is solved by the same, idle, solver).
    with Solver(2) as solver:
        ctrl_c_after(0.2)
        with pytest.raises(KeyboardInterrupt):
            solver.solve(b"x" * 160, 40, timeout_s=120)  # never hangs
        assert solver.solve(b"y" * 160, 4).nonce is not None
