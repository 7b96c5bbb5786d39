"""Solve times: the defaults, the model each option selects with its exact error line, and
how a real-hash puzzle's seconds are counted (wall clock on this machine's own profile,
trials over hash rate on any other)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from powsim.errors import InputError
from powsim.hashcash.hardware import LOCAL, Hardware
from powsim.sim.solve_time import (REAL_MAX_BITS, ExpectedTrials, GeometricTrials, RealHashTrials, solve_model,
                              solve_puzzle, solve_time_s)


def test_defaults_are_one_sub_solution_and_one_solver():
    assert solve_model("expected").sample(5, np.random.default_rng(0)) == 32.0
    assert solve_time_s(100.0, 10.0) == 10.0
    assert solve_time_s(100.0, 10.0, solvers=4) == 2.5


@pytest.mark.parametrize("mode, hashing, model", [
    ("expected", "sampled", ExpectedTrials(3)), ("sampled", "sampled", GeometricTrials(3)),
    ("sampled", "real", RealHashTrials()),
])
def test_each_option_selects_its_model(mode, hashing, model):
    assert solve_model(mode, 3, hashing) == model


@pytest.mark.parametrize("mode, hashing, message", [
    ("sampled", "fake", "hashing: 'fake', expected one of sampled, real"),
    ("expected", "real", "hashing real: needs mode sampled, not 'expected' (real trials are random)"),
    ("exact", "sampled", "mode: 'exact', expected one of expected, sampled"),
])
def test_bad_options_name_the_parameter_and_the_choices(mode, hashing, message):
    # The whole line, which cli.py shows with option names (--hash, --mode).
    with pytest.raises(InputError) as err:
        solve_model(mode, 1, hashing)
    assert str(err.value) == message


class Recorded(RealHashTrials):
    """A real-hash model that records how it was asked and answers 123 trials in 0.5 s."""

    def solve(self, challenges, bits, workers):
        self.asked = (tuple(challenges), bits, workers)
        return 123.0, 0.5, (b"nonce-01",)


@pytest.mark.parametrize("name, workers, seconds", [
    (LOCAL, 4, 0.5),                       # this machine: its 4 solvers, the wall clock
    ("remote", 1, 123.0 / (100.0 * 4)),    # a profile: trials / (H x solvers)
])
def test_real_puzzle_seconds(name, workers, seconds):
    model = Recorded()
    trials, solve_s, nonces = solve_puzzle(model, 7, [b"c" * 160], np.random.default_rng(0),
                                           Hardware(name, 100.0, 0.0, 0.0), solvers=4)
    assert model.asked == ((b"c" * 160,), 7, workers)
    assert (trials, solve_s, nonces) == (123.0, pytest.approx(seconds), (b"nonce-01",))


def test_sampled_puzzle_seconds_use_every_solver():
    trials, solve_s, nonces = solve_puzzle(ExpectedTrials(), 6, [], np.random.default_rng(0),
                                           Hardware("remote", 16.0, 0.0, 0.0), solvers=2)
    assert (trials, solve_s, nonces) == (64.0, 2.0, ())


def test_real_solve_returns_valid_nonces_and_counts_their_trials():
    challenges = [bytes([i]) * 160 for i in range(3)]
    trials, seconds, nonces = RealHashTrials().solve(challenges, 6, workers=1)
    assert len(nonces) == 3 and seconds >= 0
    for challenge, nonce in zip(challenges, nonces):
        assert int.from_bytes(hashlib.sha256(challenge + nonce).digest(), "big") < 1 << (256 - 6)
    # Trials are each first winning nonce's position (nonces count from 0), summed.
    assert trials == sum(int.from_bytes(n, "big") + 1 for n in nonces)


def test_real_hashing_stops_at_its_limit():
    with pytest.raises(InputError, match=f"a puzzle of {REAL_MAX_BITS + 1} bits; real hashing stops at "
                                         f"{REAL_MAX_BITS} bits"):
        RealHashTrials().solve([b"c" * 160], REAL_MAX_BITS + 1, workers=1)


def test_real_hashing_goes_up_to_its_limit():
    trials, _, (nonce,) = RealHashTrials().solve([b"d" * 160], REAL_MAX_BITS, workers=2)
    digest = hashlib.sha256(b"d" * 160 + nonce).digest()
    assert int.from_bytes(digest, "big") < 1 << (256 - REAL_MAX_BITS) and trials >= 1
