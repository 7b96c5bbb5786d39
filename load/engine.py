"""Simulate a load scenario: open arrivals and botnets against a server with a bounded,
effort-ordered queue and a load-driven difficulty rule.

A request's life, per ``[server] admission``:

* ``puzzle-first``: the client reads the published effort (combined with its account's
  privacy charge), solves, submits; the solution is verified on the admission resource
  (``verify_s`` each, ``admission_workers`` in parallel); the request then waits in the
  effort-ordered queue and is served; the labels go out when service ends.
* ``cost-first`` (the paper's order): the request waits in a FIFO queue (no effort yet) and is
  served (inference and cost estimation: the expensive work is paid before any PoW); then
  the puzzle is set from the same combined effort, the client solves it, the solution is
  verified, and the labels go out.

A legitimate client waits ``timeout_s`` from each submission for its service to start; then
it retries (``double-effort``: effort doubled, or raised to ``min_effort``, as effort_sim's
``increase_effort``) or gives up. With ``on_expiry = "lost"`` (effort_sim's code) the queue
decides: a client whose request was trimmed retries (at its deadline, or when the trim comes
after it: a full queue cuts expired requests first); one whose expired request a worker meets
is lost. Time-to-connect runs from its first try to its labels.

Aggregation, for speed: a botnet is one SimPy process that emits, every ``tick_s``, one
queue entry holding all the requests of that tick (count and effort), and its solving is
not simulated request by request: the machines' hash rate bounds how many requests of the
published effort it can pay for. Verification is a FIFO fluid (an entry of n solutions
holds the admission resource for n verify_s / admission_workers). Service keeps the order:
each worker serves one request at a time, or with fixed service a run of one botnet entry's
requests that all end before the next scheduled event (a lone worker's run goes on until
the queue changes: load/solo.py). A client group's deadlines share one timer
(load/deadlines.py; none under "lost": the queue decides); puzzle-first arrivals come with
each publication (_arrive_until).

Modes: ``expected`` (arrivals evenly spaced at 1/rate, solve seconds effort / hash rate,
service its mean, a hardware mix's profiles dealt in proportion) or ``sampled`` (Poisson
arrivals; solve seconds exponential with that mean, the continuous limit of geometric
trials; service exponential when ``service = "exponential"``; each client's profile drawn
from the mix), from the run's own seeded streams. Replayed arrival or service times
(a stream's ``arrivals_s``, the server's ``service_times_s``) take the place of either in
both modes.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from powsim import progress as bars
from powsim.sim.gc_pause import cyclic_gc_paused
from powsim.model.load import Botnet, LoadScenario, Sessions, Stream
from powsim.difficulty.load_rules import Window, make_rule
from powsim.load.arrivals import Arrivals
from powsim.load.client import Client
from powsim.load.clock import Clock
from powsim.load.deadlines import Deadlines
from powsim.load.queue import EffortQueue, Entry
from powsim.load.record import ARRIVALS, HANDLED, TIMED_OUT, TRIMMED, Recorder
from powsim.load.service import ServiceTimes
from powsim.load.solo import SoloWorker


STEPS = 100  # a run stops this many times to show its progress


class LoadRun:
    """One run of ``scenario`` in ``mode`` from ``seed``/``replication`` (stream i of the
    replication's SeedSequence for agent group i, the last one for service times), with
    ``workers`` overriding the scenario's; metrics binned at ``interval_s``."""

    def __init__(self, scenario: LoadScenario, mode: str = "expected", seed: int = 0,
                 replication: int = 0, workers: int | None = None, interval_s: float = 60.0) -> None:
        self.scenario, self.sampled = scenario, mode == "sampled"
        self.server = scenario.server
        self.workers = workers or self.server.workers
        self.env = Clock()
        self._at = self.env.at  # call an action at a simulated time (load/clock.py)
        groups = len(scenario.groups)
        streams = np.random.SeedSequence(seed, spawn_key=(replication,)).spawn(groups + 1)
        self.rngs = [np.random.default_rng(s) for s in streams]
        self.service = ServiceTimes(self.server, self.rngs[-1], self.sampled)
        self.arrivals = [Arrivals(stream, self.rngs[group], self.sampled, scenario.duration_s)
                         for group, stream in enumerate(scenario.streams)]
        self.record = Recorder(groups, scenario.duration_s, interval_s)
        self.queue = EffortQueue(self.server.queue_capacity, self._dropped)
        difficulty = scenario.difficulty
        self.rule = make_rule(difficulty.rule, difficulty.min_effort)
        self.window = self._new_window()
        self.published = 0.0
        self.idle: list[simpy.Event] = []
        self.verify_free_s = 0.0
        self.puzzle_first = self.server.admission == "puzzle-first"
        # Puzzle-first arrivals come with each publication (_arrive_until), else one by one.
        self.windowed = self.puzzle_first
        # Each client group's deadlines (None: never, or the queue decides: _dropped).
        self.deadlines = [Deadlines(self._deadline, self._at) if math.isfinite(agent.timeout_s)
                          and agent.on_expiry != "lost" else None for agent in scenario.clients]
        self.next_publish_s = self.next_sample_s = 0.0
        self.solo = None  # a lone worker with fixed service serves in runs (load/solo.py)
        if self.workers == 1 and self.service.fixed_s is not None:
            self.solo = SoloWorker(self.env, self.queue, self.service.mean_s, self._served,
                                   lambda entry: self._dropped(entry, 1, "expired"), self._at,
                                   self._bound)

    def run(self, progress: bool = False) -> Recorder:
        """Simulate to the horizon; clients still waiting then are not recorded. With
        ``progress``, a bar of the simulated time (the run stops at each hundredth of it,
        which changes no event's order: SimPy's stop precedes the events of its instant)."""
        env = self.env
        env.process(self._publisher())  # first, so an update precedes same-time submissions
        env.process(self._sampler())
        if self.solo is None:
            for _ in range(self.workers):
                env.process(self._worker())
        if not self.windowed:
            for group, stream in enumerate(self.scenario.streams):
                env.process(self._arrivals(group, stream))
        for offset, sessions in enumerate(self.scenario.sessions):
            env.process(self._members(len(self.scenario.streams) + offset, sessions))
        first_botnet = len(self.scenario.clients)
        for offset, botnet in enumerate(self.scenario.botnets):
            env.process(self._botnet(first_botnet + offset, botnet))
        with cyclic_gc_paused(), bars.bar(STEPS, "simulate (% of the run)", "%", enabled=progress) as bar:
            for step in range(1, STEPS + 1):
                env.run(until=self.scenario.duration_s * step / STEPS)
                bar.update()
        return self.record

    # --- the server ------------------------------------------------------------------------

    def _new_window(self) -> Window:
        return Window(capacity=self.workers / self.service.mean_s * self.scenario.difficulty.update_s)

    def _publisher(self):
        """Publish the rule's effort at 0 and every ``update_s`` after (effort_sim does so
        at tick 0 too: v3 starts at ``min_effort``)."""
        env, update_s = self.env, self.scenario.difficulty.update_s
        while True:
            self._settle()
            self.window.queued = self.queue.work
            self.published = self.rule.update(self.window)
            self.window = self._new_window()
            self.next_publish_s = env.now + update_s
            if self.windowed:
                self._arrive_until(self.next_publish_s)
            yield env.timeout(update_s)

    def _sampler(self):
        env, record = self.env, self.record
        for b in range(record.bins):
            self._settle()
            record.effort[b], record.queue[b] = self.published, self.queue.size
            self.next_sample_s = env.now + record.interval_s
            yield env.timeout(record.interval_s)
        self.next_sample_s = math.inf

    def _settle(self) -> None:
        """Bring the queue to now before it is read (a lone worker's run)."""
        if self.solo is not None:
            self.solo.settle(self.env.now)

    def _bound(self) -> float:
        """When a lone worker's run must end before: a sample, a publication or the horizon."""
        return min(self.next_publish_s, self.next_sample_s, self.scenario.duration_s)

    def _combined(self, account_effort: float, load_effort: float) -> float:
        """The effort (hashes) of a puzzle: the account's charge and the load's, combined."""
        if self.scenario.difficulty.combine == "sum":
            return account_effort + load_effort
        return max(account_effort, load_effort)

    def _admit(self, entry: Entry, then: Callable[[Entry], None]) -> None:
        """Verify ``entry``'s solutions on the admission resource, then call ``then(entry)``."""
        if self.server.verify_s == 0:
            then(entry)
            return
        self._at(self._verify(entry.count), lambda _: then(entry))

    def _verify(self, count: int) -> float:
        """Queue ``count`` solutions on the admission resource (FIFO fluid); when they are done."""
        start = max(self.env.now, self.verify_free_s)
        self.verify_free_s = start + count * self.server.verify_s / self.server.admission_workers
        return self.verify_free_s

    def _enqueue(self, entry: Entry) -> None:
        now, solo = self.env.now, self.solo
        if solo is not None:
            solo.settle(now)
            self.queue.push(entry, now)
            solo.pushed(entry)
            return
        self.queue.push(entry, now)
        for _ in range(min(entry.count, len(self.idle))):
            self.idle.pop().succeed()

    def _dropped(self, entry: Entry, count: int, why: str) -> None:
        now = self.env.now
        self.record.count(TRIMMED if why == "trimmed" else TIMED_OUT, entry.group, count, now)
        if why != "expired":  # effort_sim counts whatever its trimming cuts
            self.window.trimmed[entry.effort] += count
            if self.solo is not None:
                self.solo.cut(entry, count)
        client = entry.client
        if client is None or client.agent.on_expiry != "lost" or client.entry is not entry:
            return
        if entry.deadline_s > now:  # trimmed before its deadline: its client retries then
            self._at(entry.deadline_s, lambda _: self._deadline(entry))
            return
        client.entry = None  # past its deadline: its fate is decided now
        self._retry(client, lost=why == "expired")

    def _worker(self):
        """Serve requests one at a time; with fixed service, a run of one botnet entry's
        requests that all end before the next scheduled event in one step (nothing can arrive,
        expire or be sampled in between, so the order is the same; only the float rounding of
        k x service_s against k sums of it can move a tie with another event)."""
        env, queue = self.env, self.queue
        fixed_s = self.service.fixed_s
        while True:
            now, most = env.now, 1
            if fixed_s is not None:
                horizon_s = env.peek() - now
                if horizon_s > 2 * fixed_s and horizon_s < math.inf:
                    most = math.ceil(horizon_s / fixed_s) - 1
            entry = queue.pop(now, most, fixed_s or 0.0)
            if entry is None:
                wake = env.event()
                self.idle.append(wake)
                yield wake
                continue
            client = entry.client
            if client is not None and client.entry is not entry:  # its client timed out
                self._dropped(entry, 1, "expired")
                continue
            if client is not None:
                client.entry, client.wait_s = None, env.now - entry.submit_s
            service_s = self.service.next() if fixed_s is None else entry.count * fixed_s
            yield env.timeout(service_s)
            self._served(entry, entry.count, service_s)

    def _served(self, entry: Entry, count: int, service_s: float) -> None:
        """``count`` requests of ``entry`` served, the last ending now, in ``service_s``
        worker-seconds: count them, and send a client's labels (or its puzzle, cost-first)."""
        record = self.record
        done = min(int(self.env.now / record.interval_s), record.bins - 1)  # record.bin, inlined
        record.tallies[HANDLED][entry.group][done] += count
        record.busy[done] += service_s
        self.window.handled[entry.effort] += count  # the window of this update period
        client = entry.client
        if client is not None:
            client.service_s = service_s
            if self.puzzle_first:
                self._connected(client)
            else:
                self._pay_after_service(client)
        elif not self.puzzle_first and self.server.verify_s:
            self._verify(count)  # cost-first: the bots' solutions come after service

    # --- legitimate clients ----------------------------------------------------------------

    def _arrivals(self, group: int, stream: Stream):
        """A stream's clients, one event per arrival (cost-first: each submits as it arrives)."""
        env, arrivals = self.env, self.arrivals[group]
        if arrivals.next_s:  # the stream's start, or its first replayed arrival
            yield env.timeout(arrivals.next_s)
        while env.now < arrivals.end_s:
            self._arrive(Client(group, stream, arrivals.hash_rate_hz(), arrivals.rng, env.now))
            yield env.timeout(arrivals.gap())

    def _arrive_until(self, until_s: float) -> None:
        """Puzzle-first: every stream's clients arriving before ``until_s`` (the next
        publication, called at this one), each set to submit when its solve ends. An arrival
        only reads the published effort, so it needs no event of its own."""
        with self.env.gathered():  # their solves end at scattered times: a line, not the heap
            for group, stream in enumerate(self.scenario.streams):
                arrivals, effort = self.arrivals[group], self._combined(stream.account_effort,
                                                                        self.published)
                end_s = min(until_s, arrivals.end_s)
                while arrivals.next_s < end_s:
                    client = Client(group, stream, arrivals.hash_rate_hz(), arrivals.rng,
                                    arrivals.next_s)
                    client.effort = effort  # as _arrive: a stream's charge is its account_effort
                    self._solve_then(client, self._submit, client.first_s)
                    arrivals.gap()

    def _arrive(self, client: Client) -> None:
        """``client`` arrives (at its ``first_s``, not before now)."""
        if self.puzzle_first:
            client.effort = self._combined(client.charge, self.published)
            self._solve_then(client, self._submit, client.first_s)
        else:
            self._submit(client)

    def _solve_then(self, client: Client, then: Callable[[Client], None], start_s: float) -> None:
        """``client`` solves its puzzle from ``start_s``, then calls ``then``."""
        mean_s = client.effort / client.hash_rate_hz
        solve_s = float(client.rng.exponential(mean_s)) if self.sampled and mean_s > 0 else mean_s
        client.solve_s += solve_s
        self._at(start_s + solve_s, lambda _: then(client))

    def _submit(self, client: Client) -> None:
        now, stream = self.env.now, client.agent
        effort = client.effort if self.puzzle_first else 0.0
        entry = Entry(effort, 1, client.group, now, now + stream.timeout_s, client)
        client.entry, client.tries = entry, client.tries + 1
        self.record.count(ARRIVALS, client.group, 1, now)
        self.record.hashes[client.group] += effort
        deadlines = self.deadlines[client.group]
        if deadlines is not None:
            deadlines.add(entry)
        if self.puzzle_first:
            self._admit(entry, self._enqueue)
        else:
            self._enqueue(entry)

    def _deadline(self, entry: Entry) -> None:
        """``entry``'s deadline, its client still waiting on it: retry or give up. With
        ``on_expiry = "lost"`` an untrimmed request stays queued and :meth:`_dropped` decides
        (no timer: effort_sim's client reconnects if its request is trimmed, at its deadline
        or at once if that has passed, and is lost if a worker meets it expired)."""
        client = entry.client
        client.entry = None
        self._retry(client, lost=False)

    def _retry(self, client: Client, lost: bool) -> None:
        """Submit ``client`` again (solving a raised effort first when puzzle-first), or record
        it as never connected if ``lost`` or out of retries."""
        stream = client.agent
        if lost or stream.retry == "none" or client.tries > stream.max_retries:
            self.record.client(client.group, client.first_s, self.env.now, False, client.tries,
                               client.solve_s, math.nan, math.nan)
            return
        if self.puzzle_first:
            floor = self.scenario.difficulty.min_effort
            client.effort = floor if client.effort < floor else 2 * client.effort
            self._solve_then(client, self._submit, self.env.now)
        else:
            self._submit(client)

    def _pay_after_service(self, client: Client) -> None:
        """Cost-first: the puzzle comes after service; solve, verify, then connect."""
        client.effort = self._combined(client.charge, self.published)
        self.record.hashes[client.group] += client.effort
        verify = Entry(client.effort, 1, client.group, self.env.now, math.inf, client)
        self._solve_then(client, lambda c: self._admit(verify, lambda _: self._connected(c)),
                         self.env.now)

    def _connected(self, client: Client) -> None:
        self.record.client(client.group, client.first_s, self.env.now, True, client.tries,
                           client.solve_s, client.wait_s, client.service_s)
        if client.next_request():
            think_s = client.agent.think_s
            if self.sampled and think_s > 0:
                think_s = float(client.rng.exponential(think_s))
            client.start(self.env.now + think_s)
            self._at(client.first_s, lambda _: self._arrive(client))

    # --- sessions --------------------------------------------------------------------------

    def _members(self, group: int, sessions: Sessions):
        """Start a session's members (or its ring's one actor): all at ``start_s``, or
        arriving at ``rate_hz`` (Poisson when sampled) until ``end_s``; each then sends its
        requests one after another."""
        rng, env = self.rngs[group], self.env
        end_s = min(sessions.end_s, self.scenario.duration_s)
        if sessions.start_s:
            yield env.timeout(sessions.start_s)
        for _ in range(sessions.members):
            if env.now >= end_s:
                return
            self._arrive(Client(group, sessions, sessions.hardware.hash_rate_hz, rng, env.now))
            if sessions.rate_hz is not None:
                gap_s = 1 / sessions.rate_hz
                yield env.timeout(rng.exponential(gap_s) if self.sampled else gap_s)

    # --- botnets ---------------------------------------------------------------------------

    def _botnet(self, group: int, botnet: Botnet):
        """Emit the botnet's requests every ``tick_s`` from ``start_s`` through ``end_s``."""
        env, tick_s = self.env, self.scenario.tick_s
        precomputed = botnet.strategy == "precomputed"
        start_s = botnet.start_s
        if precomputed:  # works until the last update period, then submits
            update_s = self.scenario.difficulty.update_s
            start_s = botnet.end_s - update_s
            work = botnet.machines * botnet.hardware.hash_rate_hz * (start_s - botnet.start_s)
            precomputed_effort = work / (botnet.max_rate_hz * update_s)
        yield env.timeout(start_s)
        owed = 0.0  # requests paid for but not yet whole
        while env.now <= botnet.end_s:
            if precomputed:
                effort, rate_hz = precomputed_effort, botnet.max_rate_hz
            else:
                load = self.published + 1 if self.published > 0 else 0.0
                effort = self._combined(botnet.account_effort, load)
                rate_hz = min(botnet.max_rate_hz,
                              botnet.machines * botnet.hardware.hash_rate_hz / max(effort, 1.0))
            owed += rate_hz * tick_s
            count = int(owed)
            owed -= count
            if count:
                self._bot_submit(group, botnet, effort, count)
            yield env.timeout(tick_s)

    def _bot_submit(self, group: int, botnet: Botnet, effort: float, count: int) -> None:
        now = self.env.now
        self.record.count(ARRIVALS, group, count, now)
        self.record.hashes[group] += effort * count
        entry = Entry(effort if self.puzzle_first else 0.0, count, group, now,
                      now + botnet.timeout_s)
        if self.puzzle_first:
            self._admit(entry, self._enqueue)
        else:  # cost-first: served before paying; its solutions are verified after service
            self._enqueue(entry)
