"""The simulated server's HashCash secret: reproducible on this machine, never in an output.

Outputs record the seed, so a secret drawn from the seed alone would let anyone holding an
output forge that run's challenges. The secret is instead HMAC-SHA256 of bytes drawn from
the seed under a machine key: 32 random bytes created once in the user cache
(``hmac-key`` in the user cache, :mod:`powsim.user_cache`; mode 0600) and recorded
nowhere. The same seed gives the same challenges on this machine; on another machine the
challenges, and so real-mode trial counts, differ (with the same law).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from powsim.errors import InputError
from powsim.user_cache import user_cache

KEY_BYTES = 32


def machine_key_path() -> Path:
    """Where this machine's key lives: ``hmac-key`` in the user cache."""
    return user_cache() / "hmac-key"


def machine_key() -> bytes:
    """This machine's key, created on first use (exclusive create: two runs agree on one)."""
    path = machine_key_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(KEY_BYTES))
        if not path.is_file():  # a FIFO there would make the read wait forever
            raise InputError(f"{path}: not a regular file, expected this machine's "
                             f"{KEY_BYTES}-byte HashCash key (remove it to make a new one)")
        key = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot create or read the machine's HashCash key "
                         f"({err.strerror}); set POWSIM_CACHE_DIR to a writable folder") from None
    if len(key) != KEY_BYTES:
        raise InputError(f"{path}: {len(key)} bytes, expected a {KEY_BYTES}-byte key "
                         "(delete the file to make a new one)")
    return key


def run_secret(seeded: bytes) -> bytes:
    """The secret of one run: HMAC-SHA256 of its seed-drawn bytes under the machine key."""
    return hmac.new(machine_key(), seeded, hashlib.sha256).digest()
