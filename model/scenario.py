"""A scenario: the model to simulate, as plain frozen data (read by :mod:`powsim.model.parse`).

A scenario is declared apart from any run (as a Ciw network is): the defense (policy,
reference, a, reference hash rate, queries per puzzle, group accounting, puzzle family), the
server (workers and timings) and the agents. Nothing here imports a kernel; the kernels
(:mod:`powsim.sim`, :mod:`powsim.load`) take a scenario and never edit it. Units: seconds,
hashes/s, queries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powsim.calibrate.charge import ChargeParameters
from powsim.calibrate.difficulty import Difficulty
from powsim.hashcash.families import Puzzle, Sha256
from powsim.hashcash.hardware import Hardware
from powsim.model.kinds import AGENT_KINDS
from powsim.model.population import HardwareMix, QueryCount
from powsim.traces.format import Trace
from powsim.traces.pate import ORDER_GRIDS

ACCOUNTINGS = ("account", "group")
SERVICES = ("fixed", "exponential")
SAMPLED_MAX_BITS = 60  # numpy's geometric draws stay exact in int64 up to here
# Upper bounds that keep a run finite and its sums finite (refused with the bound in the message).
MAX_SECONDS = 1e9          # ~31 years: any start, pause or service time
MIN_RATE_HZ = 1e-9         # a Poisson stream slower than this never starts within MAX_SECONDS
MAX_MEMBERS = 100_000      # users, accounts or colluders of one entry, and of all entries together
MAX_SOLVERS = 1024
MAX_WORKERS = 10_000
MAX_SUB_SOLUTIONS = 64
MAX_A = 1e6


@dataclass(frozen=True)
class DefenseConfig:
    """The defense: ``policy`` with its ``parameters`` (a and clip), the legitimate
    ``reference`` trace, the tuned-for client's ``reference_hash_rate_hz``,
    ``queries_per_puzzle`` (None: the traces' own batches), ``max_bits``, ``accounting``
    ('account', or 'group' to link each ring with ``link_probability``) and the
    ``sub_solutions`` each puzzle requires; ``puzzle`` the family and its parameters
    (``reference_hash_rate_hz`` counts that family's trials); ``rdp_orders`` names the order
    grid of :data:`~powsim.traces.pate.ORDER_GRIDS` on which the ``rdp`` policy composes
    and converts RDP curves ('paper', the authors' grid from 2 up, or 'extended')."""

    policy: str
    reference: Trace
    reference_hash_rate_hz: float
    parameters: ChargeParameters = ChargeParameters()
    queries_per_puzzle: float | None = None
    max_bits: int = Difficulty.max_bits
    accounting: str = "account"
    link_probability: float = 0.0
    sub_solutions: int = 1
    puzzle: Puzzle = Sha256()
    rdp_orders: str = "paper"

    @property
    def orders(self) -> np.ndarray:
        """The RDP orders of ``rdp_orders``, shape (orders,)."""
        return ORDER_GRIDS[self.rdp_orders]


@dataclass(frozen=True)
class AgentSpec:
    """One ``[[agents]]`` entry. ``count`` independent members (legit, attacker), ``accounts``
    of one sybil actor, ``actors`` colluders; ``solvers`` parallel solvers per actor;
    ``think_s`` mean pause before each batch; members start at ``start_s`` or, with
    ``arrival_rate_hz``, as a Poisson stream from it; ``signup_bits``/``signup_usd`` per
    sybil account; ``cover`` trace, ``cover_per_batch`` and ``max_diff`` for adaptive.
    A legit entry with ``sample`` 'bootstrap' draws each member's ``queries`` from its
    ``trace`` (a pool's evaluation part); ``mix`` lets members draw their hardware
    (``hardware`` is then the mix's first profile)."""

    kind: str
    name: str
    trace: Trace
    hardware: Hardware
    count: int = 1
    accounts: int = 1
    actors: int = 1
    solvers: int = 1
    think_s: float = 0.0
    start_s: float = 0.0
    arrival_rate_hz: float | None = None
    signup_bits: int = 0
    signup_usd: float = 0.0
    cover: Trace | None = None
    cover_per_batch: int = 4
    max_diff: float = 0.0
    sample: str = "replay"
    queries: QueryCount | None = None
    mix: HardwareMix | None = None

    @property
    def profiles(self) -> dict[str, Hardware]:
        """The hardware profiles its members may use, by name."""
        return {p.name: p for p in (self.mix.profiles if self.mix else (self.hardware,))}

    @property
    def hardware_label(self) -> str:
        """The profile's name, or the mix as ``mix(NAME=SHARE, ...)``."""
        return self.mix.describe() if self.mix else self.hardware.name

    @property
    def members(self) -> int:
        """How many actors run: users of a group, colluders, or the one actor otherwise."""
        key = AGENT_KINDS[self.kind].members_key
        return getattr(self, key) if key else 1


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the defense, the server and the agents."""

    defense: DefenseConfig
    server: ServerConfig
    agents: tuple[AgentSpec, ...]
    source: str = "<memory>"


@dataclass(frozen=True)
class ServerConfig:
    """Workers and timings: ``workers`` inference and ``cost_workers`` cost-estimation
    workers (0: the inference worker estimates the cost too, one request per batch);
    ``service`` 'fixed' (the per-batch seconds) or 'exponential' (with that mean);
    ``verify_s`` seconds to verify one solution; ``inference_s``/``cost_s`` per-batch
    seconds that replace the traces' measured ones when set."""

    workers: int = 1
    cost_workers: int = 1
    service: str = "fixed"
    verify_s: float = 0.0
    inference_s: float | None = None
    cost_s: float | None = None
