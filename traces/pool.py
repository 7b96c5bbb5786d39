"""The legitimate pool: every in-distribution image no model trained on, priced by the teachers.

A legitimate user's query is an in-distribution image, and the single-query PATE cost of a
query depends only on the teachers' vote histogram for it. So the teachers' votes on every
in-distribution image that neither the victim nor any teacher saw (Fashion-MNIST's 10,000
test images and the 10,000 training images kept out of the private data) are a pool that
legitimate users can be drawn from by bootstrap.

The pool is split once, by a seeded shuffle recorded in the metadata: the first
``calibration`` rows (in the file's order) are the calibration part, on which the defense's
reference E(Q) is fitted; the rest are the evaluation part, from which simulated users draw
their queries. A user is therefore never scored against a fit to their own queries.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from powsim.errors import InputError
from powsim.provenance import provenance
from powsim.traces.format import Trace, TraceMetadata, make_trace

POOL_ATTACK = "pool"
SPLIT_KEY = "split"  # the metadata ``extra`` field that records the split
POOL_COLUMNS = ("cost", "logq")  # what a pool needs to be sampled and fitted (logq: rdp policy)


@dataclasses.dataclass(frozen=True)
class PoolSplit:
    """Rows [0, calibration) of a pool are the calibration part, [calibration, rows) the
    evaluation part; ``seed`` shuffled the images into that order."""

    seed: int
    calibration: int
    rows: int

    def record(self) -> dict[str, Any]:
        """The split as stored in the metadata."""
        return {"seed": self.seed, "calibration_rows": [0, self.calibration],
                "evaluation_rows": [self.calibration, self.rows]}


def pool_trace(setup: Any, cache: Path, sigma: float, delta: float,
               calibration_fraction: float = 0.5, split_seed: int = 0, device: str = "cpu",
               log: Callable[[str], None] = print) -> Trace:
    """The pool trace of ``setup`` (a :class:`~powsim.traces.setup.Setup`; its teachers are
    loaded from ``cache`` or trained there): one row per unseen in-distribution image (the
    evaluation set, then the attacker pool, shuffled with ``split_seed``) with the teachers'
    votes priced at GNMax ``sigma`` and ``delta``; the first ``calibration_fraction`` of rows is
    the calibration part. Only the teachers are needed, not the victim: the seconds per batch
    are timed with an untrained net of the victim's architecture (time does not depend on
    weights), and there is no ``label`` or ``entropy`` column."""
    from powsim.traces.attacker import BATCH_SIZE
    from powsim.traces.generate import DATASET, seconds_per_batch
    from powsim.traces.models import MnistNet
    from powsim.traces.pate import query_costs
    from powsim.traces.setup import CLASSES
    from powsim.traces.training import agreement, ensemble_votes
    from powsim.traces.workbench import load_splits, load_teachers

    if not 0 < calibration_fraction < 1:
        raise InputError(f"option --calibration: {calibration_fraction}, expected a fraction "
                         "strictly between 0 and 1")
    splits = load_splits(setup)
    ensemble = load_teachers(setup, splits, cache, log)
    import torch

    start = time.perf_counter()
    parts = {name: ensemble_votes(ensemble, getattr(splits, name).x)
             for name in ("evaluation", "pool")}
    votes = torch.cat(list(parts.values())).numpy()
    votes = votes[np.random.default_rng(split_seed).permutation(len(votes))]
    costs = query_costs(votes, sigma, delta)
    top_two = np.sort(votes, axis=1)[:, -2:]
    query = np.arange(len(votes))
    data = pd.DataFrame({"query": query, "batch": query // BATCH_SIZE, "cost": costs.eps,
                         "logq": costs.logq, "gap": top_two[:, 1] - top_two[:, 0],
                         "votes": list(votes.astype(np.uint16))})
    split = PoolSplit(split_seed, int(round(calibration_fraction * len(data))), len(data))
    timing = SimpleNamespace(splits=splits, victim=MnistNet().eval(), ensemble=ensemble)
    metadata = TraceMetadata(
        kind="query", dataset=DATASET, attack=POOL_ATTACK, teachers=setup.teachers,
        sigma=sigma, delta=delta, classes=CLASSES, batch_size=BATCH_SIZE,
        seconds_per_batch=seconds_per_batch(timing, sigma, delta),
        provenance=provenance(seed=setup.seed, device=device,
                              wall_time_s=round(time.perf_counter() - start, 1)),
        extra={SPLIT_KEY: split.record(),
               "images": {"fashion-mnist test set": len(splits.evaluation),
                          "fashion-mnist training images kept out of the private data":
                              len(splits.pool)},
               "plurality_accuracy": agreement(parts["evaluation"].argmax(1),
                                               splits.evaluation.y),
               "setup": dataclasses.asdict(setup)})
    return make_trace(data, metadata)


def pool_split(trace: Trace) -> PoolSplit:
    """The recorded split of a pool trace; one clear error if ``trace`` is not a usable pool."""
    missing = [name for name in POOL_COLUMNS if name not in trace.data]
    if trace.kind != "query" or missing:
        what = f"missing column '{missing[0]}'" if missing else f"a {trace.kind} trace"
        raise InputError(f"{trace.source}: {what}, expected a pool trace with columns "
                         f"{', '.join(POOL_COLUMNS)} (made by 'powsim traces pool')")
    record = trace.metadata.extra.get(SPLIT_KEY)
    try:
        low, calibration = record["calibration_rows"]
        evaluation, rows = record["evaluation_rows"]
        split = PoolSplit(int(record["seed"]), int(calibration), int(rows))
        valid = low == 0 and evaluation == calibration and 0 < calibration < rows == len(trace)
    except (TypeError, KeyError, ValueError):
        valid = False
    if not valid:
        raise InputError(f"{trace.source}: metadata field 'extra.{SPLIT_KEY}' is "
                         f"{record!r}, expected calibration_rows [0, C] and evaluation_rows "
                         f"[C, {len(trace)}] (made by 'powsim traces pool')")
    return split


def is_pool(trace: Trace) -> bool:
    """Whether ``trace`` declares itself a pool (its split is then required and checked)."""
    return trace.metadata.attack == POOL_ATTACK or SPLIT_KEY in trace.metadata.extra


def pool_part(trace: Trace, part: str) -> Trace:
    """The ``part`` ('calibration' or 'evaluation') of a pool trace, renumbered as queries
    0, 1, ... in the pool's batches of ``batch_size``; only the columns a simulation uses
    (``query``, ``batch`` and :data:`POOL_COLUMNS`) are kept."""
    split = pool_split(trace)
    rows = slice(0, split.calibration) if part == "calibration" else slice(split.calibration, None)
    data = trace.data.iloc[rows][list(POOL_COLUMNS)].reset_index(drop=True)
    size = int(trace.metadata.batch_size or 1)
    data["query"] = np.arange(len(data))
    data["batch"] = data["query"] // size
    return make_trace(data, dataclasses.replace(trace.metadata, attack=f"{POOL_ATTACK}-{part}"),
                      f"{trace.source} ({part} part)")
