"""The summary table: one row per agent entry, from the events of a run.

Per member (a user, a colluder, the one actor of a sybil ring or an adaptive attacker):
``time_s`` is its base time without PoW (service seconds of its batches, as the paper's
time column), ``time_pow_s`` adds its puzzles' solve and verify seconds, and its overhead
is their ratio. An entry's row adds its members up, and describes the distribution of its
members' overheads: median, 95th and 99th percentiles, maximum and the share of members
above :data:`OVERHEAD_THRESHOLD` (``share_over_2x``); ``hashes``/``time_pow_s``/``dollars``/
``kwh`` ``_per_member`` (derived metrics, :mod:`powsim.stats.metrics`) are the entry's
totals over its members; each member's dollars and energy are at its own hardware; ``wall_s`` runs from the first start to the last
release (queues, think times and parallel actors included); ``rounding`` is the effect of
whole bits: the reference client's expected PoW seconds for the puzzles issued, over the
policy's target seconds (1 = no effect; each puzzle's factor lies in [2^-0.5, 2^0.5] unless
clamped to [0, max_bits]).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from powsim.sim.group_totals import group_max, group_sums
from powsim.sim.run import Model, Run
from powsim.stats.confidence import half_width
from powsim.stats.metrics import derived_columns, with_derived

OVERHEAD_THRESHOLD = 2.0  # the paper's goal for legitimate users: under 2x time
MEASURED_COLUMNS = ["agent", "kind", "hardware", "members", "accounts", "queries", "privacy",
                    "time_s", "time_pow_s", "overhead", "overhead_median", "overhead_p95",
                    "overhead_p99", "overhead_max", "share_over_2x", "wall_s", "queue_mean_s",
                    "queue_p95_s", "bits_mean",
                    "rounding", "hashes", "dollars", "kwh", "accuracy"]
SUMMARY_COLUMNS = [*MEASURED_COLUMNS, *derived_columns("account")]  # the registry's derived last


def summarize(model: Model, run: Run) -> pd.DataFrame:
    """One row per agent entry of ``model``'s scenario (columns :data:`SUMMARY_COLUMNS`).

    Members' totals equal pandas' groupby sums of their rows (grouped by position, not by
    name; :mod:`powsim.sim.group_totals`), an entry's figures numpy's reductions equal to
    pandas' (sums of the rows as pandas adds them, NaN overheads left out of the spread)."""
    events, members = run.events, run.members
    names = pa.array([spec.name for spec in model.scenario.agents])
    entry, member_entry = (_codes(frame["agent"], names) for frame in (events, members))
    actor, member_actor = events["actor"].to_numpy(), members["actor"].to_numpy()
    stride = 1 + int(max(actor.max(initial=0), member_actor.max(initial=0)))
    position = np.zeros(len(names) * stride, np.int64)
    position[member_entry * stride + member_actor] = np.arange(len(members))
    member = position[entry * stride + actor]  # each event's row in ``members``
    answered = events["batch"].to_numpy() >= 0
    pow_s = events["solve_s"].to_numpy() + model.scenario.server.verify_s * answered
    sums = group_sums(member, np.column_stack([
        events["service_s"].to_numpy(np.float64), pow_s, events["trials"].to_numpy(np.float64)]),
        len(members))
    # An actor left without batches (more colluders than batches) spent nothing.
    time_s, pow_s, hashes = sums[:, 0], sums[:, 1], sums[:, 2]
    finish_s = group_max(member, events["sim_time_s"].to_numpy(np.float64), len(members))
    # No base time (service seconds set to 0) has no overhead ratio: NaN, as for the entry.
    with np.errstate(invalid="ignore"):
        overhead = (time_s + pow_s) / np.where(time_s > 0, time_s, np.nan)
    start_s, hardware = members["start_s"].to_numpy(), members["hardware"].to_numpy()
    columns = {name: events[name].to_numpy() for name in
               ("trials", "queries", "cost", "bits", "target_s", "fee_usd", "queue_s")}
    accounts = pa.array(events["account"].array)
    rows = []
    for index, (spec, work) in enumerate(zip(model.scenario.agents, model.workloads)):
        mine, own = entry == index, member_entry == index
        count = int(own.sum())
        answered_rows = {name: columns[name][mine & answered]
                         for name in ("queries", "cost", "bits", "target_s", "queue_s")}
        hashes_total = float(np.nansum(columns["trials"][mine]))
        time_total = float(np.nansum(time_s[own]))
        time_pow_s = time_total + float(np.nansum(pow_s[own]))
        by_device = _by_device(hashes[own], hardware[own])
        profiles = spec.profiles
        dollars = sum(profiles[name].dollars(h) for name, h in by_device.items())
        dollars += float(np.nansum(columns["fee_usd"][mine]))
        kwh = sum(profiles[name].kwh(h) for name, h in by_device.items())
        bits = answered_rows["bits"]
        rows.append({
            "agent": spec.name, "kind": spec.kind, "hardware": spec.hardware_label,
            "members": count, "accounts": pc.count_distinct(accounts.filter(mine)).as_py(),
            "queries": float(np.nansum(answered_rows["queries"])),
            "privacy": float(np.nansum(answered_rows["cost"])),
            "time_s": time_total, "time_pow_s": time_pow_s,
            "overhead": time_pow_s / time_total if time_total > 0 else np.nan,
            **_spread(overhead[own]),
            "wall_s": float(_nan_extreme(np.max, finish_s[own]) - np.min(start_s[own])),
            **_waits(answered_rows["queue_s"]),
            "bits_mean": float(np.sum(bits, dtype=np.float64) / len(bits)) if len(bits) else np.nan,
            "rounding": float(np.sum(model.difficulty.expected_s(bits))
                              / np.sum(answered_rows["target_s"])),
            "hashes": hashes_total, "dollars": dollars, "kwh": kwh,
            "accuracy": work.accuracy,
        })
    return with_derived(pd.DataFrame(rows, columns=MEASURED_COLUMNS), "account")


def _codes(agents: pd.Series, names: pa.Array) -> np.ndarray:
    """Each row's position in ``names`` (int64; -1 for a name not there), as the codes of a
    pandas Categorical over ``names``."""
    text = pa.array(agents.array).cast(pa.large_string())  # an empty object column is of type null
    codes = pc.index_in(text, value_set=names.cast(pa.large_string())).fill_null(-1)
    return codes.to_numpy().astype(np.int64)


def _by_device(hashes: np.ndarray, hardware: np.ndarray) -> dict[str, float]:
    """Members' ``hashes`` summed per hardware name, names in sorted order, each sum pandas'
    groupby sum (:func:`~powsim.sim.group_totals.group_sums`)."""
    devices, labels = np.unique(hardware, return_inverse=True)
    sums = group_sums(labels.astype(np.int64), hashes.reshape(-1, 1), len(devices))[:, 0]
    return dict(zip(devices.tolist(), sums.tolist()))


def _spread(overheads: np.ndarray) -> dict[str, float]:
    """Median, 95th and 99th percentiles (linear), maximum of members' ``overheads`` (NaN,
    a member without base time, left out; NaN when none is left) and the share above
    :data:`OVERHEAD_THRESHOLD` (of all members)."""
    known = overheads[~np.isnan(overheads)]
    figures = ([float(np.median(known)), *map(float, np.quantile(known, [0.95, 0.99])),
                float(known.max())] if len(known) else [np.nan] * 4)
    return {**dict(zip(("overhead_median", "overhead_p95", "overhead_p99", "overhead_max"), figures)),
            "share_over_2x": float(np.mean(overheads > OVERHEAD_THRESHOLD))}


def _waits(queue_s: np.ndarray) -> dict[str, float]:
    """Mean and 95th percentile (linear) of an entry's batches' waits for a worker (s; the
    server's queue, ``server.workers``); NaN without batches."""
    if not len(queue_s):
        return {"queue_mean_s": np.nan, "queue_p95_s": np.nan}
    return {"queue_mean_s": float(np.mean(queue_s)), "queue_p95_s": float(np.quantile(queue_s, 0.95))}


def _nan_extreme(function, values: np.ndarray) -> float:
    """``function`` (np.max or np.min) of ``values`` without their NaNs; NaN when none is left."""
    known = values[~np.isnan(values)]
    return float(function(known)) if len(known) else np.nan


def combine(summaries: list[pd.DataFrame], confidence: float = 0.95) -> pd.DataFrame:
    """Mean of each figure over replications, with a Student-t ``confidence`` interval of the
    mean overhead (``ci_low``, ``ci_high``; NaN with fewer than two replications)."""
    stacked = pd.concat(summaries, ignore_index=True)
    keys = ["agent", "kind", "hardware", "members", "accounts"]
    numbers = [c for c in SUMMARY_COLUMNS if c not in keys]
    grouped = stacked.groupby(keys, sort=False)
    table = grouped[numbers].mean().reset_index()
    count = len(summaries)
    half = half_width(grouped["overhead"].std().to_numpy(), count, confidence)
    table["ci_low"] = table["overhead"] - half
    table["ci_high"] = table["overhead"] + half
    table["replications"] = count
    return table
