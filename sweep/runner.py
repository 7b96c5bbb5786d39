"""Run a sweep: RUNS_PER_TASK runs (point x replication) a task, points cached as they complete.

With W workers, replication r's runs go to lane r mod W: a local worker keeps its lane's
members' draws (shared by every point's replication r, :mod:`powsim.sim.member_draws`)
instead of drawing every replication's afresh. The points are taken in blocks of
RUNS_PER_TASK, and within a block replication by replication, so that a task holds one
replication's runs when there are enough points: a worker whose lane is done that takes
another lane's last task (:mod:`powsim.sweep.local_pool`) then draws one replication's
members, not one per run. Lanes' tasks interleave so that blocks of points finish in order.

``DIR/points/POINT.parquet`` holds one finished point's per-replication summaries; its name
is a digest of the scenario file's bytes, the point's overrides, the mode, seed and number
of replications, so an interrupted sweep run again with the same ``--out`` computes only
the points still missing (and never reuses a point of another scenario or seed).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powsim import progress as bars
from powsim.atomic import atomic_path
from powsim.errors import ParameterError
from powsim.model.overrides import Override
from powsim.model.read import read_scenario
from powsim.sweep.executor import Executor
from powsim.sweep.grid import Axis, grid_points
from powsim.sweep.table import sweep_table
from powsim.sweep.tasks import point_key, run_tasks

MODES = ("sampled", "expected")
POINTS = "points"  # the folder of finished points inside a sweep's output folder
# Runs (point x replication, point by point) per task: a task's overhead is paid once for
# all, its model and its members' draws are shared by its runs (see sim/member_draws.py).
RUNS_PER_TASK = 10


@dataclass(frozen=True)
class Sweep:
    """A sweep of the scenario file ``scenario`` over ``axes``, ``replications`` runs per point
    from ``seed`` in ``mode``; ``fixed`` overrides apply at every point, before the point's."""

    scenario: Path
    axes: tuple[Axis, ...]
    replications: int
    seed: int = 0
    mode: str = "sampled"
    fixed: tuple[Override, ...] = ()

    @property
    def keys(self) -> list[str]:
        """The swept keys, one column each in the results."""
        return [axis.key for axis in self.axes]

    @cached_property
    def points(self) -> list[tuple[Override, ...]]:
        """The grid's points, each checked (once) by loading the scenario with its overrides."""
        if self.replications < 1:
            raise ParameterError(f"{{replications}}: {self.replications}, expected a whole "
                                 "number >= 1")
        if self.mode not in MODES:
            raise ParameterError(f"{{mode}}: {self.mode!r}, expected one of {', '.join(MODES)}")
        points = [(*self.fixed, *point) for point in grid_points(self.axes)]
        for point in points:  # bad keys and values fail here, before any task or file
            read_scenario(self.scenario, point)
        return points

    def describe(self) -> str:
        """How many runs the sweep makes (checking every point first, see :attr:`points`)."""
        return (f"{len(self.points)} grid points x {self.replications} replications = "
                f"{len(self.points) * self.replications} runs")

    def digest(self, point: tuple[Override, ...]) -> str:
        """The name of ``point``'s cache file (see the module docstring)."""
        text = json.dumps([hashlib.sha256(self.scenario.read_bytes()).hexdigest(),
                           point_key(point), self.mode, self.seed, self.replications])
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def run_sweep(sweep: Sweep, executor: Executor, out: Path | None = None,
              progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-replication summaries (one row per point x replication x entry, swept keys as
    columns) and their tidy table (:func:`~powsim.sweep.table.sweep_table`)."""
    points = sweep.points
    cache = None if out is None else Path(out) / POINTS
    done: dict[int, pd.DataFrame] = {}
    for index, point in enumerate(points):
        rows = _cached(cache / f"{sweep.digest(point)}.parquet", sweep.replications) if cache else None
        if rows is not None:
            done[index] = rows
    runs = [(index, r) for index in range(len(points)) if index not in done
            for r in range(sweep.replications)]
    tasks, lanes = _tasks(runs, executor.workers)
    calls = [(run_tasks, str(sweep.scenario.resolve()), [(points[i], r) for i, r in task],
              sweep.mode, sweep.seed) for task in tasks]
    pending: dict[int, list[pd.DataFrame]] = defaultdict(list)  # a point's runs received
    with bars.bar(len(runs), "sweep", "run", enabled=progress) as bar:
        for call, (rows, sizes) in executor.run(calls, lanes):
            ends = list(itertools.accumulate(sizes))
            for (index, _), start, end in zip(tasks[call], [0, *ends[:-1]], ends):
                pending[index].append(rows.iloc[start:end])
                bar.update(1)
                if len(pending[index]) == sweep.replications:
                    done[index] = _point_rows(points[index], pending.pop(index))
                    if cache is not None:
                        _save(done[index], cache / f"{sweep.digest(points[index])}.parquet")
    runs = pd.concat([done[index] for index in range(len(points))], ignore_index=True)
    return runs, sweep_table(runs, sweep.keys)


def _tasks(runs: list[tuple[int, int]], workers: int) -> tuple[list[list[tuple[int, int]]], list[int]]:
    """``runs`` (point, replication) cut into tasks of RUNS_PER_TASK runs of one lane
    (replication mod ``workers``), by blocks of RUNS_PER_TASK points and within a block by
    replication, the lanes' tasks taken in turn; and each task's lane."""
    blocks = {index: position // RUNS_PER_TASK
              for position, index in enumerate(dict.fromkeys(index for index, _ in runs))}
    chunks = []
    for lane in range(workers):
        own = sorted((run for run in runs if run[1] % workers == lane),
                     key=lambda run: (blocks[run[0]], run[1], run[0]))
        chunks.append([own[start:start + RUNS_PER_TASK] for start in range(0, len(own), RUNS_PER_TASK)])
    turns = [(task, lane) for row in itertools.zip_longest(*chunks)
             for lane, task in enumerate(row) if task is not None]
    return [task for task, _ in turns], [lane for _, lane in turns]


def _point_rows(point: tuple[Override, ...], results: list[pd.DataFrame]) -> pd.DataFrame:
    """A point's replications in order (``results``: frames of whole runs), its swept values
    as leading columns (tables as JSON)."""
    rows = pd.concat(results, ignore_index=True).sort_values("replication", kind="stable",
                                                             ignore_index=True)
    for position, (key, value) in enumerate(point):
        rows.insert(position, key, json.dumps(value, sort_keys=True)
                    if isinstance(value, (dict, list)) else value)
    return rows


def _cached(path: Path, replications: int) -> pd.DataFrame | None:
    """A finished point's rows from the cache, or None when it is missing, unreadable or not
    a point of ``replications`` runs (a damaged point is computed again, its file replaced)."""
    if not path.is_file():
        return None
    try:
        rows = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException):
        return None
    if "replication" not in rows or set(rows["replication"]) != set(range(replications)):
        return None
    return rows


def _save(rows: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), tmp)
