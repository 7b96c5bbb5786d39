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

This module reads and splits a pool (no torch); :mod:`powsim.traces.generate.pool` makes one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from powsim.errors import InputError
from powsim.traces.format import Trace, make_trace

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
