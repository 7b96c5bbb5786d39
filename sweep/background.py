"""An executor on a dask scheduler opened and closed in a background thread, so that a
command's own serial work overlaps the connection's start and stop.

A client of a remote scheduler takes a second or more to connect and to get its workers to
import the task's modules; a calibration spends as long in its main process checking the
grid's points, reading scenarios and drawing charts. :func:`opened_in_background` starts
:func:`~powsim.sweep.executor.open_executor` in a thread and has every worker import ``warm``
as soon as it is up, while the caller goes on; the executor's first run waits for it.
:meth:`BackgroundExecutor.release` starts closing it (no run after that), the end of the
``with`` waits until it is closed. Local workers (no scheduler) are opened in the caller's
thread: they fork from it in milliseconds, and fork is safe only from a process with no other
thread (:mod:`~powsim.sweep.local_pool`). Where the runs go and what they return do not change.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterator, Sequence

from powsim.sweep.executor import Executor, open_executor


class BackgroundExecutor(Executor):
    """An :class:`~powsim.sweep.executor.Executor` whose client is being opened by a thread
    (``client``, ``where`` and :meth:`run` wait for it)."""

    def __init__(self, scheduler: str | None, workers: int | None, warm: Sequence[str]) -> None:
        self._opened: Executor | None = None
        self._error: BaseException | None = None
        self._ready, self._released = threading.Event(), threading.Event()
        self._local = contextlib.ExitStack()
        self._thread: threading.Thread | None = None
        if scheduler is None:
            try:
                self._opened = self._local.enter_context(open_executor(None, workers))
            except Exception as err:  # raised at its use, as the thread's would be
                self._error = err
            self._ready.set()
            return
        self._thread = threading.Thread(target=self._hold, args=(scheduler, workers, tuple(warm)),
                                        name="powsim-executor")
        self._thread.start()

    def _hold(self, scheduler: str | None, workers: int | None, warm: tuple[str, ...]) -> None:
        try:
            with open_executor(scheduler, workers) as executor:
                if executor.client is not None and warm:
                    executor.client.run(_import, *warm)
                self._opened = executor
                self._ready.set()
                self._released.wait()
        except BaseException as err:  # handed to the caller's thread at its next use
            self._error = err
        finally:
            self._ready.set()

    def _executor(self) -> Executor:
        self._ready.wait()
        if self._error is not None:
            raise self._error
        if self._released.is_set():
            raise RuntimeError("the executor was released: no run after release()")
        return self._opened

    @property
    def client(self) -> object | None:
        """The dask client (None: serial), once open."""
        return self._executor().client

    @property
    def where(self) -> str:
        """Where the runs go, once open."""
        return self._executor().where

    @property
    def workers(self) -> int:
        """How many processes run the calls at once, once open."""
        return self._executor().workers

    def run(self, calls: Sequence[tuple[Callable, ...]], lanes: Sequence[int] | None = None
            ) -> Iterator[tuple[int, object]]:
        return self._executor().run(calls, lanes)

    def release(self) -> None:
        """Start closing the executor (a cluster's client closes while the caller goes on;
        local workers end at once)."""
        self._ready.wait()
        self._released.set()
        self._local.close()

    def join(self) -> None:
        """Release the executor and wait until it is closed (an error in opening it is raised
        at its use, not here, so that it never hides the caller's own)."""
        self.release()
        if self._thread is not None:
            self._thread.join()


def _import(*modules: str) -> None:
    for module in modules:
        importlib.import_module(module)


@contextlib.contextmanager
def opened_in_background(scheduler: str | None = None, workers: int | None = None,
                         warm: Sequence[str] = ()) -> Iterator[BackgroundExecutor]:
    """:func:`~powsim.sweep.executor.open_executor`'s executor, opened in the background
    (see the module docstring); closed, or its opening's error raised, by the end."""
    executor = BackgroundExecutor(scheduler, workers, warm)
    try:
        yield executor
    finally:
        executor.join()
