"""WorkerPool (on the DES's Clock) against simpy.Resource (on a plain simpy.Environment): the
same grants, in the same order, at the same times, with the same number of scheduled events,
including same-instant releases and requests, and grants and releases taken at once (when
their event would be the next processed, :meth:`Clock.go_on_now`)."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from powsim.sim.clock import Clock
from powsim.sim.server.pool import WorkerPool


def _trace(use_pool: bool, capacity: int, seed: int, ties: bool
           ) -> tuple[list[tuple[float, int, str]], int, int]:
    """Users asking for a worker at whole-second times (``ties``: many ties) or continuous
    ones, holding it 0-2 s (ties with other releases and requests too); every grant and
    release as (time, user, what), the events scheduled, and how many of them the pool took
    at once (on a Clock, whose ``later`` resumes a process by a Moment)."""
    env = Clock() if use_pool else simpy.Environment()
    wait = env.later if use_pool else env.timeout
    rng = np.random.default_rng(seed)
    draw = (lambda n: rng.integers(0, 3, n).astype(float)) if ties else (lambda n: rng.uniform(0, 2, n))
    pool = WorkerPool(env, capacity) if use_pool else simpy.Resource(env, capacity)
    log: list[tuple[float, int, str]] = []
    at_once = 0

    def user(k: int, start: float, holds: list[float]):
        nonlocal at_once
        yield wait(start)
        for hold in holds:
            if use_pool:
                turn = pool.request()
                if turn is None:
                    at_once += 1
                else:
                    yield turn
                log.append((env.now, k, "granted"))
                yield env.later(hold)
                scheduled = len(env._queue) + len(env._due_now)
                pool.release()
                at_once += scheduled == len(env._queue) + len(env._due_now)
            else:
                with pool.request() as turn:
                    yield turn
                    log.append((env.now, k, "granted"))
                    yield env.timeout(hold)
            log.append((env.now, k, "released"))
            yield wait(float(draw(1)[0]) * (0.5 if ties else 100))  # continuous: a light load

    for k in range(30):
        env.process(user(k, float(draw(1)[0]) * 2, [float(h) for h in draw(8)]))
    env.run()
    return log, next(env._eid), at_once


@pytest.mark.parametrize("ties", [True, False])
@pytest.mark.parametrize("capacity", [1, 2, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pool_schedules_what_simpy_resource_schedules(capacity: int, seed: int, ties: bool) -> None:
    (log, events, at_once), theirs = _trace(True, capacity, seed, ties), _trace(False, capacity, seed, ties)
    assert (log, events) == theirs[:2]
    assert len(log) == 2 * 30 * 8  # every user got and gave back each of its turns
    if not ties:  # few waits: most grants and releases are taken at once
        assert at_once > 30 * 8
