"""Paper mode: the deterministic replay behind the "Time PoW" column of Table 2.

Follows ``docs/paper-replay.md`` of the design folder exactly, quirks included:

* the PoW charge is a continuous target time a^|diff| seconds, clipped to
  [t_min, t_max], charged once per curve row (per 1000 queries), not per batch;
* |diff| also charges a user whose cost is *below* the legitimate reference;
* the first row is the starting point, 0 queries and 0 cost, whatever it holds (the
  authors' data-free curve starts at 350 batches), and later rows count their queries
  from it; its charge is one second less.

These quirks belong to this mode only; the simulator's policies do not share them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from powsim.calibrate.charge import ChargeParameters, clipped_power_seconds
from powsim.calibrate.reference import LinearReference
from powsim.errors import InputError
from powsim.traces.format import Trace


def replay_curve(curve: Trace, reference: LinearReference,
                 parameters: ChargeParameters = ChargeParameters()) -> pd.DataFrame:
    """Replay ``curve`` row by row; one output row per curve row.

    Columns: ``queries`` (counted from the first row), ``expected_cost`` (the reference fit
    E(Q_r)), ``diff`` (|p_r - E(Q_r)|, with p_0 = 0), ``charge_s`` (clip(a^diff) seconds, one
    second less on the first row) and ``time_pow_s`` (cumulative time with PoW, seconds).
    """
    if curve.kind != "curve":
        raise InputError(f"{curve.source}: paper mode replays curve traces, got a {curve.kind} trace")
    queries = curve.data["queries"].to_numpy(dtype=np.float64)
    queries = queries - queries[0]
    cost = curve.data["cost"].to_numpy(dtype=np.float64).copy()
    cost[0] = 0.0
    expected = reference.expected_cost(queries)
    diff = np.abs(cost - expected)
    charge = clipped_power_seconds(np.log(parameters.a), diff, parameters.min_seconds,
                                   parameters.max_seconds)
    charge[0] -= 1.0
    time_pow_s = curve.data["time_s"].to_numpy(dtype=np.float64) + np.cumsum(charge)
    return pd.DataFrame({"queries": queries, "expected_cost": expected, "diff": diff,
                         "charge_s": charge, "time_pow_s": time_pow_s})
