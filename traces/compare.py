"""Per-query cost of each query strategy relative to the legitimate user's ('standard'), in a
folder of traces and in the paper's curves side by side (``powsim traces compare``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from powsim.errors import InputError
from powsim.traces.format import Trace
from powsim.traces.library import LEGITIMATE_ATTACK

PAPER_COUNTERPART = {"standard": "standard", "knockoff": "copycat", "datafree": "data-free",
                     "entropyrev": "entropyrev", "worstcase": "worstcase", "jacobian": "jacobian"}
"""The paper's curve (mode) that each strategy here stands for. ``knockoff`` asks natural
out-of-distribution images in random order, as CopyCat does; the paper's adaptive Knockoff
picks them with a learned policy, so it has its own row. ``entropy`` and ``inout`` have no
curve in the paper."""

COLUMNS = ("strategy", "queries", "cost_per_query", "ratio", "paper_mode", "paper_queries",
           "paper_cost_per_query", "paper_ratio")


def cost_per_query(trace: Trace) -> tuple[float, float]:
    """(queries, mean privacy cost per query) of a per-query trace, or of a cumulative curve
    at its last row."""
    if trace.kind == "query":
        return float(len(trace)), float(trace.data["cost"].mean())
    last = trace.data.iloc[-1]
    if not last["queries"] > 0:
        raise InputError(f"{trace.source}: last row has {last['queries']:g} queries, expected a "
                         "curve that ends after at least one query")
    return float(last["queries"]), float(last["cost"] / last["queries"])


def _rates(traces: list[Trace], where: str) -> dict[str, tuple[float, float]]:
    """(queries, cost per query) by attack name; the legitimate one must be there."""
    rates = {t.metadata.attack: cost_per_query(t) for t in traces}
    if LEGITIMATE_ATTACK not in rates:
        raise InputError(f"{where}: no '{LEGITIMATE_ATTACK}' trace, expected the legitimate "
                         "user's to compare against")
    return rates


def compare_table(here: list[Trace], paper: list[Trace], here_name: str, paper_name: str
                  ) -> pd.DataFrame:
    """One row per strategy: queries, mean cost per query and its ratio to 'standard''s, here
    and in the paper's counterpart curve (:data:`PAPER_COUNTERPART`); a side without the
    strategy is left empty. Rows: the traces here in order, then the paper's curves that
    have no counterpart here, in the paper's order."""
    ours = _rates([t for t in here if t.kind == "query"], here_name)
    theirs = _rates(paper, paper_name)
    pairs = [(strategy, PAPER_COUNTERPART.get(strategy, "")) for strategy in ours]
    matched = {mode for _, mode in pairs}
    pairs += [("", mode) for mode in theirs if mode not in matched]
    missing = (np.nan, np.nan)
    rows = []
    for strategy, mode in pairs:
        queries, cost = ours.get(strategy, missing)
        paper_queries, paper_cost = theirs.get(mode, missing)
        rows.append((strategy, queries, cost, cost / ours[LEGITIMATE_ATTACK][1],
                     mode if mode in theirs else "", paper_queries, paper_cost,
                     paper_cost / theirs[LEGITIMATE_ATTACK][1]))
    return pd.DataFrame(rows, columns=list(COLUMNS))
