"""The lone worker's runs serve requests in the order one request at a time would: a botnet
entry's run, a preempting legitimate request seated in its next slot, a higher botnet entry
cutting it after the request in service, and the queue seen as one request at a time would
leave it (load/solo.py)."""

from __future__ import annotations

import math
from types import SimpleNamespace

from powsim.load.clock import Clock
from powsim.load.queue import EffortQueue, Entry
from powsim.load.solo import SoloWorker


def _worker(bound_s: float = 100.0):
    env, served, sizes = Clock(), [], []
    queue = EffortQueue(None, lambda entry, count, why: None)
    worker = SoloWorker(env, queue, 1.0, lambda e, n, s: served.append((env.now, e.effort, n, s)),
                        lambda entry: None, env.at, lambda: bound_s)

    def push(entry: Entry) -> None:
        worker.settle(env.now)
        queue.push(entry, env.now)
        worker.pushed(entry)

    def at(when_s: float, action) -> None:
        env.at(when_s, lambda _: action())

    return env, queue, worker, served, sizes, push, at


def test_a_legitimate_request_takes_the_runs_next_slot():
    env, queue, _, served, sizes, push, at = _worker()
    bots = Entry(1.0, 10, 1, 0.0, math.inf)
    client = SimpleNamespace(entry=None, wait_s=math.nan)
    legit = Entry(5.0, 1, 0, 2.5, math.inf, client)
    client.entry = legit
    at(0.0, lambda: push(bots))
    at(2.5, lambda: (push(legit), sizes.append(queue.size)))
    env.run(until=20)
    # The run of 10 keeps its end (10 s); the guest starts at 3 s, after the request in
    # service; the entry's tenth request waits for the next run.
    assert served == [(4.0, 5.0, 1, 1.0), (10.0, 1.0, 9, 9.0), (11.0, 1.0, 1, 1.0)]
    assert client.entry is None and client.wait_s == 0.5
    assert sizes == [8]  # 7 of the entry's requests not started, and the guest


def test_a_higher_botnet_entry_cuts_the_run_after_the_request_in_service():
    env, queue, worker, served, sizes, push, at = _worker()
    at(0.0, lambda: push(Entry(1.0, 10, 1, 0.0, math.inf)))
    at(5.5, lambda: push(Entry(9.0, 2, 2, 5.5, math.inf)))
    at(7.5, lambda: (worker.settle(env.now), sizes.append(queue.size)))
    env.run(until=20)
    assert served == [(6.0, 1.0, 6, 6.0), (8.0, 9.0, 2, 2.0), (12.0, 1.0, 4, 4.0)]
    assert sizes == [4]  # the entry's 4 left; the higher entry's second started at 7 s


def test_runs_end_before_the_bound_and_stop_at_the_deadline():
    env, _, _, served, _, push, at = _worker(bound_s=3.5)
    at(0.0, lambda: push(Entry(1.0, 10, 1, 0.0, 4.5)))
    env.run(until=20)
    # Before the bound (3.5 s): 3 requests; then starts at 3 and 4 s (4.5 s deadline); the
    # rest is dropped as expired when met at 5 s.
    assert served == [(3.0, 1.0, 3, 3.0), (4.0, 1.0, 1, 1.0), (5.0, 1.0, 1, 1.0)]
