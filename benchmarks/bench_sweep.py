"""Sweep speed: the same sweep of examples/what-if-a.toml serially and on local worker processes.

Each measurement runs in a fresh process (so that no run inherits another's kept models and
draws), serial and parallel alternating, ``--repeats`` pairs. Timed in each: opening the
executor (the workers' start-up), the sweep, and closing it; the grid's points are checked
before, untimed, as ``powsim sweep`` does before it starts workers. Prints per pair the
serial and parallel seconds, the start-up, the speed-up serial / parallel and the overhead
share 1 - serial / (workers x parallel), the part of the workers' time not spent on the
serial run's work (<= 10 % is the same as >= 1.8x with 2 workers), and the CPU overhead
(parallel CPU seconds of all processes - serial's) / parallel's, which other users of the
machine do not inflate as they do wall time; then the median and range of each over the
pairs, whether the median speed-up meets the goal (>= 1.8x with 2 workers, start-up
included), and that every parallel table equals the serial one. Also the cores the parallel
side got (its CPU seconds / its wall seconds) and the speed-up of the pairs where it got at
least 90 % of the workers' cores: the kernel shares the CPU fairly between sessions
(``/proc/sys/kernel/sched_autogroup_enabled``), so while another session keeps a core busy
the whole sweep, however many workers it has, gets about one core.

    .venv/bin/python benchmarks/bench_sweep.py                 # 64 points x 10 replications, 3 pairs
    .venv/bin/python benchmarks/bench_sweep.py --points 16 --replications 20
    .venv/bin/python benchmarks/bench_sweep.py --points 8 --replications 2 --repeats 1  # a quick look

Measured on the 2-core machine shared with other engineers (2026-12-04; see
docs/simulation.md, "Sweep parallelism").
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "what-if-a.toml"
GOAL = 1.8  # speed-up with 2 workers, start-up included
FULL = 0.9  # of the workers' cores: a pair below got less (other sessions' work, see the docstring)


def one(points: int, replications: int, workers: int, table: Path) -> dict[str, float]:
    """Time one sweep in this process (``workers`` 0: serially); its table goes to ``table``."""
    from powsim.sweep.executor import open_executor
    from powsim.sweep.grid import parse_axis
    from powsim.sweep.runner import Sweep, run_sweep

    sweep = Sweep(EXAMPLE, (parse_axis(f"defense.a=log:1.001:1.2:{points}"),), replications)
    sweep.describe()  # checks every point, as the command does before opening the executor
    cpu, start = os.times(), time.perf_counter()
    with open_executor(workers=workers) as executor:
        started_s = time.perf_counter() - start
        _, result = run_sweep(sweep, executor, progress=False)
    wall_s = time.perf_counter() - start
    end = os.times()
    table.write_bytes(pickle.dumps(result))
    cpu_s = sum(end[:4]) - sum(cpu[:4])  # user + system, this process and its joined workers
    return {"wall_s": wall_s, "started_s": started_s, "cpu_s": cpu_s}


def measure(args: argparse.Namespace, workers: int, table: Path) -> dict[str, float]:
    """:func:`one` in a fresh process."""
    command = [sys.executable, __file__, "--points", str(args.points), "--replications",
               str(args.replications), "--one", str(workers), "--table", str(table)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True
                                     ).stdout.splitlines()[-1])


def _spread(values: list[float], form: str) -> str:
    return (f"{format(statistics.median(values), form)} "
            f"({format(min(values), form)}-{format(max(values), form)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="serial/parallel pairs")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--table", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.points, args.replications, args.one, args.table)))
        return
    print(f"sweep of {args.points} points x {args.replications} replications of "
          f"{EXAMPLE.name} ({args.points * args.replications} runs), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at the start")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        serial_table, parallel_table = Path(folder) / "serial.pkl", Path(folder) / "parallel.pkl"
        for pair in range(args.repeats):
            order = [(0, serial_table), (args.workers, parallel_table)]
            serial, parallel = (measure(args, *o) for o in (order if pair % 2 == 0 else order[::-1]))
            if pair % 2:
                serial, parallel = parallel, serial
            pd.testing.assert_frame_equal(pickle.loads(serial_table.read_bytes()),
                                          pickle.loads(parallel_table.read_bytes()))
            row = {"serial": serial["wall_s"], "parallel": parallel["wall_s"],
                   "start-up": parallel["started_s"],
                   "speed-up": serial["wall_s"] / parallel["wall_s"],
                   "overhead": 1 - serial["wall_s"] / (args.workers * parallel["wall_s"]),
                   "cpu overhead": 1 - serial["cpu_s"] / parallel["cpu_s"],
                   "cores": parallel["cpu_s"] / parallel["wall_s"]}
            rows.append(row)
            print(f"pair {pair + 1} ({'serial' if pair % 2 == 0 else 'parallel'} first): serial "
                  f"{row['serial']:.2f} s, {args.workers} workers {row['parallel']:.2f} s of which "
                  f"{row['start-up']:.3f} s start-up; speed-up {row['speed-up']:.2f}x, overhead "
                  f"{row['overhead']:.0%}, CPU overhead {row['cpu overhead']:.0%}; cores the "
                  f"parallel side got {row['cores']:.2f}", flush=True)
    summary = {key: [row[key] for row in rows] for key in rows[0]}
    speed_up = statistics.median(summary["speed-up"])
    print(f"median (range) over {args.repeats} pairs: serial {_spread(summary['serial'], '.2f')} s, "
          f"{args.workers} workers {_spread(summary['parallel'], '.2f')} s incl. start-up "
          f"{_spread(summary['start-up'], '.3f')} s; speed-up {_spread(summary['speed-up'], '.2f')}x "
          f"(goal >= {GOAL}x with 2 workers, start-up included: "
          f"{'met' if speed_up >= GOAL else 'NOT met'}); overhead "
          f"{_spread(summary['overhead'], '.0%')}; CPU overhead {_spread(summary['cpu overhead'], '.0%')}; "
          f"load average {os.getloadavg()[0]:.2f} at the end; tables identical")
    given = [row["speed-up"] for row in rows if row["cores"] >= FULL * args.workers]
    print(f"pairs whose parallel side got >= {FULL:.0%} of {args.workers} cores: {len(given)}"
          + (f", speed-up {_spread(given, '.2f')}x" if given else ""))


if __name__ == "__main__":
    main()
