"""The ``powsim`` command: thin wrappers that parse options and call the library.

``table`` and ``simulate`` live here, the other command groups in ``commands/``. Library
errors name parameters (:class:`~powsim.errors.ParameterError`); :func:`main` shows them
as the options that set them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from powsim.calibrate.charge import PAPER_A, ChargeParameters
from powsim.commands.hashcash import add_hashcash
from powsim.commands.load import add_capacity
from powsim.commands.parsing import Parser, command, usage
from powsim.commands.traces import add_pate_cost, add_traces
from powsim.errors import InputError, ParameterError
from powsim.sim.economics import PROFILES


# --- table ------------------------------------------------------------------------------

def _table(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.sim.table import paper_table, simulated_table
    from powsim.traces.library import TraceLibrary

    parameters = ChargeParameters(a=args.a)
    library = TraceLibrary.load(args.traces, args.dataset)
    if args.mode == "paper":
        table = paper_table(library, parameters, whole_curve=args.curve)
        origin = provenance(mode=args.mode, a=args.a, traces=str(args.traces))
    else:
        if args.curve:
            raise InputError("option --curve: only with --mode paper")
        hardware = PROFILES[args.hardware]
        table = simulated_table(library, args.mode, hardware, args.seed, args.replications,
                                parameters, args.policy, args.reference_hash_rate)
        origin = provenance(seed=args.seed, mode=args.mode, a=args.a, traces=str(args.traces),
                            hardware=args.hardware, policy=args.policy,
                            replications=args.replications,
                            reference_hash_rate=args.reference_hash_rate or hardware.hash_rate_hz)
    text = write_table(table, args.format, origin, args.out)
    print(text, end="")
    return 0


def _add_table(subparsers: argparse._SubParsersAction) -> None:
    parser = command(
        subparsers, "table",
        "Print a Table 2-style overhead table, one row per attack trace (last row of each curve), "
        "or with --curve one row per curve row. Paper mode replays the paper's calculation exactly; "
        "expected and sampled modes run each trace's attacker through the simulator (whole-bit "
        "puzzles per batch) and add bits_mean and dollars, and for sampled a 95 % CI.",
        "powsim table --traces curves/ --mode paper --dataset mnist --format md --out table2.md",
        _table)
    parser.add_argument("--traces", required=True, help="folder of trace parquet files")
    parser.add_argument("--mode", choices=["paper", "expected", "sampled"], default="paper",
                        help="paper: the deterministic replay of the paper's Table 2; expected: "
                             "the simulator with mean solve times; sampled: geometric draws")
    parser.add_argument("--replications", type=int, default=30,
                        help="sampled mode: runs per trace for the 95%% CI (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="sampled mode: seed (default 0)")
    parser.add_argument("--hardware", choices=sorted(PROFILES), default="laptop-cpu",
                        help="the attacker's hardware profile (default laptop-cpu)")
    parser.add_argument("--policy", default="paper",
                        help="simulator modes: the difficulty policy, paper, one-sided or rdp "
                             "(default paper)")
    parser.add_argument("--reference-hash-rate", type=float,
                        help="hashes/s the defense is tuned for (default: the hardware's)")
    parser.add_argument("--dataset", help="only traces of this dataset")
    parser.add_argument("--a", type=float, default=PAPER_A, help="base a of the a^|diff| charge")
    parser.add_argument("--curve", action="store_true", help="one row per curve row, cumulative")
    parser.add_argument("--format", choices=["md", "csv", "json"], default="md",
                        help="md for people, csv or json for programs")
    parser.add_argument("--out", help="also write the table to this file")


# --- simulate ---------------------------------------------------------------------------

def _simulate(args: argparse.Namespace) -> int:
    from powsim.sim.load.parse import declares_load
    if declares_load(args.scenario):
        from powsim.commands.load import simulate_load
        return simulate_load(args)
    from powsim.provenance import provenance
    from powsim.sim.output import write_outputs
    from powsim.sim.replicate import replicate
    from powsim.sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    events, summary = replicate(scenario, args.mode, args.seed, args.replications, args.hashing)
    origin = provenance(seed=args.seed, mode=args.mode, hash=args.hashing,
                        replications=args.replications, scenario=str(args.scenario))
    paths = write_outputs(args.out, events, summary, origin)
    shown = ["agent", "kind", "queries", "overhead", "overhead_p95", "wall_s", "hashes", "dollars"]
    print(summary[shown].to_markdown(index=False, floatfmt=".4g"))
    print(f"\nwrote {paths[0]} ({len(events)} batches) and {paths[1]} ({len(summary)} agents)")
    return 0


def _add_simulate(subparsers: argparse._SubParsersAction) -> None:
    parser = command(
        subparsers, "simulate",
        "Simulate a scenario (TOML): agents ask a PoW server for labels and pay in hashes. "
        "Writes DIR/events.parquet (one row per batch) and DIR/summary.csv (one row per agent).",
        "powsim simulate examples/sybil-vs-group.toml --out results/sybil --mode sampled "
        "--replications 30",
        _simulate)
    parser.add_argument("scenario", help="the scenario TOML file (trace paths relative to its folder)")
    parser.add_argument("--out", required=True, help="folder to write events.parquet and summary.csv to")
    parser.add_argument("--mode", choices=["expected", "sampled"], default="expected",
                        help="expected: every random duration takes its mean; sampled: drawn")
    parser.add_argument("--hash", dest="hashing", choices=["sampled", "real"], default="sampled",
                        help="sampled: draw each puzzle's trials from the geometric law; real: solve "
                             "it with real SHA-256 (sampled mode, puzzles up to 24 bits)")
    parser.add_argument("--replications", type=int, default=1,
                        help="sampled mode: independent runs, combined with a 95%% CI (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of all random streams (default 0)")
    parser.add_argument("--interval", type=float, default=60.0,
                        help="load scenarios: seconds per row of timeseries.parquet (default 60)")


# Library parameters whose option is not --NAME (with '_' as '-').
_OPTIONS = {"hashing": "--hash"}


def _option(parameter: str) -> str:
    """The option that sets library ``parameter``."""
    return _OPTIONS.get(parameter, "--" + parameter.replace("_", "-"))


def build_parser() -> argparse.ArgumentParser:
    """The ``powsim`` argument parser with every subcommand."""
    parser = Parser(
        prog="powsim",
        description="Simulate what a calibrated proof-of-work gate in front of an ML API costs "
                    "legitimate users, attackers and the operator.",
        epilog="example:\n  powsim table --traces traces/bundled --mode paper",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)
    add_traces(subparsers)
    add_pate_cost(subparsers)
    _add_table(subparsers)
    _add_simulate(subparsers)
    add_capacity(subparsers)
    add_hashcash(subparsers)
    parser.set_defaults(handler=lambda args: usage(parser))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad input prints one line and returns 2."""
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except ParameterError as err:
        message = err.renamed(_option)
        print(f"powsim: error: {'option ' if message.startswith('--') else ''}{message}",
              file=sys.stderr)
        return 2
    except InputError as err:
        print(f"powsim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("powsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
