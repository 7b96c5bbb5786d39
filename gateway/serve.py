"""Starting a gateway: what it serves (:class:`GatewayConfig`), built into an app, run by uvicorn.

One process takes the app object. Several (``workers`` > 1) are started by uvicorn from an
import string, so each rebuilds the app from the configuration passed in the environment
(``POWSIM_GATEWAY``, JSON); they must share a Redis store, which also shares the signing secret.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette

from powsim.errors import InputError
from powsim.gateway.app import Gateway, Limits, create_app
from powsim.gateway.oracle import Oracle
from powsim.gateway.pricing import scenario_pricing
from powsim.gateway.store import open_store
from powsim.model.overrides import parse_override
from powsim.model.load import DifficultyRule, LoadScenario
from powsim.model.read import read_scenario
from powsim.traces.generate.setup import Setup, TeacherShape

ENVIRONMENT = "POWSIM_GATEWAY"


@dataclass(frozen=True)
class GatewayConfig:
    """A gateway: the ``scenario`` file (with ``overrides``, 'KEY=VALUE' texts), the
    ``store`` ('memory' or a redis:// URL), the model ``setup`` and its ``cache`` folder, and
    the request ``limits``."""

    scenario: str
    store: str = "memory"
    setup: Setup = Setup()
    cache: str = ""
    limits: Limits = Limits()
    overrides: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The configuration as JSON (for the environment of uvicorn's worker processes)."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> GatewayConfig:
        """The configuration :meth:`to_json` wrote."""
        data = json.loads(text)
        setup = data["setup"]
        setup["teacher_shape"] = TeacherShape(**setup["teacher_shape"])
        return cls(data["scenario"], data["store"], Setup(**setup), data["cache"],
                   Limits(**data["limits"]), tuple(data["overrides"]))


def build_gateway(config: GatewayConfig, log: Callable[[str], None] = lambda line: None) -> Gateway:
    """The gateway of ``config``: scenario read and priced, model loaded (trained and cached
    on first use), store opened. A load scenario's ``[difficulty]`` rule publishes the load
    effort for a server of its ``[server]`` capacity; a per-account scenario has no load rule."""
    scenario = read_scenario(config.scenario, [parse_override(text) for text in config.overrides])
    pricing = scenario_pricing(scenario)
    difficulty, capacity_hz = DifficultyRule(), 1.0
    if isinstance(scenario, LoadScenario):
        difficulty, capacity_hz = scenario.difficulty, scenario.server.capacity_hz
    store = open_store(config.store)
    oracle = Oracle(config.setup, Path(config.cache), pricing.sigma, pricing.delta, log)
    return Gateway(pricing, oracle, store, config.limits, difficulty=difficulty,
                   capacity_hz=capacity_hz)


def app_from_environment() -> Starlette:
    """The app of the configuration in ``$POWSIM_GATEWAY`` (uvicorn's factory for workers)."""
    return create_app(build_gateway(GatewayConfig.from_json(os.environ[ENVIRONMENT])))


def run(config: GatewayConfig, host: str, port: int, workers: int,
        log: Callable[[str], None] = print) -> None:
    """Serve ``config`` on ``host``:``port`` with ``workers`` processes until interrupted."""
    import uvicorn

    if workers > 1 and config.store == "memory":
        raise InputError(f"workers {workers}: processes would not share redeemed challenges and "
                         "ledgers, expected a redis:// store")
    if workers == 1:
        app = create_app(build_gateway(config, log))
        log(f"gateway on http://{host}:{port}/ (store {config.store})")
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    build_gateway(config, log)  # trains and caches the model once, and checks everything
    os.environ[ENVIRONMENT] = config.to_json()
    log(f"gateway on http://{host}:{port}/ ({workers} processes, store {config.store})")
    uvicorn.run("powsim.gateway.serve:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning")

