"""``powsim population import``: a legitimate population fitted to a request log, written as
the ``[[agents]]`` entry a scenario uses."""

from __future__ import annotations

import argparse
from pathlib import Path

from powsim import options
from powsim.commands.parsing import command, group
from powsim.errors import InputError
from powsim.model.scenario import MAX_MEMBERS, MAX_SECONDS
from powsim.outputs import check_destination, safe_name, sidecar_name

DEFAULT_TRACE = "../traces/pools/fmnist-pool.parquet"  # the bundled pool, from examples/
EXAMPLE = "powsim population import requests.csv --out users.toml --name users"


def _import(args: argparse.Namespace) -> int:
    import json

    from powsim.model.population_block import population_block
    from powsim.model.population_fit import fit_population
    from powsim.model.request_log import read_log
    from powsim.outputs import staged
    from powsim.provenance import provenance
    from powsim.report import markdown

    out = check_destination(args.out, "file")
    name = safe_name(args.name, "option --name")
    if out.resolve() == Path(args.log).resolve():
        raise InputError(f"option --out: {out} is the log being read, expected another file")
    fit = fit_population(read_log(args.log), args.session_gap)
    count = args.count if args.count is not None else min(fit.members, MAX_MEMBERS)
    origin = provenance(source=Path(args.log).name, session_gap_s=args.session_gap)
    text = population_block(fit, name, count, args.trace, origin)
    with staged(out, "file") as staging:
        staging.path(out.name).write_text(text, encoding="utf-8")
        record = {**origin, "fit": fit.summary().to_dict(orient="records"),
                  "ks_statistic": fit.ks_statistic, "ks_p": fit.ks_p,
                  "ks_p_lilliefors": fit.ks_p_fitted, "requests": fit.requests}
        staging.path(sidecar_name(out.name)).write_text(json.dumps(record, indent=2) + "\n",
                                                        encoding="utf-8")
    print(markdown(fit.summary()))
    print(f"\nKS of log(queries) against the fitted lognormal: D = {fit.ks_statistic:.4f}, "
          f"p = {fit.ks_p_fitted:.3f} (Lilliefors; plain KS p = {fit.ks_p:.4g})")
    print(f"wrote {out} ({name}: {count} members) and {sidecar_name(out.name)}")
    return 0


def add_population(subparsers: argparse._SubParsersAction) -> None:
    commands = group(subparsers, "population", "Fit a legitimate population to real traffic.", EXAMPLE)
    parser = command(
        commands, "import",
        "Read a request log (CSV or parquet: time, account, queries, optionally device or "
        "user_agent; see docs/simulation.md) and fit queries per member (lognormal), members' "
        "arrival rate (Poisson), think time between requests (exponential) and the device mix, "
        "each with a 95 % CI; write the kind = \"legit\" [[agents]] entry a scenario pastes in, "
        "the CIs, a Kolmogorov-Smirnov test and the provenance as comments above it, and the fit "
        "as OUT.provenance.json, all or nothing.",
        EXAMPLE, _import)
    parser.add_argument("log", help="the request log, .csv or .parquet")
    parser.add_argument("--out", required=True, help="the TOML file to write (not the log)")
    parser.add_argument("--name", default="users", help="the entry's name (default users)")
    parser.add_argument("--trace", default=DEFAULT_TRACE,
                        help="the pool members draw queries from, relative to the scenario's "
                             "folder (default %(default)s, the bundled pool seen from examples/)")
    parser.add_argument("--count", type=options.integer(1, MAX_MEMBERS),
                        help="members of the entry (default: those in the log, at most "
                             f"{MAX_MEMBERS:,})")
    parser.add_argument("--session-gap", type=options.number(0, MAX_SECONDS, low_open=True),
                        metavar="SECONDS",
                        help="a pause longer than this starts a new member (a session) of the "
                             "same account (default: one member per account)")
