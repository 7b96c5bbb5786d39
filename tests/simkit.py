"""Helpers for the simulator tests: small synthetic traces and scenario files in a tmp folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from powsim.sim.replicate import replicate
from powsim.model.parse import load_scenario
from powsim.traces.format import TraceMetadata, make_trace, write_trace


def query_trace(path: Path, cost_per_query: float | list[float], batches: int, batch_size: int = 10,
                attack: str = "synthetic", inference_s: float = 1.0, cost_s: float = 0.5,
                logq: float | None = None, accuracy: float = 90.0) -> Path:
    """Write a query trace of ``batches`` x ``batch_size`` queries; cost per query is constant
    or given per batch; service seconds per batch as given."""
    queries = batches * batch_size
    per_batch = np.broadcast_to(np.asarray(cost_per_query, dtype=np.float64), (batches,))
    data = pd.DataFrame({"query": np.arange(queries), "batch": np.arange(queries) // batch_size,
                         "cost": np.repeat(per_batch, batch_size)})
    if logq is not None:
        data["logq"] = logq
    metadata = TraceMetadata(
        kind="query", dataset="synth", attack=attack, batch_size=batch_size, sigma=10.0,
        delta=1e-5, seconds_per_batch={"inference": inference_s,
                                       "inference_and_cost": inference_s + cost_s},
        checkpoints=({"queries": queries, "accuracy": accuracy, "fidelity": accuracy},))
    return write_trace(make_trace(data, metadata), path)


def scenario_file(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    """Write a scenario TOML (dedented) into ``folder``."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(folder: Path, text: str, mode: str = "expected", seed: int = 0, replications: int = 1
        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events and summary (indexed by agent name) of the scenario ``text`` in ``folder``."""
    events, summary = replicate(load_scenario(scenario_file(folder, text)), mode, seed, replications)
    return events, summary.set_index("agent")


def pool_file(path: Path, calibration: np.ndarray, evaluation: np.ndarray, batch_size: int = 10,
              inference_s: float = 1.0, cost_s: float = 0.5) -> Path:
    """Write a pool trace: the ``calibration`` per-query costs, then the ``evaluation`` ones,
    with the split recorded as ``powsim traces pool`` records it."""
    from powsim.traces.pool import POOL_ATTACK, SPLIT_KEY, PoolSplit

    cost = np.concatenate([calibration, evaluation]).astype(np.float64)
    query = np.arange(len(cost))
    data = pd.DataFrame({"query": query, "batch": query // batch_size, "cost": cost,
                         "logq": np.full(len(cost), -5.0),
                         "votes": [np.array([250, 0], dtype=np.uint16)] * len(cost)})
    metadata = TraceMetadata(
        kind="query", dataset="synth", attack=POOL_ATTACK, batch_size=batch_size, sigma=10.0,
        delta=1e-5, seconds_per_batch={"inference": inference_s,
                                       "inference_and_cost": inference_s + cost_s},
        extra={SPLIT_KEY: PoolSplit(0, len(calibration), len(cost)).record()})
    return write_trace(make_trace(data, metadata), path)
