"""Sweep speed: the same sweep of examples/what-if-a.toml serially and on a dask LocalCluster.

Prints the seconds of each (the cluster's start-up counted, and apart), their ratio (goal:
at least 1.7x with 2 workers), that both gave identical tables, and the seconds of one run of the
example's 1,000-user population (prepare excluded, median of 3).

    .venv/bin/python benchmarks/bench_sweep.py                 # 64 points x 10 replications
    .venv/bin/python benchmarks/bench_sweep.py --points 8 --replications 2   # a quick look
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pandas as pd

from powsim.sim.run import prepare, simulate
from powsim.model.parse import load_scenario
from powsim.sim.summary import summarize
from powsim.sweep.executor import Executor, open_executor
from powsim.sweep.grid import parse_axis
from powsim.sweep.runner import Sweep, run_sweep

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "what-if-a.toml"


def population_seconds(repeats: int = 3) -> tuple[float, int]:
    """Median seconds of one sampled run of the example (and its number of batches)."""
    model = prepare(load_scenario(EXAMPLE))
    times, batches = [], 0
    for seed in range(repeats):
        start = time.perf_counter()
        run = simulate(model, "sampled", seed)
        summarize(model, run)
        times.append(time.perf_counter() - start)
        batches = len(run.events)
    return statistics.median(times), batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seconds, batches = population_seconds()
    print(f"one run of the 1,000-user population (plus both attackers): {seconds:.2f} s "
          f"({batches} batches, {1e6 * seconds / batches:.0f} us per batch)")
    sweep = Sweep(EXAMPLE, (parse_axis(f"defense.a=log:1.001:1.2:{args.points}"),),
                  args.replications)
    start = time.perf_counter()
    _, serial = run_sweep(sweep, Executor(), progress=False)
    serial_s = time.perf_counter() - start
    start = time.perf_counter()
    with open_executor(workers=args.workers) as executor:
        executor.client.run(lambda: __import__("powsim.sweep.tasks"))  # workers' imports
        started_s = time.perf_counter() - start
        _, parallel = run_sweep(sweep, executor, progress=False)
    parallel_s = time.perf_counter() - start
    pd.testing.assert_frame_equal(serial, parallel)
    tasks = args.points * args.replications
    print(f"sweep of {args.points} points x {args.replications} replications ({tasks} runs), "
          f"{os.cpu_count()} cores: serial {serial_s:.1f} s, {args.workers} dask workers "
          f"{parallel_s:.1f} s of which {started_s:.1f} s starting the cluster and its workers' "
          f"imports; speed-up {serial_s / parallel_s:.2f}x ({serial_s / (parallel_s - started_s):.2f}x "
          "after start-up; goal >= 1.7x with 2 workers); tables identical")


if __name__ == "__main__":
    main()
