"""The simulation's records: one immutable row per answered batch (or signup puzzle), and their table."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import NamedTuple

import numpy as np
import pandas as pd


class BatchEvent(NamedTuple):
    """One batch's story, in seconds of simulated time and hash trials.

    ``sim_time_s``: simulated time its labels were released; ``agent``/``kind``: the scenario entry;
    ``actor``: which member of the entry (user, colluder); ``account``: the account asked;
    ``batch``: index in the trace (-1 for a signup puzzle); ``cover``: an adaptive
    attacker's in-distribution cover batch; ``queries``/``cost``: the batch's queries and
    additive privacy cost; ``account_queries``/``account_cost``: the account's cumulative
    totals after it, in the policy's metric; ``target_s``: the policy's target; ``bits``,
    ``trials``, ``solve_s``: the puzzle and its solution; ``queue_s``/``service_s``: waiting
    for and being served by the workers; ``think_s``: the agent's pause before it;
    ``fee_usd``: a signup fee paid with it.
    """

    sim_time_s: float
    agent: str
    kind: str
    actor: int
    account: str
    batch: int
    cover: bool
    queries: float
    cost: float
    account_queries: float
    account_cost: float
    target_s: float
    bits: int
    trials: float
    solve_s: float
    queue_s: float
    service_s: float
    think_s: float
    fee_usd: float


EVENT_COLUMNS = BatchEvent._fields
TEXT = ("agent", "kind", "account")  # the events' text columns


def events_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    """The events table of ``rows`` (plain tuples in :data:`EVENT_COLUMNS` order), built a
    column at a time: each number column typed by numpy and each text column by pandas, as
    ``DataFrame.from_records`` types them (int, float or bool alike), without its row-by-row
    pass. The rows are laid end to end in one list, so column j is a strided slice of it
    (C loops, no iterator per row). No rows: its empty table (object columns), as before."""
    if not rows:
        return pd.DataFrame.from_records(rows, columns=EVENT_COLUMNS)
    width = len(EVENT_COLUMNS)
    cells = list(chain.from_iterable(rows))
    if len(cells) != width * len(rows):
        raise ValueError(f"events: rows of {width} fields expected, got {len(cells)} fields in {len(rows)} rows")
    return pd.DataFrame({name: cells[j::width] if name in TEXT else np.array(cells[j::width])
                         for j, name in enumerate(EVENT_COLUMNS)})
