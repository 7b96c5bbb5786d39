"""``powsim serve``: the proof-of-work gateway in front of the Fashion-MNIST victim."""

from __future__ import annotations

import argparse
import sys

from powsim import options
from powsim.commands.parsing import add_set_option, command
from powsim.commands.traces import add_model_options, setup_from_options

MAX_WORKERS = 64


def _serve(args: argparse.Namespace) -> int:
    from powsim.gateway.app import Limits
    from powsim.gateway.serve import GatewayConfig, run

    setup = setup_from_options(args, "cpu")
    setup.check()
    limits = Limits(max_queries=args.max_queries, challenges_per_window=args.challenges_per_minute,
                    window_s=60.0, ttl_s=args.ttl)
    config = GatewayConfig(args.scenario, args.store, setup, args.cache, limits, tuple(args.overrides))
    run(config, args.host, args.port, args.workers, log=lambda line: print(line, file=sys.stderr))
    return 0


def add_gateway(subparsers: argparse._SubParsersAction) -> None:
    """Register ``powsim serve``."""
    parser = command(
        subparsers, "serve",
        "Serve the Fashion-MNIST victim behind the scenario's proof-of-work defense: POST "
        "/challenge and /labels, GET /metrics (Prometheus) and a browser client at /. The victim "
        "and teachers are the traces' (trained and cached on first use; inference on CPU); each "
        "account's PATE cost is computed from the teachers' votes and kept in the store.",
        "powsim serve examples/quickstart.toml --port 8000 --store redis://127.0.0.1:6379/0", _serve)
    parser.add_argument("scenario", help="scenario TOML file: its [defense] prices the challenges")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=options.integer(1, 65535), default=8000,
                        help="port to listen on (default 8000)")
    parser.add_argument("--workers", type=options.integer(1, MAX_WORKERS), default=1,
                        help="gateway processes; more than one needs a redis:// store (default 1)")
    parser.add_argument("--store", default="memory",
                        help="where redeemed challenges and ledgers live: memory (this process) or "
                             "redis://HOST:PORT/DB, shared by gateways and kept across restarts "
                             "(default memory)")
    parser.add_argument("--max-queries", type=options.integer(1, 4096), default=256,
                        help="most queries (images) one challenge unlocks (default 256)")
    parser.add_argument("--challenges-per-minute", type=options.integer(1, 10**6), default=60,
                        help="challenge requests an account may make per minute (default 60)")
    parser.add_argument("--ttl", type=options.number(0, 86_400, True), default=300.0,
                        help="seconds a challenge stays valid (default 300)")
    add_model_options(parser)
    add_set_option(parser)
