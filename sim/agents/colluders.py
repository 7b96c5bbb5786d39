"""Colluders: M actors, each with its own hardware and account, share one trace."""

from __future__ import annotations

from collections.abc import Generator, Sequence

import simpy

from powsim.sim.agents.client import Client
from powsim.sim.agents.replay import replay
from powsim.traces.batches import Batch


def colluders(env: simpy.Environment, clients: Sequence[Client], accounts: Sequence[str],
              batches: Sequence[Batch]) -> Generator[simpy.Event, object, None]:
    """Actor j asks batches j, j+M, j+2M, ... in parallel with the others and the labels are
    pooled: the attack ends when the last actor is done."""
    m = len(clients)
    actors = [env.process(replay(client, account, batches[j::m]))
              for j, (client, account) in enumerate(zip(clients, accounts))]
    yield env.all_of(actors)
