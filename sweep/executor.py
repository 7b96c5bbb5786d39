"""Where sweep tasks run: in this process, on a dask LocalCluster, or on a given scheduler.

The three share one interface (:meth:`Executor.run` yields each task's index and result as
tasks finish), so a sweep's numbers do not depend on where it ran.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable, Iterator, Sequence

from powsim.errors import ParameterError

CONNECT_TIMEOUT_S = 5
MAX_HANDSHAKE_BYTES = 1 << 20  # a dask handshake is a few hundred bytes
LOCAL_WORKER_CONFIG = {
    # dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, so glibc hands freed memory
    # back to the kernel after every numpy temporary: a simulated run then takes about 8 % longer
    # in page faults. A sweep's tasks are short and small, so glibc's default threshold is kept.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # The statistical profiler samples every task thread each 10 ms; a sweep never reads it.
    "distributed.worker.profile.enabled": False,
}


class Executor:
    """Runs calls ``(function, *args)``; ``client`` is a dask client, or None to run serially."""

    def __init__(self, client: object | None = None, where: str = "this process") -> None:
        self.client, self.where = client, where

    def run(self, calls: Sequence[tuple[Callable, ...]]) -> Iterator[tuple[int, object]]:
        """Yield ``(index, result)`` for every call, in the order they finish."""
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
    of a new LocalCluster of ``workers`` single-threaded processes (None: one per core)."""
    if scheduler is None and workers == 0:
        yield Executor()
        return
    import dask
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            probe_scheduler(scheduler)
            try:
                client = stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT_S))
            except (OSError, TimeoutError, ValueError) as err:
                raise ParameterError(f"{{scheduler}}: cannot reach a dask scheduler at "
                                 f"{scheduler!r} within {CONNECT_TIMEOUT_S} s "
                                 f"({type(err).__name__})") from None
            yield Executor(client, f"the dask scheduler at {scheduler}")
            return
        if workers is not None and workers < 0:
            raise ParameterError(f"{{workers}}: {workers}, expected a whole number >= 0")
        stack.enter_context(dask.config.set(LOCAL_WORKER_CONFIG))
        cluster = stack.enter_context(LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR))
        client = stack.enter_context(Client(cluster))
        yield Executor(client, f"a dask LocalCluster of {len(cluster.workers)} worker processes")
