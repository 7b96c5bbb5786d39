"""This machine's ``local`` hardware profile: the hash rates ``powsim hashcash bench`` measured.

Stored as JSON in ``hash-rate.json`` in the user cache (:mod:`powsim.user_cache`), because
the figures belong to the machine, not to a project or a result. The simulator reads it as the ``local`` profile.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from powsim.atomic import write_text_atomic
from powsim.errors import InputError
from powsim.user_cache import user_cache


@dataclasses.dataclass(frozen=True)
class HashRate:
    """Hash rates of one machine in hashes per second (Hz); None where not measured.

    ``per_core_hz``: the solver's kernel on one core (per CPU-second); ``all_cores_hz``: the
    multi-core solver with ``workers`` threads (per wall-clock second); ``openssl_hz``:
    ``openssl speed -evp sha256 -bytes 64`` on one core, 64-byte messages, and
    ``openssl_all_hz`` the same with ``-multi workers``; ``hashlib_hz``: a plain Python
    loop of ``hashlib.sha256(challenge + nonce)`` and a zero-bit test.
    """

    per_core_hz: float
    all_cores_hz: float
    workers: int
    openssl_hz: float | None = None
    openssl_all_hz: float | None = None
    hashlib_hz: float | None = None


def local_rate_path() -> Path:
    """Where the ``local`` profile is stored: ``hash-rate.json`` in the user cache."""
    return user_cache() / "hash-rate.json"


def save_local_rate(rate: HashRate, provenance: dict[str, object]) -> Path:
    """Store ``rate`` as the ``local`` profile (atomically), with how it was measured."""
    path = local_rate_path()
    record = {**dataclasses.asdict(rate), "provenance": provenance}
    write_text_atomic(path, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def load_local_rate() -> HashRate | None:
    """The stored ``local`` profile, or None if ``powsim hashcash bench`` has not stored one."""
    path = local_rate_path()
    if not path.exists():
        return None
    if not path.is_file():  # a FIFO there would make the read wait forever
        raise InputError(f"{path}: not a regular file, expected a hash-rate record; remove it "
                         "and run 'powsim hashcash bench'")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        rate = HashRate(**{field.name: record[field.name] for field in dataclasses.fields(HashRate)})
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(f"{path}: not a hash-rate record ({err}); run 'powsim hashcash bench'") from None
    if not (isinstance(rate.per_core_hz, (int, float)) and rate.per_core_hz > 0):
        raise InputError(f"{path}: field per_core_hz: expected a positive number")
    return rate
