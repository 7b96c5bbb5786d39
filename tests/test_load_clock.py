"""The load kernel's Clock against a plain simpy.Environment: bare calls, and calls gathered
into the sorted line beside the heap, run at the same times in the same order as timeouts
made at the same moments, with the same event counts and the same next event time."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import simpy

from powsim.load.clock import Clock


def _trace(env: simpy.Environment, seed: int) -> tuple[list[tuple[float, int]], int]:
    """Rounds of 30 calls made at one moment for whole seconds 0-4 ahead (many ties, with each
    other and with a ticker's timeouts), gathered on a Clock; some calls make another when
    they run (to the heap); every call, tick and peek logged."""
    rng = np.random.default_rng(seed)
    log: list[tuple[float, int]] = []
    if isinstance(env, Clock):
        at, gathered = env.at, env.gathered
    else:  # a timeout made now for that time: the same key (time, NORMAL, next id)
        def at(when_s, action):
            env.timeout(when_s - env.now).callbacks.append(action)
        gathered = contextlib.nullcontext

    def call(k: int):
        def action(_) -> None:
            log.append((env.now, k))
            if k % 4 == 0 and k < 10_000:
                at(env.now + int(rng.integers(0, 3)), call(k + 10_000))
        return action

    def publisher():
        for round_ in range(8):
            with gathered():
                for k in range(30):
                    at(env.now + int(rng.integers(0, 5)), call(100 * round_ + k))
            yield env.timeout(int(rng.integers(0, 3)))
            log.append((env.now, -1))

    def ticker():
        for _ in range(20):
            yield env.timeout(int(rng.integers(0, 2)))
            log.append((env.peek(), -2))

    env.process(publisher())
    env.process(ticker())
    env.run(until=7)
    log.append((env.peek(), -3))
    env.run()
    return log, next(env._eid)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_gathered_calls_run_where_timeouts_would(seed: int) -> None:
    ours, theirs = _trace(Clock(), seed), _trace(simpy.Environment(), seed)
    assert ours == theirs
    assert sum(k >= 0 for _, k in ours[0]) >= 8 * 30
