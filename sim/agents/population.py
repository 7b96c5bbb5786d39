"""A legitimate population: independent users, each with its own queries and device.

A ``legit`` entry with ``sample = "bootstrap"`` is ``count`` users. Each member, from its own
random stream and in this order, draws its device from the entry's hardware mix, its number
of queries from the entry's query-count law, and that many queries with replacement from the
evaluation part of a pool trace (per-query PATE cost depends only on the query's vote
histogram, so a bootstrap from unseen in-distribution queries is a fresh legitimate user).
Its batches are those queries cut into batches of the defense's batch size.
"""

from __future__ import annotations

import numpy as np

from powsim.traces.batches import Batch, Workload


def bootstrap_batches(per_query: Workload, queries: int, queries_per_puzzle: int,
                      rng: np.random.Generator) -> tuple[Batch, ...]:
    """``queries`` queries drawn with replacement from ``per_query`` (a workload of one query
    per batch: the pool's evaluation part) and cut into batches of ``queries_per_puzzle``."""
    rows = rng.integers(0, len(per_query), size=queries)
    starts = np.arange(0, queries, queries_per_puzzle)
    sizes = np.diff(np.append(starts, queries)).astype(np.float64)
    sums = [np.add.reduceat(values[rows], starts).tolist() for values in
            (per_query.cost, per_query.inference_s, per_query.cost_s)]
    rdp = (np.add.reduceat(per_query.rdp[rows], starts, axis=0) if per_query.rdp is not None
           else [None] * len(starts))
    return tuple(Batch(i, *values) for i, values in enumerate(zip(sizes.tolist(), sums[0], rdp,
                                                                   sums[1], sums[2])))
