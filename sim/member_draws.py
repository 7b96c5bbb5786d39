"""An entry's members as drawn before any charge: the vectorised kernel's random part.

Everything a ``legit`` or ``attacker`` member draws is independent of the defense's charge
(its a, policy and bits): its device, start, queries and their rows, and the standard
exponentials behind its think, service and solve draws (:mod:`powsim.sim.vectorised`). So
runs that differ only in the charge, as the points of a sweep over a with one seed and
replication (common random numbers, :mod:`powsim.sweep.tasks`), share these draws: they
are kept for the last :data:`KEPT` entries, keyed by everything they depend on (the entry's
stream, its scenario fields but its trace objects, its batches' content, the mode and the
service law). Kept arrays are read-only, so a hit gives what a fresh draw would.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from powsim.hashcash.hardware import Hardware
from powsim.sim.agents.population import bootstrap_rows, bootstrap_workload
from powsim.model.scenario import AgentSpec
from powsim.traces.batches import Workload

KEPT = 128  # entries whose draws a process keeps: a point's replications x entries (20 x 2 thrashed 32)
SLOTS = 4  # draws per batch at most: think, inference, cost estimation, trials
_kept: OrderedDict[tuple, Members] = OrderedDict()
_lock = threading.Lock()  # a dask worker may run tasks in several threads


@dataclass(frozen=True)
class Members:
    """An entry's members: their ``streams`` (child 1 + j of the entry's stream), ``hardware``,
    ``starts`` (simulated seconds), ``lengths`` (batches each) and ``batches`` end to end;
    ``drawn`` (rows, SLOTS) marks the draws each batch makes in sampled mode (think,
    inference, cost estimation, trials) and ``exponentials`` holds them in that order, one
    standard exponential each, every member's after its queries' rows."""

    streams: tuple[np.random.SeedSequence, ...]
    hardware: tuple[Hardware, ...]
    starts: np.ndarray
    lengths: np.ndarray
    batches: Workload
    drawn: np.ndarray
    exponentials: np.ndarray

    def generator(self, member: int, spec: AgentSpec, work: Workload, queries_per_puzzle: int | None
                  ) -> np.random.Generator:
        """Member ``member``'s Generator as it stands before its first batch's draws."""
        rng = np.random.default_rng(self.streams[member])
        if spec.mix:
            rng.random()
        if queries_per_puzzle is not None:
            bootstrap_rows(work, spec.queries.draw(rng), rng)
        return rng


def draw_members(spec: AgentSpec, stream: np.random.SeedSequence, work: Workload,
                 queries_per_puzzle: int | None, sampled: bool, exponential_service: bool) -> Members:
    """The members of entry ``spec`` drawn from its ``stream`` as the DES draws them
    (``work``: its batches, or with ``queries_per_puzzle`` its pool's queries), or the kept ones."""
    key = _key(spec, stream, work, queries_per_puzzle, sampled, exponential_service)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    own, *streams = stream.spawn(1 + spec.members)
    rngs = [np.random.default_rng(s) for s in streams]
    hardware = ([spec.mix.profiles[i] for i in spec.mix.pick(np.array([r.random() for r in rngs]))]
                if spec.mix else [spec.hardware] * len(rngs))
    own_rng = np.random.default_rng(own)
    own_rng.random()  # the DES's draw of whether to link, kept so later draws stay the same
    if queries_per_puzzle is None:
        lengths, batches = np.full(len(rngs), len(work)), _tiled(work, len(rngs))
    else:
        rows = [bootstrap_rows(work, spec.queries.draw(rng), rng) for rng in rngs]
        batches, lengths = bootstrap_workload(work, rows, queries_per_puzzle)
    drawn = np.zeros((len(batches), SLOTS), bool)
    if sampled:
        drawn[:, 0] = spec.think_s != 0
        drawn[:, 1] = exponential_service & (batches.inference_s != 0)
        drawn[:, 2] = exponential_service & (batches.cost_s != 0)
        drawn[:, 3] = True
    counts = np.bincount(np.repeat(np.arange(len(rngs)), lengths), drawn.sum(axis=1), len(rngs))
    draws = [rng.standard_exponential(int(n)) for rng, n in zip(rngs, counts)]
    members = Members(tuple(streams), tuple(hardware), _starts(spec, own_rng, sampled), lengths,
                      batches, drawn, np.concatenate(draws) if draws else np.zeros(0))
    for array in (members.starts, members.lengths, members.drawn, members.exponentials,
                  batches.queries, batches.cost, batches.inference_s, batches.cost_s):
        array.flags.writeable = False
    with _lock:
        _kept[key] = members
        if len(_kept) > KEPT:
            _kept.popitem(last=False)
    return members


def _key(spec: AgentSpec, stream: np.random.SeedSequence, work: Workload, queries_per_puzzle: int | None,
         sampled: bool, exponential_service: bool) -> tuple:
    """Everything the draws depend on (the batches by their content's digest)."""
    digest = hashlib.blake2b(digest_size=16)
    for array in (work.queries, work.cost, work.inference_s, work.cost_s):
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    return (stream.entropy, stream.spawn_key, stream.n_children_spawned,
            dataclasses.replace(spec, trace=None, cover=None), digest.digest(), queries_per_puzzle,
            sampled, exponential_service)


def _starts(spec: AgentSpec, own_rng: np.random.Generator, sampled: bool) -> np.ndarray:
    """Members' start seconds: ``start_s``, or a Poisson stream from it (the DES's running sum)."""
    if spec.arrival_rate_hz is None:
        return np.full(spec.members, spec.start_s)
    mean_s = 1 / spec.arrival_rate_hz
    gaps = mean_s * own_rng.standard_exponential(spec.members) if sampled else np.full(spec.members, mean_s)
    return np.cumsum(np.concatenate(([spec.start_s], gaps)))[1:]


def _tiled(work: Workload, members: int) -> Workload:
    """``work`` repeated for ``members`` members."""
    return Workload(*(np.tile(getattr(work, name), members)
                      for name in ("queries", "cost", "inference_s", "cost_s")), work.accuracy)
