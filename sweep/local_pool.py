"""Worker processes on this machine, forked from this process: the local path of sweeps.

A dask LocalCluster starts a scheduler and a nanny per worker, and each worker imports the
task's modules afresh (1.4-3.8 s measured on the 2-core machine), then spends CPU on its own
event loop beside the tasks; a sweep of 640 runs of 12.5 ms gained nothing from 2 such
workers. :class:`LocalPool` instead forks its workers from this process, which has imported
everything and read the scenario's traces already (tens of milliseconds), and hands them
tasks over pipes. dask stays the path for a cluster (``--scheduler``).

Fork is safe only from a process with no other thread: a lock another thread holds at the
fork stays held in the child. Workers are forked when the pool opens if this is the only
Python thread, else from multiprocessing's forkserver (a fresh, single-threaded process;
slower to start, as it imports the modules again).

Lanes: a call may name a lane (a worker, modulo their number); a worker takes its own lane's
calls, so that work that shares per-process caches (a sweep's replication r shares its
members' draws, :mod:`powsim.sim.member_draws`) stays in one process, and only once its lane
is empty and it is idle, the last call waiting in the fullest other lane.

A worker holds up to :data:`IN_FLIGHT` calls: the next one waits in its pipe while it runs
the current, so it starts that one as soon as it has sent a result instead of waiting for this
process to wake up, read the result and answer (1.4-2.3 ms a call on the 2-core machine, about
1.5 % of a sweep of 12 ms runs). Only a worker's own lane's calls are sent ahead, and never
its lane's last one: that one waits here, for whichever worker is idle first.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait

IN_FLIGHT = 2  # calls a worker holds at most: the one it runs and the next


class RemoteTraceback(Exception):
    """The traceback of an error raised in a worker (the ``__cause__`` of the error re-raised here)."""


class _Worker:
    """One worker process and the parent's end of its pipe; ``tasks`` are its calls in flight,
    in the order it runs them."""

    def __init__(self) -> None:
        method = "fork" if threading.active_count() == 1 else "forkserver"
        self.conn, child = multiprocessing.get_context(method).Pipe()
        self.process = multiprocessing.get_context(method).Process(
            target=_serve, args=(child,), name="powsim-worker", daemon=True)
        gc.freeze()  # the child's collector never walks, so never copies, the parent's objects
        try:
            self.process.start()
        finally:
            gc.unfreeze()
        child.close()
        self.tasks: deque[int] = deque()

    def stop(self) -> None:
        """End the process: asked to when idle, killed when busy."""
        if not self.tasks and self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class LocalPool:
    """``workers`` processes forked from this one; :meth:`run` is the
    :class:`~powsim.sweep.executor.Executor`'s, :meth:`close` ends them."""

    def __init__(self, workers: int) -> None:
        self._workers: list[_Worker] = []
        try:
            for _ in range(workers):
                self._workers.append(_Worker())
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return len(self._workers)

    def run(self, calls: Sequence[tuple[Callable, ...]], lanes: Sequence[int] | None = None
            ) -> Iterator[tuple[int, object]]:
        """Yield ``(index, result)`` for every call as workers finish them (``lanes``: each
        call's preferred worker, see the module docstring); an error in a call is raised
        here, a worker's death too. Stopped early, the workers still busy are killed (and started
        again by the next run)."""
        self._workers = [w if w.process.is_alive() else _Worker() for w in self._workers]
        queues: list[deque[int]] = [deque() for _ in self._workers]
        for index in range(len(calls)):
            queues[(lanes[index] if lanes is not None else index) % len(queues)].append(index)
        try:
            for lane, worker in enumerate(self._workers):
                self._give(worker, lane, queues, calls)
            while busy := {w.conn: w for w in self._workers if w.tasks}:
                for ready in wait(list(busy)):
                    worker = busy[ready]
                    ok, value = _receive(worker)
                    index = worker.tasks.popleft()
                    if not ok:
                        raise value
                    self._give(worker, self._workers.index(worker), queues, calls)
                    yield index, value
        finally:
            for worker in self._workers:
                if worker.tasks:  # stopped early: its process is replaced at the next run
                    worker.stop()

    def _give(self, worker: _Worker, lane: int, queues: list[deque[int]],
              calls: Sequence[tuple[Callable, ...]]) -> None:
        """Send ``worker`` its lane's next calls up to :data:`IN_FLIGHT`, or when it is idle
        and its lane empty, the last of the fullest lane's."""
        while len(worker.tasks) < IN_FLIGHT:
            if len(queues[lane]) > bool(worker.tasks):  # the lane's last one is not sent ahead
                index = queues[lane].popleft()
            else:
                fullest = max(queues, key=len)  # its own worker is busy: an idle one's lane is empty
                if worker.tasks or not fullest:
                    return
                index = fullest.pop()
            worker.tasks.append(index)  # first: interrupted before the send, the worker counts as
            worker.conn.send(calls[index])  # busy (and is replaced), never idle with a call in flight

    def close(self) -> None:
        """End every worker (killing those still busy)."""
        for worker in self._workers:
            worker.stop()
        self._workers = []


def _receive(worker: _Worker) -> tuple[bool, object]:
    """A finished call's ``(ok, result or error)``, or an error naming how the worker died."""
    try:
        ok, value = worker.conn.recv()
    except (EOFError, OSError):
        worker.process.join(5)
        return False, RuntimeError(f"a sweep worker process died (exit code "
                                   f"{worker.process.exitcode}) while running a task")
    if ok:
        return True, value
    error, text = value
    error.__cause__ = RemoteTraceback(text)
    return False, error


def _serve(conn: Connection) -> None:
    """A worker's loop: run each ``(function, *args)`` received until None; send back
    ``(True, result)`` or ``(False, (error, its traceback's text))``. Ctrl-C is
    the parent's to handle: the terminal sends SIGINT to the whole process group."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (call := conn.recv()) is not None:
        function, *args = call
        try:
            reply: tuple[bool, object] = (True, function(*args))
        except BaseException as err:  # handed to the parent, raised there
            reply = (False, (err, "".join(traceback.format_exception(err))))
        try:
            conn.send(reply)
        except Exception as err:  # a result or error that does not pickle
            conn.send((False, (RuntimeError(f"a sweep task's {'result' if reply[0] else 'error'} "
                                            f"could not be sent back: {err}"), "")))
