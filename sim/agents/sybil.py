"""A sybil ring: one actor spreads its trace over many accounts to keep each one cheap."""

from __future__ import annotations

from collections.abc import Generator, Sequence

import simpy

from powsim.sim.agents.client import Client
from powsim.traces.batches import Batch


def sybil(client: Client, accounts: Sequence[str], batches: Sequence[Batch], signup_bits: int,
          signup_usd: float) -> Generator[simpy.Event, object, None]:
    """Open every account (a signup puzzle and/or fee each), then send batch i to account
    i mod N, so each account carries 1/N of the queries and of the cost."""
    for account in accounts:
        yield from client.signup(account, signup_bits, signup_usd)
    for i, batch in enumerate(batches):
        yield from client.fetch(accounts[i % len(accounts)], (batch,))
