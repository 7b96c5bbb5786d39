"""Interactive binary HashCash: the server issues a challenge, the client finds a nonce.

A challenge unlocks one batch of queries for one account. The client must find a nonce
(8 bytes) whose digest under the challenge's puzzle family (SHA-256(challenge bytes ||
nonce) by default; Argon2id or scrypt, see :mod:`powsim.hashcash.families`) starts
with ``bits`` zero bits; the server sets ``bits``, the family and its parameters when it
issues the challenge and signs them, so a client can neither lower the work nor reuse a
challenge for another account, batch or time.

Byte layout of a challenge (160 bytes, fixed width; integers and floats big-endian):

    offset  size  field
         0     1  version, 2
         1     1  bits: leading zero bits required, 0..64
         2     1  puzzle family code (0 sha256, 1 argon2id, 2 scrypt)
         3     1  n: length of the account id in bytes, 1..48
         4    48  account id: n bytes of UTF-8, then zero bytes
        52    12  the family's parameters: three unsigned 32-bit integers, unused ones 0
        64     8  issued_at_s: IEEE-754 binary64, seconds on the server's clock
        72     8  expires_at_s: same
        80    16  random bytes (unique per challenge)
        96    32  batch digest: SHA-256 of the query batch the challenge unlocks
       128    32  tag: HMAC-SHA256 under the server's secret of bytes 0..127

Every field has a fixed offset, so no two field values share an encoding. 160 bytes
leave the nonce and SHA-256 padding in one final block, so a trial costs one
compression after the midstate (see :mod:`powsim.hashcash.sha256`).

Verification does the cheap checks first (types and sizes, the tag in constant time,
the validity window with a clock-skew grace, account, batch), then the hash, then
redeems the challenge at most once (in its own :class:`ReplayCache`, or in a ``replay`` store
shared by several servers); a clock that reads NaN or infinity fails closed (``EXPIRED``); under a memory-hard family it redeems before the
hash, so each challenge costs the server at most one such hash. It never raises: it
returns a :class:`Verdict`.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import heapq
import hmac
import math
import secrets
import struct
import threading
import time
from collections.abc import Callable
from typing import Protocol

from powsim.errors import InputError, ParameterError
from powsim.hashcash.families import Puzzle, Sha256, decode_puzzle
from powsim.hashcash.sha256 import KERNEL_MAX_BITS, NONCE_BYTES, check_bits

VERSION = 2  # 2: the family and its parameters are signed
CHALLENGE_BYTES = 160
ACCOUNT_BYTES = 48
RANDOM_BYTES = 16
DIGEST_BYTES = 32
MIN_SECRET_BYTES = 16
MIN_DISTINCT_BYTES = 8  # 16 random bytes have fewer than 8 distinct values with p < 1e-12
_SIGNED = struct.Struct(f">BBBB{ACCOUNT_BYTES}sIIIdd{RANDOM_BYTES}s{DIGEST_BYTES}s")  # bytes 0..127


class Verdict(enum.Enum):
    """The outcome of a verification: ``OK`` or why the solution was refused."""

    OK = "ok"
    MALFORMED = "malformed: wrong type or size"
    TAG = "tag does not match: not issued by this server, or altered"
    NOT_YET_VALID = "issued in the future (beyond the clock-skew grace)"
    EXPIRED = "expired"
    ACCOUNT = "issued to another account"
    BATCH = "issued for another query batch"
    WORK = "too few leading zero bits"
    REPLAY = "already redeemed"

    @property
    def ok(self) -> bool:
        """Whether the solution was accepted."""
        return self is Verdict.OK


@dataclasses.dataclass(frozen=True)
class Challenge:
    """One puzzle as issued; :meth:`encode` gives the bytes the client hashes."""

    version: int
    bits: int
    account: str
    issued_at_s: float
    expires_at_s: float
    random: bytes
    batch_digest: bytes
    tag: bytes
    puzzle: Puzzle = Sha256()

    def signed_bytes(self) -> bytes:
        """Bytes 0..127 of the layout: everything the tag covers."""
        account = self.account.encode("utf-8")
        return _SIGNED.pack(self.version, self.bits, self.puzzle.code, len(account), account,
                            *self.puzzle.encoded_parameters(), self.issued_at_s, self.expires_at_s,
                            self.random, self.batch_digest)

    def encode(self) -> bytes:
        """The challenge's 160 bytes."""
        return self.signed_bytes() + self.tag

    @classmethod
    def decode(cls, data: bytes) -> Challenge:
        """The challenge encoded in ``data``; :class:`InputError` naming the field if malformed."""
        if len(data) != CHALLENGE_BYTES:
            raise InputError(f"challenge: {len(data)} bytes, expected {CHALLENGE_BYTES}")
        version, bits, code, length, account, *encoded, issued, expires, random, batch = _SIGNED.unpack(
            data[:_SIGNED.size])
        if version != VERSION:
            raise InputError(f"challenge field version: {version}, expected {VERSION}")
        if bits > KERNEL_MAX_BITS:
            raise InputError(f"challenge field bits: {bits}, expected 0..{KERNEL_MAX_BITS}")
        if not 1 <= length <= ACCOUNT_BYTES or any(account[length:]):
            raise InputError("challenge field account: bad length or non-zero padding")
        if not (math.isfinite(issued) and math.isfinite(expires)):
            raise InputError("challenge field issued_at_s/expires_at_s: expected finite seconds")
        try:
            name = account[:length].decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("challenge field account: expected UTF-8") from None
        try:
            puzzle = decode_puzzle(code, tuple(encoded))
        except ParameterError as err:
            raise InputError(f"challenge field puzzle: {err}") from None
        return cls(version, bits, name, issued, expires, random, batch, data[_SIGNED.size:], puzzle)


def batch_digest(batch: bytes) -> bytes:
    """The SHA-256 digest (32 bytes) that binds a challenge to one query batch's bytes."""
    return hashlib.sha256(batch).digest()


def has_leading_zeros(digest: bytes, bits: int) -> bool:
    """Whether ``digest`` starts with at least ``bits`` zero bits."""
    return int.from_bytes(digest, "big") >> (8 * len(digest) - bits) == 0


class Replay(Protocol):
    """Where redeemed challenges are remembered: :class:`ReplayCache`, or a store shared by
    several servers (``powsim.gateway.store``)."""

    def redeem(self, key: bytes, forget_at_s: float, now_s: float) -> bool:
        """Record ``key`` until ``forget_at_s`` (wall seconds); False if it is already there."""
        ...


class ReplayCache:
    """Challenges redeemed so far, each remembered while it could still verify.

    An entry is forgotten only when both clocks agree it is dead: the wall clock (``now_s``,
    the clock challenges are stamped with) is past its ``forget_at_s`` and the cache's
    ``monotonic`` clock has run for the time that was left. A forward jump of the wall clock
    therefore neither forgets entries early nor refuses fresh solutions (nothing is refused
    for being older than the largest time seen), and a clock that steps back cannot reopen
    a redeemed challenge while it is still valid on that clock.

    :meth:`redeem` is an atomic check-and-set, safe from many threads at once.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._forget_at: dict[bytes, float] = {}
        self._queue: list[tuple[float, bytes]] = []  # min-heap of (monotonic review time, key)

    def redeem(self, key: bytes, forget_at_s: float, now_s: float) -> bool:
        """Record ``key`` until ``forget_at_s`` (wall seconds); False if it is already there."""
        with self._lock:
            tick = self._monotonic()
            later = []  # pushed after the sweep: a review due now again (0 s left) must not loop
            while self._queue and self._queue[0][0] <= tick:
                _, old = heapq.heappop(self._queue)
                left_s = self._forget_at[old] - now_s
                if left_s < 0:
                    del self._forget_at[old]
                else:  # the wall clock says it can still verify: review it again later
                    later.append((tick + left_s, old))
            for review in later:
                heapq.heappush(self._queue, review)
            if key in self._forget_at:
                return False
            self._forget_at[key] = forget_at_s
            heapq.heappush(self._queue, (tick + max(forget_at_s - now_s, 0.0), key))
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._forget_at)


class HashCash:
    """The server side: issues challenges under a secret and verifies solutions once.

    ``clock`` returns the time in seconds (``time.time`` by default; a simulation's clock
    or a test's fake one otherwise); ``monotonic`` a clock that never jumps, for forgetting
    redeemed challenges (``time.monotonic`` with the wall clock, else ``clock`` itself);
    ``random_bytes(n)`` returns n random bytes (``secrets.token_bytes`` by default; a seeded
    generator's in tests); ``replay`` where redeemed challenges are kept (a fresh
    :class:`ReplayCache` by default; a shared store lets several servers refuse each other's
    redeemed challenges). The secret must have at least 16 bytes with at least 8 distinct
    values (an all-zero or repeated-pattern key is refused).
    """

    def __init__(self, secret: bytes, *, ttl_s: float = 300.0, grace_s: float = 5.0,
                 clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] | None = None,
                 random_bytes: Callable[[int], bytes] = secrets.token_bytes,
                 replay: Replay | None = None) -> None:
        if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
            raise InputError(f"hashcash secret: expected at least {MIN_SECRET_BYTES} bytes")
        if len(set(secret)) < MIN_DISTINCT_BYTES:
            raise InputError(f"hashcash secret: {len(set(secret))} distinct byte values, expected "
                             f"at least {MIN_DISTINCT_BYTES} (use secrets.token_bytes(32))")
        if not (math.isfinite(ttl_s) and ttl_s > 0 and math.isfinite(grace_s) and grace_s >= 0):
            raise InputError(f"hashcash ttl_s={ttl_s}, grace_s={grace_s}: expected ttl_s > 0, grace_s >= 0")
        self._secret = secret
        self.ttl_s = ttl_s
        self.grace_s = grace_s
        self._clock = clock
        self._random_bytes = random_bytes
        self._redeemed = replay if replay is not None else ReplayCache(
            monotonic or (time.monotonic if clock is time.time else clock))

    def _tag(self, signed: bytes) -> bytes:
        return hmac.new(self._secret, signed, hashlib.sha256).digest()

    def issue(self, account: str, batch: bytes, bits: int, puzzle: Puzzle = Sha256()) -> Challenge:
        """A signed challenge for ``account`` to unlock the batch of digest ``batch``, valid ttl_s,
        solved under ``puzzle`` (SHA-256 by default)."""
        if not isinstance(account, str) or not 1 <= len(account.encode("utf-8")) <= ACCOUNT_BYTES:
            raise InputError(f"account {account!r}: expected 1..{ACCOUNT_BYTES} bytes of UTF-8")
        if not isinstance(batch, bytes) or len(batch) != DIGEST_BYTES:
            raise InputError(f"batch digest: expected {DIGEST_BYTES} bytes")
        check_bits(bits)
        if not isinstance(puzzle, Puzzle):
            raise InputError(f"puzzle {puzzle!r}: expected a puzzle family (powsim.hashcash.families)")
        now = float(self._clock())
        unsigned = Challenge(VERSION, bits, account, now, now + self.ttl_s,
                             self._random_bytes(RANDOM_BYTES), batch, b"", puzzle)
        return dataclasses.replace(unsigned, tag=self._tag(unsigned.signed_bytes()))

    def authentic(self, challenge: object) -> Challenge | None:
        """The challenge ``challenge`` (its 160 bytes) if this server's secret signed it, else
        None; nothing else (window, work) is checked and nothing is redeemed."""
        if not (isinstance(challenge, bytes) and len(challenge) == CHALLENGE_BYTES
                and hmac.compare_digest(self._tag(challenge[:_SIGNED.size]), challenge[_SIGNED.size:])):
            return None
        try:
            return Challenge.decode(challenge)
        except InputError:
            return None

    def verify(self, challenge: object, nonce: object, account: object, batch: object) -> Verdict:
        """Check that ``nonce`` (8 bytes) solves ``challenge`` (its 160 bytes) for ``account`` and
        the batch of digest ``batch``, and redeem it. Any input is accepted; garbage is refused.
        """
        if not (isinstance(challenge, bytes) and len(challenge) == CHALLENGE_BYTES
                and isinstance(nonce, bytes) and len(nonce) == NONCE_BYTES
                and isinstance(account, str) and isinstance(batch, bytes)):
            return Verdict.MALFORMED
        signed, tag = challenge[:_SIGNED.size], challenge[_SIGNED.size:]
        if not hmac.compare_digest(self._tag(signed), tag):
            return Verdict.TAG
        try:
            issued = Challenge.decode(challenge)
        except InputError:
            return Verdict.MALFORMED
        now = float(self._clock())
        # Every comparison with NaN is false: without this check a NaN clock would pass both
        # window checks below, and an expired challenge would verify.
        if not math.isfinite(now):
            return Verdict.EXPIRED
        if now < issued.issued_at_s - self.grace_s:
            return Verdict.NOT_YET_VALID
        if now > issued.expires_at_s + self.grace_s:
            return Verdict.EXPIRED
        if issued.account != account:
            return Verdict.ACCOUNT
        if issued.batch_digest != batch:
            return Verdict.BATCH
        # A memory-hard hash costs the server milliseconds and MiB: one attempt per challenge,
        # redeemed before hashing, so a flood of wrong nonces needs one issued challenge each.
        costly = issued.puzzle.memory_bytes > 0
        if costly and not self._redeemed.redeem(tag, issued.expires_at_s + self.grace_s, now):
            return Verdict.REPLAY
        if not has_leading_zeros(issued.puzzle.digest(challenge, nonce), issued.bits):
            return Verdict.WORK
        if not costly and not self._redeemed.redeem(tag, issued.expires_at_s + self.grace_s, now):
            return Verdict.REPLAY
        return Verdict.OK
