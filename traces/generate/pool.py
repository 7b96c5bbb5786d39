"""Make the legitimate pool (``powsim traces pool``): the teachers' votes on every
in-distribution image no model trained on, priced by the PATE analysis, shuffled and split.
How a pool is read and split is :mod:`powsim.traces.pool`."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import torch

from powsim.errors import ParameterError
from powsim.provenance import provenance
from powsim.traces.format import Trace, TraceMetadata, make_trace
from powsim.traces.generate.attacker import QUERY_BATCH
from powsim.traces.generate.device import hardware
from powsim.traces.generate.models import MnistNet
from powsim.traces.generate.phases import Phases
from powsim.traces.generate.pipeline import DATASET, seconds_per_batch
from powsim.traces.generate.setup import CLASSES, Setup
from powsim.traces.generate.training import agreement, ensemble_votes
from powsim.traces.generate.workbench import load_splits, load_teachers
from powsim.traces.info import STANDARD_COST_KEY, cost_quantiles
from powsim.traces.pate import query_costs
from powsim.traces.pool import POOL_ATTACK, SPLIT_KEY, PoolSplit


def pool_trace(setup: Setup, cache: Path, sigma: float, delta: float,
               calibration_fraction: float = 0.5, split_seed: int = 0,
               log: Callable[[str], None] = print, progress: bool = False) -> Trace:
    """The pool trace of ``setup`` (a :class:`~powsim.traces.generate.setup.Setup`; its teachers are
    loaded from ``cache`` or trained there): one row per unseen in-distribution image (the
    evaluation set, then the attacker pool, shuffled with ``split_seed``) with the teachers'
    votes priced at GNMax ``sigma`` and ``delta``; the first ``calibration_fraction`` of rows is
    the calibration part. Only the teachers are needed, not the victim: the seconds per batch
    are timed with an untrained net of the victim's architecture (time does not depend on
    weights), and there is no ``label`` or ``entropy`` column. It runs on ``setup.device``;
    ``progress`` shows a bar for teacher training and the votes."""
    if not 0 < calibration_fraction < 1:
        raise ParameterError(f"{{calibration_fraction}}: {calibration_fraction}, expected a "
                             "fraction strictly between 0 and 1")
    setup.check()
    phases = Phases(Path(cache) / setup.key())
    splits = load_splits(setup)
    ensemble = load_teachers(setup, splits, cache, log, phases, progress)
    start = time.perf_counter()
    parts = phases.run("votes", lambda: {name: ensemble_votes(
        ensemble, getattr(splits, name).x, progress=progress, desc=f"votes on the {name} images")
        for name in ("evaluation", "pool")})
    votes = torch.cat(list(parts.values())).cpu().numpy()
    votes = votes[np.random.default_rng(split_seed).permutation(len(votes))]
    costs = query_costs(votes, sigma, delta)
    top_two = np.sort(votes, axis=1)[:, -2:]
    query = np.arange(len(votes))
    data = pd.DataFrame({"query": query, "batch": query // QUERY_BATCH, "cost": costs.eps,
                         "logq": costs.logq, "gap": top_two[:, 1] - top_two[:, 0],
                         "votes": list(votes.astype(np.uint16))})
    split = PoolSplit(split_seed, int(round(calibration_fraction * len(data))), len(data))
    timing = SimpleNamespace(splits=splits, victim=MnistNet().to(setup.device).eval(),
                             ensemble=ensemble)
    metadata = TraceMetadata(
        kind="query", dataset=DATASET, attack=POOL_ATTACK, teachers=setup.teachers,
        sigma=sigma, delta=delta, classes=CLASSES, batch_size=QUERY_BATCH,
        seconds_per_batch=seconds_per_batch(timing, sigma, delta),
        provenance=provenance(seed=setup.seed, device=setup.device,
                              hardware=hardware(setup.device),
                              wall_time_s=round(time.perf_counter() - start, 1),
                              phases=phases.record()),
        extra={SPLIT_KEY: split.record(),
               "images": {"fashion-mnist test set": len(splits.evaluation),
                          "fashion-mnist training images kept out of the private data":
                              len(splits.pool)},
               "plurality_accuracy": agreement(parts["evaluation"].argmax(1),
                                               splits.evaluation.y),
               STANDARD_COST_KEY: cost_quantiles(costs.eps),
               "teacher_config": setup.teacher_config(),
               "setup": dataclasses.asdict(setup)})
    return make_trace(data, metadata)
