"""The summary table: one row per agent entry, from the events of a run.

Per member (a user, a colluder, the one actor of a sybil ring or an adaptive attacker):
``time_s`` is its base time without PoW (service seconds of its batches, as the paper's
time column), ``time_pow_s`` adds its puzzles' solve and verify seconds, and its overhead
is their ratio. An entry's row adds its members up, and describes the distribution of its
members' overheads: median, 95th and 99th percentiles, maximum and the share of members
above :data:`OVERHEAD_THRESHOLD` (``share_over_2x``); ``hashes``/``time_pow_s``/``dollars``/
``kwh`` ``_per_member`` are the entry's totals over its members; each member's dollars and
energy are at its own hardware; ``wall_s`` runs from the first start to the last
release (queues, think times and parallel actors included); ``rounding`` is the effect of
whole bits: the reference client's expected PoW seconds for the puzzles issued, over the
policy's target seconds (1 = no effect; each puzzle's factor lies in [2^-0.5, 2^0.5] unless
clamped to [0, max_bits]).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from powsim.sim.run import Model, Run
from powsim.stats.confidence import half_width

OVERHEAD_THRESHOLD = 2.0  # the paper's goal for legitimate users: under 2x time
SUMMARY_COLUMNS = ["agent", "kind", "hardware", "members", "accounts", "queries", "privacy",
                   "time_s", "time_pow_s", "overhead", "overhead_median", "overhead_p95",
                   "overhead_p99", "overhead_max", "share_over_2x", "wall_s", "queue_mean_s",
                   "queue_p95_s", "bits_mean",
                   "rounding", "hashes", "dollars", "kwh", "hashes_per_member",
                   "time_pow_s_per_member", "dollars_per_member", "kwh_per_member", "accuracy"]


def summarize(model: Model, run: Run) -> pd.DataFrame:
    """One row per agent entry of ``model``'s scenario (columns :data:`SUMMARY_COLUMNS`)."""
    verify_s = model.scenario.server.verify_s
    events = run.events.assign(answered=run.events["batch"] >= 0)
    events["pow_s"] = events["solve_s"] + verify_s * events["answered"]
    per_member = run.members.set_index(["agent", "actor"]).join(
        events.groupby(["agent", "actor"]).agg(time_s=("service_s", "sum"), pow_s=("pow_s", "sum"),
                                               finish_s=("sim_time_s", "max"),
                                               hashes=("trials", "sum")))
    # An actor left without batches (more colluders than batches) spent nothing.
    per_member = per_member.fillna({"time_s": 0.0, "pow_s": 0.0, "hashes": 0.0})
    # No base time (service seconds set to 0) has no overhead ratio: NaN, as for the entry.
    per_member["overhead"] = ((per_member["time_s"] + per_member["pow_s"])
                              / per_member["time_s"].where(per_member["time_s"] > 0))
    rows = []
    for spec, work in zip(model.scenario.agents, model.workloads):
        mine, members = events[events["agent"] == spec.name], per_member.loc[spec.name]
        answered = mine[mine["answered"]]
        hashes = float(mine["trials"].sum())
        time_s = float(members["time_s"].sum())
        time_pow_s = time_s + float(members["pow_s"].sum())
        by_device = members.groupby("hardware")["hashes"].sum()
        profiles = spec.profiles
        dollars = sum(profiles[name].dollars(h) for name, h in by_device.items())
        dollars += float(mine["fee_usd"].sum())
        kwh = sum(profiles[name].kwh(h) for name, h in by_device.items())
        overheads = members["overhead"]
        rows.append({
            "agent": spec.name, "kind": spec.kind, "hardware": spec.hardware_label,
            "members": len(members), "accounts": mine["account"].nunique(),
            "queries": float(answered["queries"].sum()), "privacy": float(answered["cost"].sum()),
            "time_s": time_s, "time_pow_s": time_pow_s,
            "overhead": time_pow_s / time_s if time_s > 0 else np.nan,
            "overhead_median": float(overheads.median()),
            "overhead_p95": float(overheads.quantile(0.95)),
            "overhead_p99": float(overheads.quantile(0.99)),
            "overhead_max": float(overheads.max()),
            "share_over_2x": float((overheads > OVERHEAD_THRESHOLD).mean()),
            "wall_s": float(members["finish_s"].max() - members["start_s"].min()),
            # Waits of the entry's batches for a worker (the server's queue, server.workers).
            "queue_mean_s": float(answered["queue_s"].mean()),
            "queue_p95_s": float(answered["queue_s"].quantile(0.95)),
            "bits_mean": float(answered["bits"].mean()),
            "rounding": float(model.difficulty.expected_s(answered["bits"]).sum()
                              / answered["target_s"].sum()),
            "hashes": hashes, "dollars": dollars, "kwh": kwh,
            "hashes_per_member": hashes / len(members),
            "time_pow_s_per_member": time_pow_s / len(members),
            "dollars_per_member": dollars / len(members), "kwh_per_member": kwh / len(members),
            "accuracy": work.accuracy,
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


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
