"""Read any scenario file: the kernel that runs it follows from its agents' kinds.

A scenario whose ``[[agents]]`` are of load kinds (``engine = "load"`` in
:mod:`powsim.model.kinds`: open arrivals, botnets) is a :class:`~powsim.model.load.LoadScenario`;
any other is a per-account :class:`~powsim.model.scenario.Scenario`. Commands call
:func:`read_scenario` and hand the result to its kernel, so no command chooses an engine.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from powsim.model.load import LoadScenario
from powsim.model.load_parse import declares_load, load_load_scenario
from powsim.model.overrides import Override
from powsim.model.parse import load_scenario
from powsim.model.scenario import Scenario


def engine_of(scenario: Scenario | LoadScenario) -> str:
    """The kernel that runs ``scenario``: 'load' or 'account'."""
    return "load" if isinstance(scenario, LoadScenario) else "account"


def read_scenario(path: str | os.PathLike[str], overrides: Sequence[Override] = ()
                  ) -> Scenario | LoadScenario:
    """The scenario TOML file at ``path`` with ``overrides`` applied, validated for its kernel."""
    if declares_load(path):
        return load_load_scenario(path, overrides)
    return load_scenario(path, overrides)
