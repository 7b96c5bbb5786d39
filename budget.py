"""A run's work, estimated from its inputs before it starts, and the refusal of what would run
for hours or not fit in memory.

Each field of a scenario or option has its own bound, but a product of valid sizes (members x
replications x grid points, rate x duration, samples x 2^bits) can still ask for days of work.
A command counts its work in the unit its kernel processes (:class:`Work`) and calls
:func:`check` before any of it; a run estimated over :data:`LIMIT_S` seconds, or over half of
this machine's memory, is refused in one line with the estimate. ``--no-limits``
(:data:`NO_LIMITS`) lets a user who means it go ahead.

The rates are this project's measurements on one core of a 2020s server, rounded up so that
a refused run is one that really runs longer than the limit (the estimate errs short):

- the per-account DES: :data:`BATCHES_HZ` simulated batches per second (quickstart, sampled:
  24,237 batches in 0.91 s), each kept as one row of about :data:`EVENT_BYTES` bytes;
- the load DES: :data:`REQUESTS_HZ` requests, botnet ticks or effort updates per second
  (tor-small-botnet: 1.4 million requests in 5 s; estimated 3.8 million, as a botnet's rate
  is bounded at the minimum effort), each stream client kept as a record of about
  :data:`CLIENT_BYTES` bytes;
- real SHA-256 puzzles: :data:`SHA256_HZ` hashes per second, each puzzle of k bits 2^k trials
  on average;
- memory-hard puzzles: a trial fills and reads its memory ``passes`` times, at
  :data:`MEMORY_BYTES_HZ` bytes per second (argon2id, 19 MiB, 2 passes: about 20 ms).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from powsim.errors import InputError

LIMIT_S = 3600.0  # an hour of the machine's cores
NO_LIMITS = "--no-limits"
BATCHES_HZ = 3e4
EVENT_BYTES = 200
REQUESTS_HZ = 3e5
CLIENT_BYTES = 200
SHA256_HZ = 1e7
MEMORY_BYTES_HZ = 4e9


@dataclass(frozen=True)
class Work:
    """``amount`` units of ``what`` (e.g. 'simulated batches') done at ``rate_hz`` units per
    second per core on ``cores`` cores, holding ``memory_bytes`` at once."""

    what: str
    amount: float
    rate_hz: float
    memory_bytes: float = 0.0
    cores: int = 1

    @property
    def seconds(self) -> float:
        """The estimated wall time (s)."""
        return self.amount / (self.rate_hz * max(self.cores, 1))


def physical_memory_bytes() -> float:
    """This machine's physical memory (bytes)."""
    return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def check(work: Work, where: str, limits: bool = True) -> Work:
    """Refuse ``work`` (one line starting with ``where``) when it is estimated over
    :data:`LIMIT_S` or over half of the physical memory, unless ``limits`` is False."""
    if not limits:
        return work
    seconds, memory = work.seconds, physical_memory_bytes()
    if not math.isfinite(seconds) or seconds > LIMIT_S:
        raise InputError(f"{where}: about {work.amount:.3g} {work.what}, an estimated "
                         f"{duration(seconds)} at {work.rate_hz:.3g}/s on {work.cores} core(s), "
                         f"expected at most {duration(LIMIT_S)}: lower the sizes, or pass "
                         f"{NO_LIMITS} to run it anyway")
    if work.memory_bytes > memory / 2:
        raise InputError(f"{where}: about {work.amount:.3g} {work.what} need an estimated "
                         f"{work.memory_bytes / 2**30:.3g} GiB, expected at most half of this "
                         f"machine's {memory / 2**30:.3g} GiB: lower the sizes, or pass "
                         f"{NO_LIMITS} to run it anyway")
    return work


def duration(seconds: float) -> str:
    """``seconds`` for people: '42 s', '3.5 min', '2.1 h', '4.2 days', '3e+05 years'."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def run_cores(jobs: int | None, scheduler: str | None = None) -> int:
    """The cores a command's runs use: its ``jobs`` local worker processes (None: one per
    core; 0: this process), at most this machine's; a dask scheduler's are unknown, so
    counted as this machine's."""
    here = os.cpu_count() or 1
    if jobs is None or scheduler is not None:
        return here
    return min(max(jobs, 1), here)


WORKER_BYTES = 256 * 2**20  # one local worker process (python, numpy, pandas, simpy)
MAX_WORKERS_PER_CORE = 4


def check_local_workers(workers: int | None, limits: bool = True) -> None:
    """Refuse ``--jobs`` beyond :data:`MAX_WORKERS_PER_CORE` per core (they would only
    wait for one another) or whose processes would take over half of the memory."""
    cores_here, memory = os.cpu_count() or 1, physical_memory_bytes()
    if not limits or workers is None:
        return
    if workers > MAX_WORKERS_PER_CORE * cores_here or workers * WORKER_BYTES > memory / 2:
        most = int(min(MAX_WORKERS_PER_CORE * cores_here, memory / 2 // WORKER_BYTES))
        raise InputError(f"option --jobs: {workers}, expected at most {most} on this "
                         f"machine ({cores_here} cores, {memory / 2**30:.3g} GiB; each worker "
                         f"process takes about {WORKER_BYTES / 2**20:.0f} MiB): lower it, or "
                         f"pass {NO_LIMITS} to start them anyway")


# --- per-account scenarios -------------------------------------------------------------------

def trace_queries(trace) -> float:
    """Queries a trace answers: its rows (a query trace) or its last cumulative count (a curve)."""
    if trace.kind == "curve":
        return float(trace.data["queries"].iloc[-1])
    return float(len(trace))


def expected_queries(count) -> float:
    """The mean of a :class:`~powsim.sim.agents.population.QueryCount` (before clipping)."""
    if count.law == "fixed":
        return count.first
    if count.law == "lognormal":
        return min(count.first * math.exp(count.second**2 / 2), count.max)
    return (count.first + count.second) / 2


def scenario_batches(scenario) -> float:
    """Batches one run of a per-account ``scenario`` simulates: per entry, its actors x the
    batches of its queries (``queries_per_puzzle``, else the trace's batch size, a query each
    otherwise), plus a sybil ring's signups."""
    total = 0.0
    for agent in scenario.agents:
        size = (scenario.defense.queries_per_puzzle or agent.trace.metadata.batch_size or 1)
        queries = expected_queries(agent.queries) if agent.queries else trace_queries(agent.trace)
        total += agent.members * math.ceil(queries / size) + agent.accounts
    return total


def simulate_work(scenario, runs: int) -> Work:
    """``runs`` runs of a per-account scenario, every batch kept as an event row."""
    batches = scenario_batches(scenario) * runs
    return Work("simulated batches", batches, BATCHES_HZ, batches * EVENT_BYTES)


def table_work(traces: list, runs: int) -> Work:
    """``runs`` runs of each attack trace alone (``powsim table``'s simulator modes), cut into
    batches of its own batch size."""
    batches = sum(math.ceil(trace_queries(t) / (t.metadata.batch_size or 1)) for t in traces) * runs
    return Work("simulated batches", batches, BATCHES_HZ, batches * EVENT_BYTES)


def sweep_work(scenario, runs: int, cores: int) -> Work:
    """``runs`` runs (points x replications) of a scenario like ``scenario`` on ``cores``
    cores, each run's events held by its own worker."""
    batches = scenario_batches(scenario)
    return Work("simulated batches", batches * runs, BATCHES_HZ,
                batches * EVENT_BYTES * min(cores, runs), cores)


# --- load scenarios --------------------------------------------------------------------------

def load_events(scenario) -> tuple[float, float]:
    """(events, followed clients) of one run of a load ``scenario``: every stream client, every
    session's request,
    botnet request (at most ``max_rate_hz`` requests/s, and what the machines' hash rate pays
    for at the minimum effort, at least one hash), every botnet tick and every effort update."""
    def window(start_s: float, end_s: float) -> float:
        return max(0.0, min(end_s, scenario.duration_s) - start_s)

    clients = sum(s.rate_hz * window(s.start_s, s.end_s) for s in scenario.streams)
    # A session's every request is followed as a stream's client is: members x requests.
    clients += sum(len(s.charges) * (s.members if s.rate_hz is None else
                                      min(s.members, s.rate_hz * window(s.start_s, s.end_s)))
                   for s in scenario.sessions)
    effort = max(scenario.difficulty.min_effort, 1.0)  # every rule publishes at least it
    requests = sum(min(b.max_rate_hz, b.machines * b.hardware.hash_rate_hz / effort)
                   * window(b.start_s, b.end_s) for b in scenario.botnets)
    ticks = sum(window(b.start_s, b.end_s) / scenario.tick_s for b in scenario.botnets)
    updates = scenario.duration_s / scenario.difficulty.update_s
    return clients + requests + ticks + updates, clients


def load_work(scenario, runs: int, cores: int = 1) -> Work:
    """``runs`` runs of a load ``scenario`` on ``cores`` cores."""
    events, clients = load_events(scenario)
    return Work("simulated requests, ticks and updates", events * runs, REQUESTS_HZ,
                clients * CLIENT_BYTES * min(cores, runs), cores)


def run_work(scenario, runs: int, cores: int = 1) -> Work:
    """``runs`` runs of any ``scenario`` on ``cores`` cores, estimated for its kernel."""
    from powsim.model.read import engine_of

    if engine_of(scenario) == "load":
        return load_work(scenario, runs, cores)
    return sweep_work(scenario, runs, cores)


# --- real puzzles ----------------------------------------------------------------------------

def puzzle_work(puzzle, bits: list[int], samples: int) -> Work:
    """Solving ``samples`` real ``puzzle`` puzzles at each k of ``bits`` and measuring the rate
    beside them (as many trials again), estimated from the puzzle's parameters alone."""
    trials = 2 * samples * sum(2.0**k for k in bits)
    if puzzle.name == "sha256":
        return Work("SHA-256 hashes", trials, SHA256_HZ)
    passes = puzzle.parameters().get("iterations", 1) * puzzle.parameters().get("p", 1)
    rate_hz = MEMORY_BYTES_HZ / (puzzle.memory_bytes * passes)
    return Work(f"{puzzle.name} trials", trials, rate_hz)
