"""Where sweep tasks run: in this process, in worker processes forked from it
(:class:`~powsim.sweep.local_pool.LocalPool`), or on a given dask scheduler.

The three share one interface (:meth:`Executor.run` yields each task's index and result as
tasks finish), so a sweep's numbers do not depend on where it ran.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator, Sequence

from powsim.errors import ParameterError
from powsim.sweep.local_pool import LocalPool

CONNECT_TIMEOUT_S = 5
MAX_HANDSHAKE_BYTES = 1 << 20  # a dask handshake is a few hundred bytes


class Executor:
    """Runs calls ``(function, *args)``: on the dask ``client``, on the local ``pool``, or
    (neither) serially in this process."""

    def __init__(self, client: object | None = None, where: str = "this process",
                 pool: LocalPool | None = None) -> None:
        self.client, self.where, self.pool = client, where, pool

    @property
    def workers(self) -> int:
        """How many processes run the calls at once (1: serially)."""
        if self.pool is not None:
            return len(self.pool)
        if self.client is not None:
            return max(1, len(self.client.scheduler_info()["workers"]))
        return 1

    def run(self, calls: Sequence[tuple[Callable, ...]], lanes: Sequence[int] | None = None
            ) -> Iterator[tuple[int, object]]:
        """Yield ``(index, result)`` for every call, in the order they finish; ``lanes`` (one
        per call, below :attr:`workers`) keeps calls of one lane in one local worker where it
        can (:mod:`~powsim.sweep.local_pool`), and is ignored serially and on dask."""
        if self.pool is not None:
            yield from self.pool.run(calls, lanes)
            return
        if self.client is None:
            for index, (function, *args) in enumerate(calls):
                yield index, function(*args)
            return
        from distributed import as_completed

        futures = {self.client.submit(function, *args, pure=False): index
                   for index, (function, *args) in enumerate(calls)}
        for future in as_completed(futures):
            yield futures[future], future.result()
            future.release()


def probe_scheduler(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Refuse ``address`` unless a dask scheduler answers there: ``tcp://HOST:PORT`` only (the
    protocols whose security or drivers powsim does not set up are refused), and the first
    bytes it sends must be the length of a dask handshake. A dask server writes its handshake
    on connecting (``distributed.comm.core``), a message of a few hundred bytes behind an
    8-byte little-endian length; anything else (an HTTP or SSH server, silence) is not handed
    to dask, whose reader would trust that length and try to allocate it."""
    scheme, sep, rest = address.partition("://")
    host, colon, port = rest.rpartition(":")
    if not sep or scheme != "tcp" or not colon or not host or not port.isdigit() or not (
            0 < int(port) < 65536):
        raise ParameterError(f"{{scheduler}}: {address!r}, expected tcp://HOST:PORT (tls://, "
                             "ucx:// and inproc:// are not supported)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s) as conn:
            head = b""
            while len(head) < 8:
                chunk = conn.recv(8 - len(head))
                if not chunk:
                    break
                head += chunk
    except (OSError, UnicodeError) as err:
        raise ParameterError(f"{{scheduler}}: cannot reach a dask scheduler at {address!r} "
                             f"within {timeout_s:g} s ({type(err).__name__})") from None
    if len(head) < 8 or not 0 < int.from_bytes(head, "little") <= MAX_HANDSHAKE_BYTES:
        raise ParameterError(f"{{scheduler}}: {address!r} answered {head[:8]!r}, not a dask "
                             "scheduler's handshake, expected a dask scheduler's address")


@contextlib.contextmanager
def open_executor(scheduler: str | None = None, workers: int | None = None) -> Iterator[Executor]:
    """A serial executor (``workers`` 0), a client of the dask scheduler at ``scheduler``, or
    a :class:`~powsim.sweep.local_pool.LocalPool` of ``workers`` processes forked from this
    one (None: one per core)."""
    if scheduler is None:
        if workers == 0:
            yield Executor()
            return
        if workers is not None and workers < 0:
            raise ParameterError(f"{{workers}}: {workers}, expected a whole number >= 0")
        pool = LocalPool(workers or os.cpu_count() or 1)
        try:
            yield Executor(where=f"{len(pool)} worker process{'es' if len(pool) != 1 else ''} "
                                 "forked from this one", pool=pool)
        finally:
            pool.close()
        return
    from distributed import Client

    probe_scheduler(scheduler)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as err:
        raise ParameterError(f"{{scheduler}}: cannot reach a dask scheduler at {scheduler!r} "
                             f"within {CONNECT_TIMEOUT_S} s ({type(err).__name__})") from None
    with client:
        yield Executor(client, f"the dask scheduler at {scheduler}")
