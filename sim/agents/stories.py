"""What each agent kind that is not a lone replay does: its story, by kind name.

A story runs all of an entry's clients together (a sybil actor over its accounts, colluders
sharing one trace, an adaptive attacker mixing in cover queries). Kinds whose members each
replay their own trace alone (``independent`` in :mod:`powsim.model.kinds`) take no story.
A new story is one function plus one :func:`register_story` call under its kind's name.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING

import simpy

from powsim.sim.agents.adaptive import adaptive
from powsim.sim.agents.client import Client
from powsim.sim.agents.colluders import colluders
from powsim.sim.agents.sybil import sybil
from powsim.traces.batches import Batch

if TYPE_CHECKING:
    from powsim.model.scenario import AgentSpec

Story = Callable[[simpy.Environment, "AgentSpec", Sequence[Client], Sequence[str],
                  Sequence[Batch], Sequence[Batch] | None], Generator]

STORIES: dict[str, Story] = {}


def register_story(kind: str, story: Story) -> Story:
    """Run ``story`` for every ``[[agents]]`` entry of ``kind``."""
    STORIES[kind] = story
    return story


register_story("sybil", lambda env, spec, clients, accounts, batches, cover: sybil(
    clients[0], accounts, batches, spec.signup_bits, spec.signup_usd))
register_story("colluders", lambda env, spec, clients, accounts, batches, cover: colluders(
    env, clients, accounts, batches))
register_story("adaptive", lambda env, spec, clients, accounts, batches, cover: adaptive(
    clients[0], accounts[0], batches, cover, spec.cover_per_batch, spec.max_diff))
