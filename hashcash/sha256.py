"""SHA-256 nonce search compiled with numba: the inner loop of the HashCash solver.

Why numba: a plain ``hashlib`` loop spends most of its time in the Python interpreter
(about a microsecond per hash) although a search only changes the last bytes of the
message. Compiled in numba's nopython mode, the search

- reuses the *midstate*, the hash state after the message's fixed 64-byte blocks, so a
  trial costs one compression (two when the nonce and padding spill into a second
  block) instead of a whole hash;
- hashes ``LANES`` nonces side by side, every round's inner loop running over the lanes,
  which LLVM turns into SIMD instructions (AVX2/AVX-512 where the CPU has them);
- releases the GIL, so threads run it on every core.

A vectorised numpy SHA-256 would allocate temporaries every round, and a C extension
would need a compiler on every machine; numba is one pip install.

Message layout of one trial: ``prefix || nonce``, ``nonce`` being the trial's index as
8 bytes, big-endian (FIPS 180-4 sections 5.1.1 and 6.2 give the padding and the
compression function implemented here).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

from powsim.errors import InputError

NONCE_BYTES = 8
KERNEL_MAX_BITS = 64  # the search compares the first 64 bits of the digest
MAX_NONCE = 2**62  # nonces are int64 indices; this leaves room for a search's last lane group
LANES = 16  # nonces hashed side by side: one AVX-512 register of 32-bit words


def check_bits(bits: object) -> int:
    """``bits`` if it is an integer in 0..KERNEL_MAX_BITS; :class:`InputError` otherwise."""
    if isinstance(bits, bool) or not isinstance(bits, int) or not 0 <= bits <= KERNEL_MAX_BITS:
        raise InputError(f"bits {bits!r}: expected an integer in 0..{KERNEL_MAX_BITS}")
    return bits


_K = np.array([
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
], dtype=np.uint32)
_H0 = np.array([0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19], dtype=np.uint32)


# numba widens 32-bit arithmetic to 64 bits; the high bits this leaves are cut off by the
# np.uint32(...) around every value that is stored, and only stored (clean) values are
# ever shifted right, so every result is exact modulo 2^32.

@njit(inline="always")
def _rotr(x, n):
    return (x >> np.uint32(n)) | (x << np.uint32(32 - n))


@njit(nogil=True, cache=True)
def _compress(state, schedule, work):
    """Apply the compression function to ``LANES`` hash states side by side.

    ``state`` (uint32[8, LANES]) is updated in place; ``schedule`` (uint32[64, LANES]) holds the
    lanes' message blocks in its first 16 rows; ``work`` (uint32[8, LANES]) is scratch.
    """
    for t in range(16, 64):
        for lane in range(LANES):
            w15 = schedule[t - 15, lane]
            w2 = schedule[t - 2, lane]
            s0 = _rotr(w15, 7) ^ _rotr(w15, 18) ^ (w15 >> np.uint32(3))
            s1 = _rotr(w2, 17) ^ _rotr(w2, 19) ^ (w2 >> np.uint32(10))
            schedule[t, lane] = np.uint32(schedule[t - 16, lane] + s0 + schedule[t - 7, lane] + s1)
    work[:] = state
    for t in range(64):
        for lane in range(LANES):
            a, b, c, d = work[0, lane], work[1, lane], work[2, lane], work[3, lane]
            e, f, g, h = work[4, lane], work[5, lane], work[6, lane], work[7, lane]
            t1 = np.uint32(h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g))
                           + _K[t] + schedule[t, lane])
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            work[7, lane], work[6, lane], work[5, lane], work[4, lane] = g, f, e, np.uint32(d + t1)
            work[3, lane], work[2, lane], work[1, lane], work[0, lane] = c, b, a, np.uint32(t1 + t2)
    for i in range(8):
        for lane in range(LANES):
            state[i, lane] = np.uint32(state[i, lane] + work[i, lane])


@njit(nogil=True, cache=True)
def _hash_lanes(midstate, tail, nonce_at, base, state, schedule, work):
    """Final hash states (into ``state``, uint32[8, LANES]) of nonces ``base .. base + LANES - 1``.

    ``tail`` (uint32[blocks, 16]) holds the message's final blocks with zeros where the nonce
    goes, the nonce's first bit at bit ``nonce_at`` of ``tail``.
    """
    for i in range(8):
        state[i, :] = midstate[i]
    for j in range(tail.shape[0]):
        for word in range(16):
            schedule[word, :] = tail[j, word]
            # Bits from the nonce's last bit to this word's last bit; the nonce overlaps the
            # word when it is in (-64, 32).
            shift = 32 * (16 * j + word + 1) - nonce_at - 64
            if -64 < shift < 32:
                for lane in range(LANES):
                    nonce = np.uint64(base + lane)
                    part = nonce << np.uint64(shift) if shift >= 0 else nonce >> np.uint64(-shift)
                    schedule[word, lane] |= np.uint32(part & np.uint64(0xFFFFFFFF))
        _compress(state, schedule, work)


@njit(nogil=True, cache=True)
def _search_each(midstates, tails, nonce_at, start, count, bits):
    """For each of n messages, the first nonce in ``[start, start + count)`` whose digest has
    ``bits`` leading zero bits, or -1 (int64[n]). ``midstates`` is uint32[n, 8], ``tails``
    uint32[n, blocks, 16], all with the nonce at bit ``nonce_at``. Every search goes through
    this one entry point, so solving and measuring hash rates run the same machine code.
    """
    state = np.empty((8, LANES), dtype=np.uint32)
    schedule = np.empty((64, LANES), dtype=np.uint32)
    work = np.empty((8, LANES), dtype=np.uint32)
    limit = (np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(bits)) if bits < 64 else np.uint64(0)
    end = start + count
    found = np.full(midstates.shape[0], -1, dtype=np.int64)
    for i in range(midstates.shape[0]):
        base = start
        while found[i] < 0 and base < end:
            _hash_lanes(midstates[i], tails[i], nonce_at, base, state, schedule, work)
            for lane in range(min(LANES, end - base)):
                if (np.uint64(state[0, lane]) << np.uint64(32)) | np.uint64(state[1, lane]) <= limit:
                    found[i] = base + lane
                    break
            base += LANES
    return found


def _words(data: bytes) -> np.ndarray:
    """Big-endian 32-bit words of ``data`` (a multiple of 64 bytes), shape (blocks, 16)."""
    return np.frombuffer(data, dtype=">u4").astype(np.uint32).reshape(-1, 16)


class Messages:
    """What every trial of some puzzles shares: per prefix, its midstate and final blocks.

    All prefixes have one length. ``midstates`` is uint32[n, 8] and ``tails`` uint32[n,
    blocks, 16], stacked once here so that searches start without copying.
    """

    def __init__(self, prefixes: Sequence[bytes]) -> None:
        if len({len(prefix) for prefix in prefixes}) != 1:
            raise InputError("messages: expected one or more prefixes, all of one length")
        length = len(prefixes[0])
        head = length - length % 64
        self.midstates = np.stack([_midstate(prefix[:head]) for prefix in prefixes])
        padding = bytes(NONCE_BYTES) + b"\x80" + bytes(-(length - head + NONCE_BYTES + 9) % 64)
        total_bits = (8 * (length + NONCE_BYTES)).to_bytes(8, "big")
        self.tails = np.stack([_words(prefix[head:] + padding + total_bits) for prefix in prefixes])
        self.nonce_at = 8 * (length - head)

    def __len__(self) -> int:
        return len(self.midstates)

    def search(self, bits: int, start: int = 0, count: int = MAX_NONCE) -> np.ndarray:
        """Per message, the first nonce in ``[start, start + count)`` meeting ``bits`` (0..64),
        or -1 (int64[n]); one compiled loop, which cannot be interrupted: keep the work small."""
        return _search_each(self.midstates, self.tails, self.nonce_at, start, count, check_bits(bits))

    def digests(self, base: int, message: int = 0) -> list[bytes]:
        """SHA-256 of ``prefix || nonce`` for the ``LANES`` nonces from ``base`` (for tests)."""
        state = np.empty((8, LANES), dtype=np.uint32)
        _hash_lanes(self.midstates[message], self.tails[message], self.nonce_at, base, state,
                    np.empty((64, LANES), dtype=np.uint32), np.empty((8, LANES), dtype=np.uint32))
        return [state[:, lane].astype(">u4").tobytes() for lane in range(LANES)]


def _midstate(head: bytes) -> np.ndarray:
    """The hash state (uint32[8]) after the whole 64-byte blocks ``head``."""
    state = np.repeat(_H0[:, None], LANES, axis=1)
    schedule = np.empty((64, LANES), dtype=np.uint32)
    work = np.empty((8, LANES), dtype=np.uint32)
    for block in _words(head):
        schedule[:16] = block[:, None]
        _compress(state, schedule, work)
    return state[:, 0].copy()
