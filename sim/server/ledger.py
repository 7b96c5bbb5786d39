"""The account ledger: what each account has been answered and what it has cost.

An account's cost is the additive sum of single-query epsilons, or (for the ``rdp``
policy) its composed RDP curve converted to epsilon at ``delta``. Group accounting links
accounts: linked names share one :class:`Account`, so their queries and costs add up as
if one account had asked them all.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from powsim.sim.workload import Batch
from powsim.traces.pate import ORDERS, epsilon


class Account:
    """Cumulative state of one account (or of a linked group): queries, cost, RDP curve."""

    __slots__ = ("queries", "cost", "rdp")

    def __init__(self, track_rdp: bool) -> None:
        self.queries = 0.0
        self.cost = 0.0
        self.rdp = np.zeros(ORDERS.shape) if track_rdp else None


class Ledger:
    """Accounts by name. ``delta`` set means the cost metric is RDP epsilon at that delta."""

    def __init__(self, delta: float | None = None) -> None:
        self.delta = delta
        self.accounts: dict[str, Account] = {}

    def open(self, name: str) -> None:
        """Open account ``name`` with nothing answered yet."""
        self.accounts[name] = Account(self.delta is not None)

    def link(self, names: Iterable[str]) -> None:
        """Group accounting: make ``names`` share one account (opened fresh)."""
        shared = Account(self.delta is not None)
        for name in names:
            self.accounts[name] = shared

    def charge(self, name: str, batch: Batch) -> tuple[float, float]:
        """Add ``batch`` to account ``name``; return its cumulative (queries, cost metric)."""
        account = self.accounts[name]
        account.queries += batch.queries
        account.cost += batch.cost
        if account.rdp is None:
            return account.queries, account.cost
        account.rdp += batch.rdp
        return account.queries, float(epsilon(account.rdp, self.delta)[0])

    def preview(self, name: str, batch: Batch) -> tuple[float, float]:
        """(queries, cost metric) that :meth:`charge` would return, without charging."""
        account = self.accounts[name]
        queries = account.queries + batch.queries
        if account.rdp is None:
            return queries, account.cost + batch.cost
        return queries, float(epsilon(account.rdp + batch.rdp, self.delta)[0])
