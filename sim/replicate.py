"""Replications: run a scenario R times on independent streams and summarise them."""

from __future__ import annotations

import pandas as pd

from powsim.errors import ParameterError
from powsim.sim.run import prepare, simulate
from powsim.sim.scenario import Scenario
from powsim.sim.summary import combine, summarize


def replicate(scenario: Scenario, mode: str, seed: int, replications: int = 1,
              hashing: str = "sampled") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events of every replication (column ``replication``) and the combined summary.

    Expected mode has no randomness, so it runs once whatever ``replications`` says.
    """
    if replications < 1:
        raise ParameterError(f"{{replications}}: {replications}, expected a whole number >= 1")
    model = prepare(scenario)
    runs = [simulate(model, mode, seed, r, hashing=hashing)
            for r in range(replications if mode == "sampled" else 1)]
    events = pd.concat([run.events.assign(replication=r) for r, run in enumerate(runs)],
                       ignore_index=True)
    return events, combine([summarize(model, run) for run in runs])
