"""Replications: run a scenario R times on independent streams and summarise them."""

from __future__ import annotations

import pandas as pd

from powsim import progress as bars
from powsim.errors import ParameterError
from powsim.model.kinds import AGENT_KINDS
from powsim.sim.run import Model, prepare, simulate
from powsim.model.scenario import Scenario
from powsim.sim.summary import SUMMARY_COLUMNS, combine, summarize


def replicate(scenario: Scenario, mode: str, seed: int, replications: int = 1,
              hashing: str = "sampled", progress: bool = False
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events of every replication (column ``replication``) and the combined summary.

    With ``progress``, a bar of the replications (:mod:`powsim.progress`).
    Expected mode has no randomness, so it runs once whatever ``replications`` says; when
    rings may be linked (group accounting, 0 < link_probability < 1) it runs twice, all rings
    linked and none, and reports the expectation (see :func:`_expected_over_linking`).
    """
    if replications < 1:
        raise ParameterError(f"{{replications}}: {replications}, expected a whole number >= 1")
    model = prepare(scenario)
    probability = linking_probability(scenario)
    if mode == "expected" and 0 < probability < 1:
        return _expected_over_linking(model, seed, hashing, probability)
    runs = []
    count = replications if mode == "sampled" else 1
    with bars.bar(count, "simulate", "replication", enabled=progress and count > 1) as bar:
        for r in range(count):
            runs.append(simulate(model, mode, seed, r, hashing=hashing))
            bar.update()
    events = pd.concat([run.events.assign(replication=r) for r, run in enumerate(runs)],
                       ignore_index=True)
    return events, combine([summarize(model, run) for run in runs])


def linking_probability(scenario: Scenario) -> float:
    """The chance that group accounting links a ring of the scenario (0 when none can be)."""
    rings = any(AGENT_KINDS[agent.kind].link for agent in scenario.agents)
    defense = scenario.defense
    return defense.link_probability if rings and defense.accounting == "group" else 0.0


def _expected_over_linking(model: Model, seed: int, hashing: str, probability: float
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected mode with rings linked with ``probability``: the summary's figures are
    p * (all rings linked) + (1 - p) * (none linked), exact for one ring and for rings that
    do not share workers; events hold both runs, marked by column ``linked``."""
    runs = {flag: simulate(model, "expected", seed, 0, hashing=hashing, linked=flag)
            for flag in (True, False)}
    events = pd.concat([run.events.assign(replication=0, linked=flag) for flag, run in runs.items()],
                       ignore_index=True)
    linked, unlinked = (summarize(model, runs[flag]) for flag in (True, False))
    summary = combine([linked])
    figures = [c for c in SUMMARY_COLUMNS if pd.api.types.is_float_dtype(linked[c])]
    summary[figures] = probability * linked[figures] + (1 - probability) * unlinked[figures]
    return events, summary
