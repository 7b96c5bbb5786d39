"""What a gateway remembers between requests: redeemed challenges, ledgers, request counts.

Two stores with the same four methods:

* :class:`MemoryStore`: in this process (one gateway process; the default);
* :class:`RedisStore`: in a Redis server (redis-py), shared by every gateway process that
  names it, and kept across restarts: a solution redeemed on one gateway is refused by the
  others, and an account's ledger outlives the process that charged it.

A ledger is an account's cumulative queries and additive privacy cost (sum of per-query PATE
epsilons). Redeeming is an atomic set-if-absent (Redis ``SET NX`` with an expiry), so two
gateways racing on one solution cannot both accept it. Request counts are fixed windows of
``window_s`` seconds on the caller's clock.
"""

from __future__ import annotations

import math
import secrets
import threading
from dataclasses import dataclass

from powsim.errors import InputError
from powsim.hashcash.protocol import ReplayCache

SECRET_BYTES = 32
KEY_PREFIX = "powsim:gateway:"


@dataclass(frozen=True)
class Ledger:
    """An account's cumulative ``queries`` answered and their additive privacy ``cost`` (eps)."""

    queries: int = 0
    cost: float = 0.0


class MemoryStore:
    """Everything in this process: one gateway process, lost when it stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replay = ReplayCache()
        self._ledgers: dict[str, Ledger] = {}
        self._counts: dict[tuple[str, int], int] = {}
        self._secret = secrets.token_bytes(SECRET_BYTES)

    def secret(self) -> bytes:
        """The HMAC secret challenges are signed with (drawn once per store)."""
        return self._secret

    def redeem(self, key: bytes, forget_at_s: float, now_s: float) -> bool:
        """Record challenge tag ``key`` until ``forget_at_s``; False if already redeemed."""
        return self._replay.redeem(key, forget_at_s, now_s)

    def ledger(self, account: str) -> Ledger:
        """The account's ledger (zero for an account never charged)."""
        with self._lock:
            return self._ledgers.get(account, Ledger())

    def charge(self, account: str, queries: int, cost: float) -> Ledger:
        """Add ``queries`` and ``cost`` to the account's ledger; return the new ledger."""
        with self._lock:
            old = self._ledgers.get(account, Ledger())
            new = self._ledgers[account] = Ledger(old.queries + queries, old.cost + cost)
            return new

    def count(self, account: str, now_s: float, window_s: float) -> int:
        """Count one request of ``account`` in the current window; return the window's count."""
        window = int(now_s // window_s)
        with self._lock:
            for stale in [k for k in self._counts if k[1] < window]:
                del self._counts[stale]
            self._counts[account, window] = self._counts.get((account, window), 0) + 1
            return self._counts[account, window]


class RedisStore:
    """Everything in one Redis database, shared by every gateway process that names it.

    The signing secret is drawn by the first gateway and stored (``SET NX``), so every
    gateway on the same Redis issues challenges the others verify.
    """

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._redis = redis.Redis.from_url(url, socket_timeout=5.0)
        try:
            self._redis.ping()
        except (redis.RedisError, OSError) as err:
            raise InputError(f"store {url}: cannot reach Redis ({err})") from None

    def secret(self) -> bytes:
        """The shared HMAC secret: drawn by the first gateway on this Redis, read by the rest."""
        key = KEY_PREFIX + "secret"
        self._redis.set(key, secrets.token_bytes(SECRET_BYTES), nx=True)
        return self._redis.get(key)

    def redeem(self, key: bytes, forget_at_s: float, now_s: float) -> bool:
        """Atomically record challenge tag ``key`` (until ``forget_at_s``, at least 1 s);
        False if any gateway on this Redis already redeemed it."""
        ttl_s = max(1, math.ceil(forget_at_s - now_s) + 1) if math.isfinite(forget_at_s - now_s) else 1
        return bool(self._redis.set(KEY_PREFIX + "spent:" + key.hex(), b"1", nx=True, ex=ttl_s))

    def ledger(self, account: str) -> Ledger:
        """The account's ledger (zero for an account never charged)."""
        values = self._redis.hmget(self._ledger_key(account), "queries", "cost")
        return Ledger(int(values[0] or 0), float(values[1] or 0.0))

    def charge(self, account: str, queries: int, cost: float) -> Ledger:
        """Add ``queries`` and ``cost`` to the account's ledger in one transaction."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.hincrby(self._ledger_key(account), "queries", queries)
        pipe.hincrbyfloat(self._ledger_key(account), "cost", cost)
        total_queries, total_cost = pipe.execute()
        return Ledger(int(total_queries), float(total_cost))

    def count(self, account: str, now_s: float, window_s: float) -> int:
        """Count one request of ``account`` in the current window (kept two windows)."""
        key = f"{KEY_PREFIX}rate:{int(now_s // window_s)}:{account}"
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, max(1, math.ceil(2 * window_s)))
        return int(pipe.execute()[0])

    @staticmethod
    def _ledger_key(account: str) -> str:
        return KEY_PREFIX + "ledger:" + account


Store = MemoryStore | RedisStore


def open_store(url: str) -> Store:
    """The store named by ``url``: 'memory', or 'redis://HOST:PORT[/DB]'."""
    if url == "memory":
        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise InputError(f"store {url!r}: expected 'memory' or redis://HOST:PORT[/DB]")
