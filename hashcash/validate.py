"""Validate the sampled timing model on real hashes: trials ~ Geometric(2^-k), time = trials / H.

For each k, ``samples`` challenges are issued by a real :class:`HashCash` server, solved
on one core and verified. Their trials are tested against Geometric(2^-k) with a
Kolmogorov-Smirnov test made exact by a randomised probability integral transform:
with F the geometric CDF, U = F(t - 1) + V (F(t) - F(t - 1)), V ~ Uniform(0, 1), is
exactly Uniform(0, 1) for geometric t, so KS against the uniform law gives an exact
p-value. (KS on the raw discrete trials would be conservative: p-values too large.)

Times are CPU seconds of the solving thread. The hash rate H that predicts them is
measured in slices of the same work interleaved with the puzzles, so both see the
same machine (other processes, clock speed). Puzzles are solved in one compiled loop
per slice (:meth:`~powsim.hashcash.sha256.Messages.search`), their midstates prepared
before the clock starts: the interpreter's few microseconds per call would otherwise
dominate a puzzle of 2^8 trials (about 10 microseconds) and measure Python rather than
the model. What remains is the model's: the lanes of the last group of 16 nonces
hashed past the answer add about 8 / 2^k (3 % at k = 8). Trials are the same as the
multi-core solver's, which finds the same first nonce.

Everything random (server secret, challenge bytes, V) comes from ``seed``, and the
server's clock is fixed, so the trials and p-values repeat exactly for a seed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from powsim import progress as bars
from powsim.errors import ParameterError
from powsim.hashcash.protocol import CHALLENGE_BYTES, HashCash, batch_digest
from powsim.hashcash.hashrate import kernel_cpu_seconds
from powsim.hashcash.sha256 import NONCE_BYTES, Messages

COLUMNS = ["bits", "samples", "mean_trials", "expected_trials", "ks_pvalue", "mean_time_s",
           "predicted_time_s", "time_ratio"]
VALIDATE_MAX_BITS = 28  # 2^28 trials take seconds per puzzle, and a compiled loop cannot be interrupted
SLICE_TRIALS = 1 << 16  # expected trials per slice of puzzles: about 2 milliseconds
ACCOUNT = "validate"


@dataclasses.dataclass(frozen=True)
class Validation:
    """The table (``COLUMNS``, one row per k), every puzzle's trials per k, and the hash rate (Hz)."""

    table: pd.DataFrame
    trials: dict[int, np.ndarray]
    hash_rate_hz: float


def parse_bits(text: str) -> list[int]:
    """``"8:16"`` (inclusive) or ``"12"`` as a list of k; :class:`ParameterError` naming ``bits``."""
    try:
        low, colon, high = text.partition(":")
        first, last = int(low), int(high if colon else low)
    except ValueError:
        raise ParameterError(f"{{bits}}: {text!r}, expected K or FIRST:LAST (e.g. 8:16)") from None
    if not 1 <= first <= last <= VALIDATE_MAX_BITS:
        raise ParameterError(f"{{bits}}: {text!r}, expected 1 <= FIRST <= LAST <= {VALIDATE_MAX_BITS}")
    return list(range(first, last + 1))


def geometric_ks_pvalue(trials: np.ndarray, bits: int, rng: np.random.Generator) -> float:
    """Exact KS p-value of ``trials`` (int, >= 1) against Geometric(2^-bits), randomised PIT."""
    from scipy import stats  # here, not at import: scipy.stats alone costs ~0.4 s to import

    law = stats.geom(2.0**-bits)
    uniform = law.cdf(trials - 1) + rng.random(len(trials)) * law.pmf(trials)
    return float(stats.kstest(uniform, "uniform").pvalue)


def _solve(server: HashCash, bits: int, samples: int) -> tuple[np.ndarray, float, float]:
    """Issue, solve and verify ``samples`` puzzles of ``bits``: (trials, solve CPU seconds,
    hash rate in Hz measured in slices interleaved with the solving)."""
    per_slice = max(1, SLICE_TRIALS >> bits)
    trials, solve_s, rate_s, rate_hashes = [], 0.0, 0.0, 0
    for first in range(0, samples, per_slice):
        count = min(per_slice, samples - first)
        batches = [batch_digest(f"bits={bits} sample={first + i}".encode()) for i in range(count)]
        challenges = [server.issue(ACCOUNT, batch, bits).encode() for batch in batches]
        messages = Messages(challenges)
        rate_s += kernel_cpu_seconds(count << bits)
        rate_hashes += count << bits
        began = time.thread_time()
        nonces = messages.search(bits)
        solve_s += time.thread_time() - began
        for challenge, batch, nonce in zip(challenges, batches, nonces):
            verdict = server.verify(challenge, int(nonce).to_bytes(NONCE_BYTES, "big"), ACCOUNT, batch)
            if not verdict.ok:
                raise RuntimeError(f"a solved {bits}-bit puzzle failed verification: {verdict.value}")
        trials.append(nonces + 1)
    return np.concatenate(trials), solve_s, rate_hashes / rate_s


def validate(bits: list[int], samples: int, seed: int = 0, progress: bool = False) -> Validation:
    """Solve ``samples`` real puzzles for each k in ``bits`` and compare with the geometric model
    (with ``progress``, a bar of the trials)."""
    if samples < 2:
        raise ParameterError(f"{{samples}}: {samples}, expected at least 2")
    server, pit_rng = seeded_server(seed)
    Messages([bytes(CHALLENGE_BYTES)]).search(0)  # compile before anything is timed
    return collect(bits, samples, lambda k: _solve(server, k, samples), pit_rng, progress)


def seeded_server(seed: int) -> tuple[HashCash, np.random.Generator]:
    """A server whose secret and challenges come from ``seed`` (its clock fixed at 0), and the
    generator of the KS test's randomisation, on streams of their own."""
    challenge_seed, pit_seed = np.random.SeedSequence(seed).spawn(2)
    challenge_rng, pit_rng = np.random.default_rng(challenge_seed), np.random.default_rng(pit_seed)
    return HashCash(challenge_rng.bytes(32), clock=lambda: 0.0, random_bytes=challenge_rng.bytes), pit_rng


def collect(bits: list[int], samples: int, solve: Callable[[int], tuple[np.ndarray, float, float]],
            pit_rng: np.random.Generator, progress: bool = False) -> Validation:
    """The validation of ``solve(k)`` for each k in ``bits``: it returns the trials of
    ``samples`` puzzles, their solve CPU seconds and the hash rate (Hz) measured beside them.
    With ``progress``, a bar of the expected trials (samples x 2^k per k)."""
    rows, trials_by_bits, hashes, seconds = [], {}, 0.0, 0.0
    with bars.bar(samples * sum(2**k for k in bits), "validate", "trial", enabled=progress) as bar:
        for k in bits:
            trials, solve_s, rate_hz = solve(k)
            predicted_s = trials.mean() / rate_hz
            rows.append({"bits": k, "samples": samples, "mean_trials": trials.mean(),
                         "expected_trials": 2.0**k,
                         "ks_pvalue": geometric_ks_pvalue(trials, k, pit_rng),
                         "mean_time_s": solve_s / samples, "predicted_time_s": predicted_s,
                         "time_ratio": solve_s / samples / predicted_s})
            trials_by_bits[k] = trials
            hashes, seconds = hashes + trials.sum(), seconds + trials.sum() / rate_hz
            bar.update(samples * 2**k)
    return Validation(pd.DataFrame(rows, columns=COLUMNS), trials_by_bits, hashes / seconds)
