"""``powsim serve``: the proof-of-work gateway in front of the Fashion-MNIST victim."""

from __future__ import annotations

import argparse
import sys

from powsim import options
from powsim.commands.parsing import add_set_option, command
from powsim.commands.traces import add_model_options, setup_from_options
from powsim.outputs import check_destination

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


def _client(args: argparse.Namespace) -> int:
    from powsim.gateway.client import Load, drive, summary
    from powsim.provenance import provenance
    from powsim.report import write_table

    if args.out is not None:
        check_destination(args.out, "file")
    load = Load(args.url, args.rate, args.requests, args.duration, args.queries, args.accounts,
                args.prefix, args.solvers, args.timeout, args.seed)
    records = drive(load)
    figures = summary(records, args.duration)
    print(f"{len(records)} requests at {args.rate:g}/s for {args.duration:g} s: throughput "
          f"{figures['throughput_hz']:.3f} labelled requests/s, connect rate "
          f"{100 * figures['connect_rate']:.1f} %, latency p50 {figures['latency_p50_s']:.3f} s, "
          f"p95 {figures['latency_p95_s']:.3f} s (challenge call to labels); mean service "
          f"{figures['service_mean_s']:.3f} s, mean solve {figures['solve_mean_s']:.3f} s")
    refused = records["outcome"].value_counts().drop("ok", errors="ignore")
    if len(refused):
        print("not reached: " + ", ".join(f"{reason} {count}" for reason, count in refused.items()))
    if args.out is not None:
        origin = provenance(url=args.url, rate_hz=args.rate, max_requests=args.requests,
                            duration_s=args.duration, queries=args.queries, accounts=args.accounts,
                            seed=args.seed, summary=figures)
        write_table(records, "csv", origin, args.out)
        print(f"wrote {args.out} (one row per request)")
    return 0


def _rates(text: str) -> list[float]:
    """Comma-separated arrival rates (per second), each in (0, 10000]."""
    return [options.number(0, 10_000, True)(part) for part in text.split(",")]


def _validate_server(args: argparse.Namespace) -> int:
    from powsim.gateway.client import Load
    from powsim.gateway.validate import validate
    from powsim.model.load import DifficultyRule, LoadScenario
    from powsim.model.overrides import parse_override
    from powsim.model.read import read_scenario
    from powsim.provenance import provenance
    from powsim.report import render, write_table

    if args.out is not None:
        check_destination(args.out, "file")
    scenario = read_scenario(args.scenario, [parse_override(text) for text in args.overrides])
    difficulty = scenario.difficulty if isinstance(scenario, LoadScenario) else DifficultyRule()
    rates = args.rates
    load = Load(args.url, rates[0], args.requests, args.duration, args.queries, args.accounts,
                args.prefix, args.solvers, args.timeout, args.seed)
    table = validate(load, rates, args.replications, difficulty, args.probe)
    origin = provenance(scenario=args.scenario, overrides=list(args.overrides), url=args.url,
                        rates_hz=rates, duration_s=args.duration, queries=args.queries,
                        accounts=args.accounts, seed=args.seed, replications=args.replications,
                        probe_s=args.probe)
    shown = ["rate_hz", "source", "throughput_hz", "latency_p50_s", "latency_p95_s", "connect_rate",
             "service_s", "service_model_s", "client_cpu_share", "throughput_error",
             "latency_p50_error", "latency_p95_error"]
    print(render(table[shown], "md", origin), end="")
    if args.out is not None:
        write_table(table, "csv", origin, args.out)
        print(f"wrote {args.out} (both sources at each rate, with 95 % intervals and the measured "
              "inputs of the simulation)")
    return 0


def _add_load_options(parser: argparse.ArgumentParser, default_rate: bool) -> None:
    """The options of a load: its bounds, requests and accounts."""
    if default_rate:
        parser.add_argument("--rate", type=options.number(0, 10_000, True), default=1.0,
                            help="arrivals per second (default 1)")
    parser.add_argument("--requests", type=options.integer(1, 1_000_000), default=100,
                        help="most requests to send (per rate; default 100)")
    parser.add_argument("--duration", type=options.number(0, 86_400, True), default=30.0,
                        help="seconds during which requests arrive (per rate; default 30)")
    parser.add_argument("--queries", type=options.integer(1, 4096), default=16,
                        help="images per request (default 16)")
    parser.add_argument("--accounts", type=options.integer(1, 1_000_000), default=10,
                        help="accounts, used round robin (default 10)")
    parser.add_argument("--prefix", default="load", help="account names are PREFIX-i (default load)")
    parser.add_argument("--solvers", type=options.integer(1, 1024), default=1,
                        help="solver threads (default 1)")
    parser.add_argument("--timeout", type=options.number(0, 3600, True), default=60.0,
                        help="seconds each call may take (default 60)")
    parser.add_argument("--seed", type=options.seed(), default=0,
                        help="seed of arrivals and images (default 0)")


def add_gateway(subparsers: argparse._SubParsersAction) -> None:
    """Register ``powsim serve``, ``powsim client`` and ``powsim validate-server``."""
    parser = command(
        subparsers, "serve",
        "Serve the Fashion-MNIST victim behind the scenario's proof-of-work defense: POST "
        "/challenge and /labels, GET /metrics (Prometheus) and a browser client at /. The victim "
        "and teachers are the traces' (trained and cached on first use; inference on CPU); each "
        "account's PATE cost is computed from the teachers' votes and kept in the store.",
        "powsim serve examples/quickstart.toml --port 8000 --store redis://127.0.0.1:6379/0", _serve)
    parser.add_argument("scenario", help="scenario TOML file: its [defense] prices the challenges; "
                                         "a load scenario's [difficulty] rule sets the load effort")
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
    parser = command(
        subparsers, "client",
        "Drive a running gateway: a seeded Poisson stream of requests (challenge, solve with this "
        "machine's solver, labels), bounded in requests and seconds; print throughput, latency "
        "p50/p95 and the connect rate, and with --out write one CSV row per request.",
        "powsim client http://127.0.0.1:8000 --rate 2 --requests 100 --duration 30 --out load.csv",
        _client)
    parser.add_argument("url", help="the gateway, e.g. http://127.0.0.1:8000")
    _add_load_options(parser, default_rate=True)
    parser.add_argument("--out", help="CSV file of the requests (and its provenance sidecar)")
    parser = command(
        subparsers, "validate-server",
        "Drive a running gateway (serving SCENARIO): first a light probe (5/s for --probe "
        "seconds) that measures each request's seconds outside the model's queue, then each of "
        "--rates (a seeded Poisson stream each), measuring the gateway's service time and the "
        "client's CPU share; then simulate the same streams (their arrival times replayed) with "
        "the load kernel from each level's measured service time, client hash rate, account "
        "charges and the scenario's [difficulty] rule, each latency plus a probe request's "
        "outside seconds; print real and simulated throughput, latency p50/p95 and connect "
        "rate side by side with the simulation's relative error and the shared-cores model's "
        "predicted service, and with --out write the table with 95 % intervals (CSV).",
        "powsim validate-server examples/quickstart.toml --url http://127.0.0.1:8000 --rates 2,8,32 "
        "--duration 30 --out v.csv",
        _validate_server)
    parser.add_argument("scenario", help="the scenario TOML file the gateway serves (its [difficulty] "
                                         "rule is simulated)")
    parser.add_argument("--url", required=True, help="the gateway, e.g. http://127.0.0.1:8000")
    parser.add_argument("--rates", type=_rates, default=[1.0, 4.0, 16.0],
                        help="arrival rates (per second), comma-separated: below, at and above "
                             "saturation (default 1,4,16)")
    parser.add_argument("--replications", type=options.integer(2, 10_000), default=20,
                        help="simulated replications per rate (default 20)")
    parser.add_argument("--probe", type=options.number(0, 3600, True), default=10.0,
                        help="seconds of the light probe before the rates (default 10)")
    _add_load_options(parser, default_rate=False)
    add_set_option(parser)
    parser.add_argument("--out", help="CSV file of the comparison (and its provenance sidecar)")
