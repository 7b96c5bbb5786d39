"""The account ledger: what each account has been answered and what it has cost.

An account's cost is the additive sum of single-query epsilons, or (for the ``rdp``
policy) its composed RDP curve converted to epsilon at ``delta``, curve and conversion on
one grid of orders (the scenario's ``rdp_orders``). Group accounting links
accounts: linked names share one :class:`Account`, so their queries and costs add up as
if one account had asked them all.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from powsim.traces.batches import Batch
from powsim.traces.pate import ORDERS, checked_orders, epsilon


class Account:
    """Cumulative state of one account (or of a linked group): queries, cost, RDP curve."""

    __slots__ = ("queries", "cost", "rdp")

    def __init__(self, orders: int | None) -> None:
        """``orders``: length of the RDP curve to track, None for none."""
        self.queries = 0.0
        self.cost = 0.0
        self.rdp = np.zeros(orders) if orders is not None else None


class Ledger:
    """Accounts by name. ``delta`` set means the cost metric is RDP epsilon at that delta,
    on the RDP ``orders`` of the batches' curves."""

    def __init__(self, delta: float | None = None, orders: np.ndarray = ORDERS) -> None:
        self.delta = delta
        self.orders = checked_orders(orders)
        self.accounts: dict[str, Account] = {}

    def _account(self) -> Account:
        return Account(self.orders.size if self.delta is not None else None)

    def open(self, name: str) -> None:
        """Open account ``name`` with nothing answered yet."""
        self.accounts[name] = self._account()

    def link(self, names: Iterable[str]) -> None:
        """Group accounting: make ``names`` share one account (opened fresh)."""
        shared = self._account()
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
        return account.queries, float(epsilon(account.rdp, self.delta, self.orders)[0])

    def preview(self, name: str, batch: Batch) -> tuple[float, float]:
        """(queries, cost metric) that :meth:`charge` would return, without charging."""
        account = self.accounts[name]
        queries = account.queries + batch.queries
        if account.rdp is None:
            return queries, account.cost + batch.cost
        return queries, float(epsilon(account.rdp + batch.rdp, self.delta, self.orders)[0])
