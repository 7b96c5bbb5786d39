"""Local worker processes (sweep/local_pool.py): a call's error is raised here with its type,
message and the worker's traceback; a dead worker and a run stopped early (Ctrl-C here)
leave a pool that runs the next calls; workers ignore the terminal's SIGINT; calls of one
lane stay in one worker, and a lone lane's calls are shared."""

from __future__ import annotations

import os
import signal
import time

import pytest

from powsim.errors import InputError
from powsim.sweep.local_pool import LocalPool, RemoteTraceback


def _pid(wait_s: float = 0.0) -> int:
    time.sleep(wait_s)
    return os.getpid()


def _fail(text: str) -> None:
    raise InputError(text)


def _interrupt(parent: int) -> None:
    os.kill(parent, signal.SIGINT)  # as Ctrl-C does (the worker's own is ignored)
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(30)


@pytest.fixture
def pool():
    pool = LocalPool(2)
    yield pool
    pool.close()


def _squares(pool: LocalPool) -> list[tuple[int, int]]:
    return sorted(pool.run([(pow, n, 2) for n in range(6)]))


def test_an_error_in_a_worker_is_raised_here_and_the_pool_goes_on(pool):
    with pytest.raises(InputError, match="^x.toml: bad$") as caught:
        list(pool.run([(_pid, 0.2), (_fail, "x.toml: bad"), (_pid, 0.2)]))
    assert isinstance(caught.value.__cause__, RemoteTraceback)
    assert "_fail" in str(caught.value.__cause__)
    assert _squares(pool) == [(n, n * n) for n in range(6)]


def test_a_dead_worker_is_an_error_and_is_replaced(pool):
    with pytest.raises(RuntimeError, match=r"worker process died \(exit code 3\)"):
        list(pool.run([(os._exit, 3)]))
    assert _squares(pool) == [(n, n * n) for n in range(6)]


def test_ctrl_c_stops_the_run_here_and_the_pool_goes_on(pool):
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        list(pool.run([(_interrupt, os.getpid()), (_pid, 0.1)]))
    assert time.perf_counter() - started < 10  # the busy worker is killed, not awaited
    assert _squares(pool) == [(n, n * n) for n in range(6)]


def test_an_interrupt_just_after_a_call_is_sent_leaves_no_stale_result(pool):
    worker = pool._workers[0]
    pipe = worker.conn

    class InterruptedAfterSending:  # Ctrl-C landing right after the call left
        def send(self, call):
            pipe.send(call)
            worker.conn = pipe
            raise KeyboardInterrupt

    worker.conn = InterruptedAfterSending()
    with pytest.raises(KeyboardInterrupt):
        list(pool.run([(_pid, 0.3), (_pid, 0.3)]))
    # The worker that got the call counts as busy and is replaced: its pid never comes back
    # as a result of the next run.
    assert _squares(pool) == [(n, n * n) for n in range(6)]


def test_lanes_keep_their_calls_in_one_worker_and_a_lone_lane_is_shared(pool):
    # A lane's calls but its last go to its worker; the last (4 and 5) go to whichever worker
    # is idle first, so which worker runs them depends on timing.
    ran = dict(pool.run([(_pid, 0.05)] * 6, [0, 1] * 3))
    assert ran[0] == ran[2] != ran[1] == ran[3]
    assert {ran[4], ran[5]} <= {ran[0], ran[1]}
    shared = dict(pool.run([(_pid, 0.05)] * 6, [0] * 6))
    assert len(set(shared.values())) == 2


def test_a_lanes_last_call_is_not_sent_ahead_but_left_for_an_idle_worker(pool):
    # Lane 0's worker runs call 0 with call 1 sent ahead; call 2, the lane's last, waits here
    # and goes to lane 1's worker, idle from 0.75 s, not to lane 0's (idle only from 1 s).
    ran = dict(pool.run([(_pid, 0.5)] * 3 + [(_pid, 0.75)], [0, 0, 0, 1]))
    assert ran[0] == ran[1] != ran[3] == ran[2]
