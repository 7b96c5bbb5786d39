"""How fast the vectorised kernel runs against the DES, measured in the same run: printed
figures, not a timed test.

    .venv/bin/python benchmarks/bench_vectorised.py [--runs 5] [--calibrate [--calibrate-runs 2]]

For each scenario, ``--runs`` seeded runs with ``kernel='des'`` (all in SimPy) and the same
runs with ``kernel='auto'`` (the vectorised kernel where it takes the entries; the run is
the same, checked here too), once drawing the members afresh and once on the draws kept
from the same runs at another a (what every point of a sweep over a but the first does):
CPU seconds per run (a shared machine's wall clock measures its neighbours), microseconds
per simulated batch and the DES's ratio to each. Scenarios: the what-if example (1,000 bootstrapped users on a hardware mix, a
knockoff attacker and a 20-account sybil ring, which stays in SimPy) and 100 users x 1,000
replayed batches on a server with a worker per user. With ``--calibrate``, also the wall
seconds of ``powsim calibrate examples/what-if-a.toml --legit users --max-p95 2.0`` at its
defaults (one forked worker process per core) against the same command run serially in
this run (``--jobs 0``, the baseline), and whether the 10 s goal is met.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from powsim.sim import member_draws
from powsim.model.overrides import Override
from powsim.sim.run import Model, prepare, simulate
from powsim.model.parse import load_scenario

from bench_sim import write_bench_trace  # this folder is on sys.path

REPO = Path(__file__).resolve().parents[1]
WHAT_IF = REPO / "examples" / "what-if-a.toml"
WHAT_IF_DES_US = 26.0  # the DES's cost per batch of the what-if example when issue 21 was filed
GOAL_US = 0.5  # issue 21's goal per batch: 50x below that


def _replay_scenario(folder: Path, users: int = 100, batches: int = 1000) -> Path:
    write_bench_trace(folder / "legit.parquet", batches, 0.1)
    (folder / "bench.toml").write_text(textwrap.dedent(f"""
        [defense]
        policy = "paper"
        reference = "legit.parquet"
        reference_hash_rate = 1.0e6
        [server]
        workers = {users}
        [[agents]]
        kind = "legit"
        count = {users}
        think_s = 1.0
        arrival_rate_hz = 1.0
        trace = "legit.parquet"
        """))
    return folder / "bench.toml"


def _timed(model: Model, kernel: str, runs: int, fresh: bool = False) -> tuple[float, list]:
    """CPU seconds per run and the runs' events; ``fresh`` forgets kept member draws first."""
    elapsed = 0.0
    results = []
    for r in range(runs):
        if fresh:
            member_draws._kept.clear()
        start = time.process_time()
        results.append(simulate(model, "sampled", 0, r, kernel=kernel).events)
        elapsed += time.process_time() - start
    return elapsed / runs, results


def compare(name: str, scenario: Path, runs: int, then_us: float | None = None) -> None:
    """The DES, the vectorised kernel drawing afresh, and the kernel on the draws kept from
    another a (a sweep's next point), on the same seeds; ``then_us``: the DES's microseconds
    per batch on this scenario when issue 21 was filed, if measured."""
    model = prepare(load_scenario(scenario))
    other = prepare(load_scenario(scenario, (Override("defense.a", 1.02),)))
    simulate(model, "sampled", 0, 0)  # warm caches (workload batches, compiled functions)
    des_s, des = _timed(model, "des", runs)
    cold_s, cold = _timed(model, "auto", runs, fresh=True)
    _timed(other, "auto", runs)  # draws kept for these seeds
    warm_s, warm = _timed(model, "auto", runs)
    batches = int(np.mean([len(events) for events in des]))
    same = all(a.equals(b) and a.equals(c) for a, b, c in zip(des, cold, warm))
    print(f"{name}: {batches:,} batches per run, {runs} sampled runs each, CPU seconds")
    for label, seconds in (("DES (kernel='des')", des_s), ("vectorised, fresh draws", cold_s),
                           ("vectorised, draws kept from a = 1.02", warm_s)):
        print(f"  {label:38s} {seconds * 1e3:8.1f} ms per run, {seconds / batches * 1e6:6.2f} us "
              f"per batch, DES / this {des_s / seconds:5.1f}x")
    warm_us = warm_s / batches * 1e6  # a sweep's every point but the first
    then = (f"{then_us / warm_us:.0f}x below the {then_us:g} us the DES took when issue 21 was "
            f"filed; " if then_us else "")
    print(f"  goal (issue 21): at most {GOAL_US} us per batch with draws kept: {warm_us:.2f} us, "
          f"{'met' if warm_us <= GOAL_US else 'NOT met'} ({then}{des_s / warm_s:.0f}x below "
          f"today's DES in this run); same events as the DES: {same}")


GOAL_S = 10.0  # calibrate's goal at its defaults on a 2-core machine (issue 21)


def _calibrate_once(extra: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (all its processes) of one calibrate run, and how it ended."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "powsim.cli", "calibrate", str(WHAT_IF), "--legit", "users",
                   "--max-p95", "2.0", "--out", str(Path(folder) / "out"), "--quiet", *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=os.environ)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, "ok" if result.returncode == 0 else f"exit {result.returncode}: {result.stderr[-300:]}"


def calibrate_wall(runs: int) -> None:
    """Wall seconds of the calibrate command at its defaults (one forked worker process per
    core) against the same command run serially (--jobs 0), the baseline, alternated
    ``runs`` times in this run; the CPU seconds of all its processes (on an idle machine of N
    cores its wall time is at least CPU / N); and whether the goal is met (best run)."""
    figures: dict[str, list[tuple[float, float, str]]] = {"defaults": [], "serial": []}
    for _ in range(runs):
        figures["defaults"].append(_calibrate_once([]))
        figures["serial"].append(_calibrate_once(["--jobs", "0"]))
    wall = {label: min(w for w, _, _ in runs_) for label, runs_ in figures.items()}
    cpu = {label: min(c for _, c, _ in runs_) for label, runs_ in figures.items()}
    status = "; ".join(sorted({s for runs_ in figures.values() for _, _, s in runs_}))
    print(f"powsim calibrate examples/what-if-a.toml --legit users --max-p95 2.0 (defaults: 41 a "
          f"x 10 replications + 10 held-out runs), best of {runs}: {wall['defaults']:.1f} s wall on "
          f"{os.cpu_count()} forked worker processes ({cpu['defaults']:.1f} CPU s in all its "
          f"processes), serial baseline {wall['serial']:.1f} s wall ({cpu['serial']:.1f} CPU s), "
          f"ratio {wall['defaults'] / wall['serial']:.2f}; goal <= {GOAL_S:g} s on 2 cores: "
          f"{'met' if wall['defaults'] <= GOAL_S else 'NOT met'}; load average "
          f"{os.getloadavg()[0]:.1f} at the end; {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calibrate", action="store_true", help="also time powsim calibrate")
    parser.add_argument("--calibrate-runs", type=int, default=2,
                        help="calibrate runs at its defaults and serially, alternated (default 2)")
    args = parser.parse_args()
    compare("what-if example (examples/what-if-a.toml)", WHAT_IF, args.runs, WHAT_IF_DES_US)
    with tempfile.TemporaryDirectory() as folder:
        compare("100 users x 1,000 replayed batches, a worker each", _replay_scenario(Path(folder)),
                max(1, args.runs // 5))
    if args.calibrate:
        calibrate_wall(args.calibrate_runs)


if __name__ == "__main__":
    main()
