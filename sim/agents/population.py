"""A legitimate population: independent users, each with its own queries and device.

A ``legit`` entry with ``sample = "bootstrap"`` is ``count`` users. Each member, from its own
random stream and in this order, draws its device from the entry's hardware mix, its number
of queries from the entry's query-count law, and that many queries with replacement from the
evaluation part of a pool trace (per-query PATE cost depends only on the query's vote
histogram, so a bootstrap from unseen in-distribution queries is a fresh legitimate user).
Its batches are those queries cut into batches of the defense's batch size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from powsim.traces.batches import Batch, Workload


def bootstrap_batches(per_query: Workload, queries: int, queries_per_puzzle: int,
                      rng: np.random.Generator) -> tuple[Batch, ...]:
    """``queries`` queries drawn with replacement from ``per_query`` (a workload of one query
    per batch: the pool's evaluation part) and cut into batches of ``queries_per_puzzle``."""
    rows = [bootstrap_rows(per_query, queries, rng)]
    return bootstrap_workload(per_query, rows, queries_per_puzzle)[0].batches


def bootstrap_rows(per_query: Workload, queries: int, rng: np.random.Generator) -> np.ndarray:
    """A member's ``queries`` rows of ``per_query``, drawn with replacement (one draw)."""
    return rng.integers(0, len(per_query), size=queries)


def bootstrap_workload(per_query: Workload, rows: Sequence[np.ndarray], queries_per_puzzle: int
                       ) -> tuple[Workload, np.ndarray]:
    """Members' drawn ``rows`` each cut into batches of ``queries_per_puzzle``, end to end, and
    each member's number of batches (every batch summed alone, as for one member)."""
    counts = np.array([len(r) for r in rows], dtype=np.int64)
    batches = -(-counts // queries_per_puzzle)
    member = np.repeat(np.arange(len(rows)), batches)
    first = np.repeat(np.cumsum(batches) - batches, batches)
    starts = ((np.cumsum(counts) - counts)[member]
              + (np.arange(len(member)) - first) * queries_per_puzzle)
    drawn = np.concatenate(rows)
    sizes = np.diff(np.append(starts, len(drawn))).astype(np.float64)
    cost, inference_s, cost_s = (np.add.reduceat(values[drawn], starts) for values in
                                 (per_query.cost, per_query.inference_s, per_query.cost_s))
    rdp = (np.add.reduceat(per_query.rdp[drawn], starts, axis=0) if per_query.rdp is not None
           else None)
    return Workload(sizes, cost, inference_s, cost_s, per_query.accuracy, rdp), batches
