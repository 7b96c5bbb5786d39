"""Generate a per-query PATE trace: run one query strategy against the victim and price every
query with the teachers' votes.

The loop asks the strategy for batches, answers them (victim probabilities, teacher votes),
hands the answers back, and every ``checkpoint_every`` queries fits the substitute and
measures its accuracy and fidelity on the evaluation set. Costs are computed at the end,
vectorised, from all the votes (brought back to the CPU for numpy). The trace's provenance
names the device and its hardware and holds every phase's wall time.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from powsim.errors import ParameterError
from powsim.provenance import provenance
from powsim.traces.format import Trace, TraceMetadata, make_trace
from powsim.traces.generate import datafree, strategies
from powsim.traces.generate.attacker import QUERY_BATCH, Attack, QueryBatch, Strategy, Substitute
from powsim.traces.generate.device import hardware
from powsim.traces.generate.setup import CLASSES, Setup
from powsim.traces.generate.training import agreement, ensemble_votes, predict
from powsim.traces.generate.workbench import Workbench, torch_generator
from powsim.traces.info import STANDARD_COST_KEY, cost_quantiles
from powsim.traces.pate import query_costs

DATASET = "fmnist"

STRATEGIES: dict[str, Callable[[Attack], Strategy]] = {
    "standard": strategies.standard,
    "entropy": strategies.entropy,
    "entropyrev": strategies.entropyrev,
    "worstcase": strategies.worstcase,
    "knockoff": strategies.knockoff,
    "jacobian": strategies.jacobian,
    "datafree": datafree.datafree,
    "inout": strategies.inout,
}
POOL_ONLY = ("standard", "entropy", "entropyrev", "worstcase")
"""Strategies that ask each image of the attacker's pool at most once."""


@dataclass(frozen=True)
class Request:
    """What trace to make: strategy, number of queries, GNMax noise and checkpoint spacing."""

    attack: str
    queries: int
    sigma: float = 10.0
    delta: float = 1e-5
    checkpoint_every: int = 1000

    def check(self, setup: Setup | None = None) -> None:
        """Raise :class:`ParameterError` on a field out of range, or on more queries than
        ``setup``'s pool holds for a strategy that asks each pool image once."""
        if self.attack not in STRATEGIES:
            raise ParameterError(f"{{attack}}: {self.attack!r}, expected one of "
                             f"{', '.join(STRATEGIES)}")
        for name in ("queries", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ParameterError(f"{{{name}}}: {getattr(self, name)}, "
                                 "expected a positive integer")
        if not self.sigma > 0:
            raise ParameterError(f"{{sigma}}: {self.sigma}, expected a positive number")
        if not 0 < self.delta < 1:
            raise ParameterError(f"{{delta}}: {self.delta}, expected 0 < delta < 1")
        if setup is not None and self.attack in POOL_ONLY and self.queries > setup.pool_size:
            raise ParameterError(f"{{queries}}: {self.queries}, but strategy '{self.attack}' asks "
                                 f"each of the {setup.pool_size} pool images at most once; "
                                 "expected at most {pool_size}")


@dataclass
class Answers:
    """What the victim and the teachers said, query by query, and the substitute's progress."""

    probs: list[torch.Tensor] = dataclasses.field(default_factory=list)
    votes: list[torch.Tensor] = dataclasses.field(default_factory=list)
    checkpoints: list[dict[str, float]] = dataclasses.field(default_factory=list)


def run_strategy(bench: Workbench, request: Request, progress: bool = True) -> Answers:
    """Ask ``request.queries`` queries of the strategy and record answers and checkpoints."""
    _, _, _, attack_stream = bench.setup.streams()
    numpy_stream, torch_stream, init_stream = attack_stream.spawn(3)
    pool_cost = query_costs(bench.pool_votes.cpu().numpy(), request.sigma, request.delta).eps
    ood_cost = query_costs(bench.ood_votes.cpu().numpy(), request.sigma, request.delta).eps
    torch.manual_seed(int(init_stream.generate_state(1)[0]))
    attack = Attack(bench, pool_cost, ood_cost, np.random.default_rng(numpy_stream),
                    torch_generator(torch_stream))
    strategy = STRATEGIES[request.attack](attack)
    answers, asked, answer = Answers(), 0, None
    with tqdm(total=request.queries, unit="query", desc=request.attack, disable=not progress) as bar:
        while asked < request.queries:
            try:
                batch = strategy.send(answer)
            except StopIteration:
                raise ParameterError(f"{{queries}}: {request.queries}, but strategy "
                                 f"'{request.attack}' ran out of images after {asked}") from None
            parts = []
            for piece in _pieces(batch, asked, request):
                probs, votes = attack.answer(piece)
                attack.substitute.record(piece.x, probs)
                answers.probs.append(probs)
                answers.votes.append(votes)
                parts.append(probs)
                asked += len(piece.x)
                bar.update(len(piece.x))
                if asked % request.checkpoint_every == 0 or asked == request.queries:
                    answers.checkpoints.append(checkpoint(bench, attack.substitute, asked))
            answer = torch.cat(parts)
    return answers


def _pieces(batch: QueryBatch, asked: int, request: Request) -> list[QueryBatch]:
    """``batch`` cut where checkpoints fall and after the last query; ``asked`` came before it."""
    ends = np.arange(request.checkpoint_every - asked % request.checkpoint_every, len(batch.x),
                     request.checkpoint_every)
    ends = [int(end) for end in ends if asked + end < request.queries]
    ends.append(min(len(batch.x), request.queries - asked))
    starts = [0, *ends[:-1]]
    return [QueryBatch(*(None if value is None else value[start:end] for value in
                    (batch.x, batch.votes, batch.probs))) for start, end in zip(starts, ends)]


def checkpoint(bench: Workbench, substitute: Substitute, asked: int) -> dict[str, float]:
    """Fit the substitute to all answers so far; its accuracy and fidelity (%) after ``asked``."""
    substitute.fit()
    predicted = predict(substitute.model, bench.splits.evaluation.x).argmax(dim=1)
    return {"queries": asked, "accuracy": agreement(predicted, bench.splits.evaluation.y),
            "fidelity": agreement(predicted, bench.evaluation_probs.argmax(1))}


def seconds_per_batch(bench: Workbench, sigma: float, delta: float, repeats: int = 5
                      ) -> dict[str, float]:
    """Median seconds to answer one batch of pool images: victim only, and with its cost.
    Each includes bringing the answer back to the CPU (which waits for a GPU to finish)."""
    x = bench.splits.pool.x[:QUERY_BATCH]

    def inference() -> None:
        predict(bench.victim, x).cpu()

    def inference_and_cost() -> None:
        predict(bench.victim, x).cpu()
        query_costs(ensemble_votes(bench.ensemble, x).cpu().numpy(), sigma, delta)

    return {name: median_seconds(run, repeats) for name, run in
            (("inference", inference), ("inference_and_cost", inference_and_cost))}


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` runs of ``run`` after one warm-up run, in seconds."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def trace_frame(answers: Answers, sigma: float, delta: float) -> pd.DataFrame:
    """One row per query: cost, logq, the victim's label and entropy, the vote gap and votes."""
    probs = torch.cat(answers.probs).cpu().numpy()
    votes = torch.cat(answers.votes).cpu().numpy()
    costs = query_costs(votes, sigma, delta)
    top_two = np.sort(votes, axis=1)[:, -2:]
    query = np.arange(len(votes))
    return pd.DataFrame({
        "query": query,
        "batch": query // QUERY_BATCH,
        "cost": costs.eps,
        "logq": costs.logq,
        "label": probs.argmax(axis=1),
        "entropy": -(probs * np.log(np.clip(probs, 1e-12, None))).sum(axis=1),
        "gap": top_two[:, 1] - top_two[:, 0],
        "votes": list(votes.astype(np.uint16)),
    })


def generate(bench: Workbench, request: Request, progress: bool = True) -> Trace:
    """The per-query trace of ``request`` against ``bench``'s victim and teachers, made on
    ``bench.setup.device``."""
    request.check(bench.setup)
    start = time.perf_counter()
    answers = bench.phases.run("strategy", lambda: run_strategy(bench, request, progress))
    data = trace_frame(answers, request.sigma, request.delta)
    standard = query_costs(bench.pool_votes.cpu().numpy(), request.sigma, request.delta).eps
    metadata = TraceMetadata(
        kind="query", dataset=DATASET, attack=request.attack, teachers=bench.setup.teachers,
        sigma=request.sigma, delta=request.delta, classes=CLASSES, batch_size=QUERY_BATCH,
        victim_accuracy=bench.victim_accuracy,
        seconds_per_batch=seconds_per_batch(bench, request.sigma, request.delta),
        checkpoints=tuple(answers.checkpoints),
        provenance=provenance(seed=bench.setup.seed, device=bench.setup.device,
                              hardware=hardware(bench.setup.device),
                              wall_time_s=round(time.perf_counter() - start, 1),
                              phases=bench.phases.record()),
        extra={"plurality_accuracy": bench.plurality_accuracy,
               STANDARD_COST_KEY: cost_quantiles(standard),
               "teacher_config": bench.setup.teacher_config(),
               "setup": dataclasses.asdict(bench.setup)})
    return make_trace(data, metadata)
