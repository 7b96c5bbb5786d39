"""An adaptive attacker: interleaves in-distribution cover queries to keep its diff small."""

from __future__ import annotations

import itertools
from collections.abc import Generator, Sequence

import simpy

from powsim.sim.agents.client import Client
from powsim.traces.batches import Batch


def adaptive(client: Client, account: str, batches: Sequence[Batch], cover: Sequence[Batch],
             cover_per_batch: int, max_diff: float) -> Generator[simpy.Event, object, None]:
    """Before each attack batch, send up to ``cover_per_batch`` cover batches (cycling
    through ``cover``) while the attack batch would leave the account's diff above
    ``max_diff``. The attacker is assumed to know the defense's reference and its own cost
    (Kerckhoffs), which is the strongest version of this strategy."""
    covers = itertools.cycle(cover)
    for batch in batches:
        for _ in range(cover_per_batch):
            if client.server.predicted_diff(account, batch) <= max_diff:
                break
            yield from client.fetch(account, (next(covers),), cover=True)
        yield from client.fetch(account, (batch,))
