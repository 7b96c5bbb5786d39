"""An executor opened and closed in a background thread, so that a command's own serial work
overlaps a LocalCluster's start and stop.

A LocalCluster takes a second or two to start (its worker processes import dask, then the
task's modules) and about one to stop; on a machine of few cores a calibration spends as
long in its main process checking the grid's points, reading scenarios and drawing charts.
:func:`opened_in_background` starts :func:`~powsim.sweep.executor.open_executor` in a thread
and has every worker import ``warm`` as soon as it is up, while the caller goes on; the
executor's first run waits for it. :meth:`BackgroundExecutor.release` starts closing it
(no run after that), the end of the ``with`` waits until it is closed. Where the runs go
and what they return do not change.
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

    def run(self, calls: Sequence[tuple[Callable, ...]]) -> Iterator[tuple[int, object]]:
        return self._executor().run(calls)

    def release(self) -> None:
        """Start closing the executor (its cluster stops while the caller goes on)."""
        self._ready.wait()
        self._released.set()

    def join(self) -> None:
        """Release the executor and wait until it is closed (an error in opening it is raised
        at its use, not here, so that it never hides the caller's own)."""
        self.release()
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
