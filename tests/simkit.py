"""Helpers for the simulator tests: small synthetic traces and scenario files in a tmp folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from powsim.sim.replicate import replicate
from powsim.sim.scenario import load_scenario
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
