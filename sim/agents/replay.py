"""Legitimate users and plain attackers: one account, every batch of the trace in order."""

from __future__ import annotations

from collections.abc import Generator, Sequence

import simpy

from powsim.sim.agents.client import Client
from powsim.traces.batches import Batch


def replay(client: Client, account: str, batches: Sequence[Batch], think_s: float = 0.0
           ) -> Generator[simpy.Event, object, None]:
    """Think ``think_s`` seconds (mean), ask for a batch, pay its puzzle; until the trace ends
    (the client's own generator over them all: no frame of its own)."""
    return client.fetch(account, batches, think_s)
