"""WorkerPool (on the DES's Clock) against simpy.Resource (on a plain simpy.Environment): the
same grants, in the same order, at the same times, with the same number of scheduled events,
including same-instant releases and requests."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from powsim.sim.clock import Clock
from powsim.sim.server.pool import WorkerPool


def _trace(use_pool: bool, capacity: int, seed: int) -> tuple[list[tuple[float, int, str]], int]:
    """Users asking for a worker at whole-second times (many ties), holding it 0-2 s (ties with
    other releases and requests too); every grant and release as (time, user, what), and the
    events scheduled."""
    env = Clock() if use_pool else simpy.Environment()
    rng = np.random.default_rng(seed)
    pool = WorkerPool(env, capacity) if use_pool else simpy.Resource(env, capacity)
    log: list[tuple[float, int, str]] = []

    def user(k: int, start: float, holds: list[float]):
        yield env.timeout(start)
        for hold in holds:
            if use_pool:
                yield pool.request()
                log.append((env.now, k, "granted"))
                yield env.timeout(hold)
                pool.release()
            else:
                with pool.request() as turn:
                    yield turn
                    log.append((env.now, k, "granted"))
                    yield env.timeout(hold)
            log.append((env.now, k, "released"))
            yield env.timeout(float(rng.integers(0, 2)))

    for k in range(30):
        env.process(user(k, float(rng.integers(0, 5)), [float(h) for h in rng.integers(0, 3, 8)]))
    env.run()
    return log, next(env._eid)


@pytest.mark.parametrize("capacity", [1, 2, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pool_schedules_what_simpy_resource_schedules(capacity: int, seed: int) -> None:
    ours, theirs = _trace(True, capacity, seed), _trace(False, capacity, seed)
    assert ours == theirs
    assert len(ours[0]) == 2 * 30 * 8  # every user got and gave back each of its turns
