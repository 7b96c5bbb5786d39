"""Vote histograms from CSV and their per-query PATE cost as a table (``powsim pate-cost``)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from powsim.errors import InputError, ParameterError
from powsim.traces.curves import read_csv
from powsim.traces.pate import query_costs

OUTPUT_COLUMNS = ("logq", "eps", "order", "sigma", "delta")
ID_COLUMNS = {"id", "query", "query_id", "index", "row", ""}
MAX_VOTES = 10**9  # a vote count is a number of teachers


def read_votes_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A CSV of vote counts: one column per class (at least two), one row per query.

    Every value must be a non-negative whole number.
    """
    source = str(path)
    return vote_counts(read_csv(source, "one row of vote counts per query"), source)


def vote_counts(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The columns of ``frame`` (read from ``source``) as vote counts, one column per class."""
    if frame.shape[1] < 2:
        raise InputError(f"{source}: {frame.shape[1]} column, expected one vote-count column "
                         "per class (at least two)")
    clash = [name for name in OUTPUT_COLUMNS if name in frame.columns]
    if clash:
        raise InputError(f"{source}: column '{clash[0]}' is an output column of pate-cost, "
                         "expected vote counts only")
    _check_class_names(frame, source)
    counts = {}
    for column in frame.columns:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0) | (values != np.round(values))
                             | (values > MAX_VOTES))
        if bad.size:
            row = int(bad[0])
            raise InputError(f"{source}: field '{column}' row {row}: {frame[column].iloc[row]!r}, "
                             f"expected a vote count (whole number from 0 to {MAX_VOTES:,})")
        counts[column] = values.astype(np.int64)
    return pd.DataFrame(counts)


def _check_class_names(frame: pd.DataFrame, source: str) -> None:
    """The header must name classes: not vote counts (a missing header) nor query ids."""
    names = [str(name).strip() for name in frame.columns]
    if all(_is_number(name) for name in names):
        raise InputError(f"{source}: header {','.join(names)[:40]!r} is numbers, expected a "
                         "header row naming the classes (the first row would be lost as one)")
    ids = [name for name in names if name.lower() in ID_COLUMNS or name.startswith("Unnamed:")]
    if ids:
        raise InputError(f"{source}: column '{ids[0]}' looks like a query id, expected vote-count "
                         "columns only (one per class; drop the id column)")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def cost_table(votes: pd.DataFrame, sigma: float, delta: float) -> pd.DataFrame:
    """``votes`` with three columns added: ``logq``, ``eps`` (single-query) and ``order``."""
    for name, value, ok in (("sigma", sigma, sigma > 0), ("delta", delta, 0 < delta < 1)):
        if not ok:
            raise ParameterError(f"{{{name}}}: {value}, expected "
                                 + ("a positive number" if name == "sigma" else "0 < delta < 1"))
    costs = query_costs(votes.to_numpy(dtype=np.float64), sigma, delta)
    return votes.assign(logq=costs.logq, eps=costs.eps, order=costs.order)
