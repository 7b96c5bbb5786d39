"""How fast the simulator runs: printed figures, not a timed test.

    .venv/bin/python benchmarks/bench_sim.py [--batches 100000] [--mode sampled]

Simulates 100 legitimate users x 1,000 batches (100,000 batches) on a 4-worker server and
prints simulated batches per second, SimPy events per second, and their ratio to a bare
SimPy loop of timeouts measured in the same run (one process: SimPy's heap holds one event).
The per-account DES is forced (``kernel="des"``): these users share nothing, so ``auto``
would hand them to the vectorised kernel and schedule no SimPy event at all.
With ``--cost-workers 0`` cost estimation runs on the inference worker: one resource request
per batch instead of two. Events are counted from the environment's event-id counter (every scheduled event,
those the DES takes at once included: docs/simulation.md, Speed).
"""

from __future__ import annotations

import argparse
import tempfile
import textwrap
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import simpy

from powsim.sim import run as run_module
from powsim.sim.clock import Clock
from powsim.sim.run import prepare, simulate
from powsim.sim.server.pool import WorkerPool
from powsim.model.parse import load_scenario
from powsim.traces.format import TraceMetadata, make_trace, write_trace

USERS = 100


def write_bench_trace(path: Path, batches: int, cost_per_query: float) -> None:
    """A replay trace of ``batches`` batches of 10 queries, each costing ``cost_per_query``."""
    queries = batches * 10
    data = pd.DataFrame({"query": np.arange(queries), "batch": np.arange(queries) // 10,
                         "cost": np.full(queries, cost_per_query)})
    metadata = TraceMetadata(kind="query", dataset="bench", attack="standard", batch_size=10,
                             seconds_per_batch={"inference": 0.01, "inference_and_cost": 0.015})
    write_trace(make_trace(data, metadata), path)


def _events(env: simpy.Environment) -> int:
    """Events scheduled so far: SimPy numbers every event it schedules from one counter."""
    return next(env._eid)


def bare_loop(events: int) -> float:
    """Events per second of one SimPy process yielding ``events`` timeouts."""
    env = simpy.Environment()

    def tick():
        for _ in range(events):
            yield env.timeout(1.0)

    env.process(tick())
    start = time.perf_counter()
    env.run()
    return _events(env) / (time.perf_counter() - start)


def bare_resource_model(users: int, batches: int, workers: int, cost_workers: int,
                        des: bool = False) -> float:
    """Events per second of the simulator's SimPy skeleton with no model logic at all (think,
    inference worker, cost worker, solve): the ceiling of any model built on two worker pools.
    ``des``: on the simulator's own ``Clock``, ``WorkerPool`` and ``Clock.later`` instead of
    ``simpy.Environment``, ``simpy.Resource`` and ``env.timeout`` (the same events, same order)."""
    env = Clock() if des else simpy.Environment()
    wait, pool_of = (env.later, WorkerPool) if des else (env.timeout, simpy.Resource)
    pools = [pool_of(env, workers)] + ([pool_of(env, cost_workers)] if cost_workers else [])

    def user():
        for _ in range(batches):
            yield wait(1.0)
            for pool in pools:
                turn = pool.request()
                if turn is not None:  # None: a WorkerPool's grant taken at once (Clock.go_on_now)
                    yield turn
                yield wait(0.01)
                if des:
                    pool.release()
                else:
                    pool.release(turn)
            yield wait(0.001)

    for _ in range(users):
        env.process(user())
    start = time.perf_counter()
    env.run()
    return _events(env) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--mode", choices=["expected", "sampled"], default="sampled")
    parser.add_argument("--cost-workers", type=int, default=4,
                        help="cost-estimation workers; 0 runs it on the inference worker")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_bench_trace(folder / "legit.parquet", args.batches // USERS, 0.1)
        (folder / "bench.toml").write_text(textwrap.dedent(f"""
            [defense]
            policy = "paper"
            reference = "legit.parquet"
            reference_hash_rate = 1.0e6
            [server]
            workers = 4
            cost_workers = {args.cost_workers}
            [[agents]]
            kind = "legit"
            count = {USERS}
            think_s = 1.0
            trace = "legit.parquet"
            """))
        model = prepare(load_scenario(folder / "bench.toml"))
    environments: list[Clock] = []

    class Recorded(Clock):
        """The simulation's environment, kept to count its events afterwards."""

        def __init__(self) -> None:
            super().__init__()
            environments.append(self)

    start = time.perf_counter()
    with mock.patch.object(run_module, "Clock", Recorded):
        run = simulate(model, args.mode, seed=0, kernel="des")  # the DES: "auto" would vectorise
    elapsed = time.perf_counter() - start
    events = _events(environments[0])
    bare = bare_loop(events)
    print(f"simulated batches: {len(run.events)} in {elapsed:.2f} s wall ({args.mode} mode, "
          f"{args.cost_workers} cost workers)")
    print(f"simulated batches per second: {len(run.events) / elapsed:,.0f}")
    print(f"simulator SimPy events per second: {events / elapsed:,.0f} ({events / len(run.events):.1f} events per batch)")
    print(f"bare SimPy timeout loop events per second: {bare:,.0f}")
    print(f"ratio simulator / bare loop: {events / elapsed / bare:.2f} (goal >= 0.5)")
    skeleton = bare_resource_model(USERS, args.batches // USERS, 4, args.cost_workers)
    print(f"same SimPy skeleton without model logic: {skeleton:,.0f} events/s, ratio to bare "
          f"loop {skeleton / bare:.2f} (the ceiling for this structure with simpy.Resource)")
    pooled = bare_resource_model(USERS, args.batches // USERS, 4, args.cost_workers, des=True)
    print(f"the skeleton on the simulator's Clock, WorkerPool and Moments (the same events): "
          f"{pooled:,.0f} events/s, ratio to bare loop {pooled / bare:.2f}")


if __name__ == "__main__":
    main()
