"""Table 2-style overhead tables from traces."""

from __future__ import annotations

import numpy as np
import pandas as pd

from powsim import progress as bars
from powsim.calibrate.charge import ChargeParameters
from powsim.calibrate.reference import fit_reference
from powsim.errors import InputError
from powsim.hashcash.hardware import Hardware
from powsim.sim.paper import replay_curve
from powsim.sim.replicate import replicate
from powsim.model.scenario import AgentSpec, DefenseConfig, Scenario, ServerConfig
from powsim.traces.curves import as_curve
from powsim.traces.format import Trace
from powsim.traces.library import TraceLibrary

TABLE_COLUMNS = ["dataset", "attack", "queries", "privacy", "time_s", "time_pow_s", "overhead",
                 "accuracy"]


def paper_curve_rows(curve: Trace, replay: pd.DataFrame) -> pd.DataFrame:
    """One table row per curve row: cumulative queries, privacy, times (s), overhead, accuracy (%).

    ``replay`` is :func:`~powsim.sim.paper.replay_curve`'s output for ``curve``. ``queries``
    is the curve's true cumulative count (the data-free curve's first row already holds
    21,875), not the replay's count from the first row.
    """
    data = curve.data
    time_s = data["time_s"].to_numpy(dtype=np.float64)
    time_pow_s = replay["time_pow_s"].to_numpy()
    accuracy = data["accuracy"] if "accuracy" in data else pd.Series(np.nan, index=data.index)
    return pd.DataFrame({
        "dataset": curve.metadata.dataset,
        "attack": curve.metadata.attack,
        "queries": data["queries"].to_numpy(dtype=np.float64),
        "privacy": data["cost"].to_numpy(dtype=np.float64),
        "time_s": time_s,
        "time_pow_s": time_pow_s,
        "overhead": np.divide(time_pow_s, time_s, out=np.full_like(time_s, np.nan),
                              where=time_s > 0),
        "accuracy": accuracy.to_numpy(dtype=np.float64, na_value=np.nan),
    }, columns=TABLE_COLUMNS)


def paper_table(library: TraceLibrary, parameters: ChargeParameters = ChargeParameters(),
                whole_curve: bool = False) -> pd.DataFrame:
    """Paper-mode table: per attack trace its last row, or every row with ``whole_curve``.

    Per-query traces are replayed as their cumulative curves (one row per 1000 queries).
    """
    parts = []
    for dataset in library.datasets:
        reference = fit_reference(as_curve(library.reference(dataset)))
        for curve in map(timed_curve, library.attacks(dataset)):
            rows = paper_curve_rows(curve, replay_curve(curve, reference, parameters))
            parts.append(rows if whole_curve else rows.iloc[[-1]])
    return pd.concat(parts, ignore_index=True)


def timed_curve(trace: Trace) -> Trace:
    """The curve of ``trace`` for the time columns; a query trace without measured seconds per
    batch is refused (its time_s would be 0 and its overhead undefined)."""
    if trace.kind == "query" and "inference_and_cost" not in trace.metadata.seconds_per_batch:
        raise InputError(f"{trace.source}: metadata field 'seconds_per_batch.inference_and_cost' "
                         "is missing, expected measured seconds per batch for time_s and overhead "
                         "(give 'powsim traces import' --seconds-per-batch)")
    return as_curve(trace)


SIMULATED_COLUMNS = TABLE_COLUMNS + ["bits_mean", "dollars"]


def simulated_table(library: TraceLibrary, mode: str, hardware: Hardware, seed: int = 0,
                    replications: int = 30, parameters: ChargeParameters = ChargeParameters(),
                    policy: str = "paper", reference_hash_rate_hz: float | None = None,
                    rdp_orders: str = DefenseConfig.rdp_orders, progress: bool = False
                    ) -> pd.DataFrame:
    """Table 2 through the simulator: one attacker per trace, alone on a one-worker server.

    Paper-mode columns plus ``bits_mean`` and ``dollars`` (on ``hardware``); sampled mode
    adds ``ci_low``/``ci_high``, the 95 % interval of the mean overhead over
    ``replications``. The defense is tuned for ``reference_hash_rate_hz`` (default: the
    hardware's own rate, so that a puzzle's expected time is its target, up to rounding);
    ``rdp_orders`` is the rdp policy's order grid (see :class:`DefenseConfig`); with
    ``progress``, a bar of the traces (:mod:`powsim.progress`).
    """
    rows = []
    total = sum(len(library.attacks(dataset)) for dataset in library.datasets)
    with bars.bar(total, f"table ({mode})", "trace", enabled=progress) as bar:
        for dataset in library.datasets:
            defense = DefenseConfig(policy, library.reference(dataset),
                                    reference_hash_rate_hz or hardware.hash_rate_hz, parameters,
                                    rdp_orders=rdp_orders)
            for trace in library.attacks(dataset):
                agent = AgentSpec("attacker", trace.metadata.attack, trace, hardware)
                scenario = Scenario(defense, ServerConfig(), (agent,), str(library.folder))
                _, summary = replicate(scenario, mode, seed, replications)
                rows.append(summary.assign(dataset=dataset, attack=trace.metadata.attack))
                bar.update()
    columns = SIMULATED_COLUMNS + (["ci_low", "ci_high"] if mode == "sampled" else [])
    return pd.concat(rows, ignore_index=True)[columns]
