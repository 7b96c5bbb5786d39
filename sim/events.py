"""The simulation's records: one immutable row per answered batch (or signup puzzle), and their table."""

from __future__ import annotations

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


CHUNK = 1024  # rows typed at a time, while fresh in the processor's cache (about half a MB of rows)


class EventRows(list):
    """The DES's rows (plain tuples in :data:`EVENT_COLUMNS` order, appended by ``list.append``)
    and, every :data:`CHUNK` or so (:meth:`settle`), their columns.

    A row's numbers are Python objects scattered over the heap: typed all at the end of a
    100,000-batch run, reading them back from memory took about a fifth of the run. Typed a
    chunk at a time, just after they were made, they cost a few times less, and the rows are
    freed there too. Each number column is typed by numpy and each text column by pandas as
    ``DataFrame.from_records`` types them (int, float or bool alike): a chunk's numbers as
    ``np.array`` types them, the chunks joined by ``np.concatenate``, whose promotion is
    ``np.array``'s over the whole column (bool < int < float: the same dtype and values)."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[list] = []  # per chunk, its columns in EVENT_COLUMNS order

    def settle(self) -> None:
        """Type the rows appended so far into one chunk of columns, and drop the rows. The
        rows are laid end to end in one list, so column j is a strided slice of it."""
        if not self:
            return
        width = len(EVENT_COLUMNS)
        cells = list(chain.from_iterable(self))
        if len(cells) != width * len(self):
            raise ValueError(f"events: rows of {width} fields expected, got {len(cells)} fields in {len(self)} rows")
        self._chunks.append([cells[j::width] if name in TEXT else np.array(cells[j::width])
                             for j, name in enumerate(EVENT_COLUMNS)])
        self.clear()

    def columns(self) -> dict[str, np.ndarray | list[str]]:
        """Every row appended, taken as columns (no row left here): numbers typed as
        :meth:`frame` types them, text as lists of ``str``; empty without rows."""
        self.settle()
        chunks, self._chunks = self._chunks, []
        return {name: list(chain.from_iterable(parts)) if name in TEXT else np.concatenate(parts)
                for name, parts in zip(EVENT_COLUMNS, zip(*chunks))}

    def frame(self) -> pd.DataFrame:
        """The events table of every row appended (and no row left here). No rows: its empty
        table (object columns), as ``DataFrame.from_records`` makes it."""
        columns = self.columns()
        return pd.DataFrame(columns) if columns else no_events()


def no_events() -> pd.DataFrame:
    """The events table of a run without batches (object columns, as ``DataFrame.from_records``
    makes it)."""
    return pd.DataFrame.from_records([], columns=EVENT_COLUMNS)
