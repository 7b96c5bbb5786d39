"""The DES's Clock against a plain simpy.Environment: the same events processed in the same
order at the same times, with the same event counts, failures raised alike."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from powsim.sim.clock import Clock


def _trace(env: simpy.Environment, seed: int) -> tuple[list[tuple[float, int, int]], int]:
    """Processes waiting whole seconds 0-2 (many ties: due now and due later), each also
    succeeding a plain event, waiting for others' ends and using :meth:`Clock.later` on a
    Clock; every resumption as (time, process, step) and the events scheduled."""
    rng = np.random.default_rng(seed)
    log: list[tuple[float, int, int]] = []
    signal = env.event()

    def actor(k: int, delays: list[float]):
        for step, delay in enumerate(delays):
            if step == 3 and k % 3 == 0 and not signal.triggered:
                signal.succeed()
            if step == 4 and k % 3 == 1:
                yield signal
            yield env.later(delay) if isinstance(env, Clock) and k % 2 else env.timeout(delay)
            log.append((env.now, k, step))

    actors = [env.process(actor(k, [float(d) for d in rng.integers(0, 3, 8)])) for k in range(25)]

    def closer():
        yield env.all_of(actors[:5])
        log.append((env.now, -1, 0))
        yield env.timeout(0)
        log.append((env.now, -1, 1))

    env.process(closer())
    env.run()
    return log, next(env._eid)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_clock_processes_what_simpy_processes(seed: int) -> None:
    ours, theirs = _trace(Clock(), seed), _trace(simpy.Environment(), seed)
    assert ours == theirs
    assert len(ours[0]) == 25 * 8 + 2


def test_clock_runs_until_a_time_peeks_and_raises_a_failure_as_simpy() -> None:
    seen = []
    for env in (Clock(), simpy.Environment()):
        env.timeout(0)
        env.timeout(3)
        peeks = [env.peek()]
        env.run(until=2)
        peeks += [env.now, env.peek()]
        env.run(until=4)
        peeks += [env.now, env.peek()]

        def failing():
            yield env.timeout(0)
            raise ValueError("bad")

        env.process(failing())
        with pytest.raises(ValueError, match="bad"):
            env.run()
        seen.append((peeks, next(env._eid)))
    assert seen[0] == seen[1]
    assert seen[0][0][:4] == [0, 2, 2, 4]
