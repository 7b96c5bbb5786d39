"""The ``powsim`` command: thin wrappers that parse options and call the library.

``table`` and ``simulate`` live here, the other command groups in ``commands/``. Library
errors name parameters (:class:`~powsim.errors.ParameterError`); :func:`main` shows them
as the options that set them.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from powsim import options, progress
from powsim.calibrate.charge import PAPER_A, ChargeParameters
from powsim.commands.gateway import add_gateway
from powsim.commands.hashcash import add_hashcash
from powsim.commands.load import add_capacity
from powsim.commands.parsing import (Parser, add_limits_option, add_progress_options, add_set_option,
                                     command, usage)
from powsim.commands.population import add_population
from powsim.commands.puzzles import add_puzzles
from powsim.commands.report import add_report
from powsim.commands.sweep import add_calibrate, add_sweep
from powsim.commands.traces import add_pate_cost, add_traces
from powsim.errors import InputError, ParameterError
from powsim.outputs import check_destination
from powsim.provenance import record_command
from powsim.hashcash.hardware import DEFAULT_PROFILE, LOCAL, PROFILES, hardware_profile
from powsim.difficulty.policies import POLICIES
from powsim.model.scenario import MAX_SECONDS
from powsim.traces.pate import ORDER_GRIDS


# --- table ------------------------------------------------------------------------------

def _table(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.sim.table import paper_table, simulated_table
    from powsim.traces.library import TraceLibrary

    if args.out is not None:
        check_destination(args.out, "file", inputs=[args.traces])
    if args.curve and args.mode != "paper":
        raise InputError("option --curve: only with --mode paper")
    if args.mode == "paper":
        _refuse_simulator_options(args)
    parameters = ChargeParameters(a=args.a)
    try:
        library = TraceLibrary.load(args.traces, args.dataset)
    except InputError as err:  # the library names the folder; the option is the CLI's word
        raise InputError(f"option --traces: {err}") from None
    if args.mode == "paper":
        table = paper_table(library, parameters, whole_curve=args.curve)
        run = {"mode": args.mode, "a": args.a}
    else:
        from powsim import budget

        runs = args.replications if args.mode == "sampled" else 1
        attacks = [t for dataset in library.datasets for t in library.attacks(dataset)]
        budget.check(budget.table_work(attacks, runs), f"{args.traces} x --replications {runs}",
                     args.limits)
        hardware = hardware_profile(args.hardware)
        table = simulated_table(library, args.mode, hardware, args.seed, args.replications,
                                parameters, args.policy, args.reference_hash_rate, args.rdp_orders,
                                progress=True)
        run = {"mode": args.mode, "a": args.a, "policy": args.policy,
               "rdp_orders": args.rdp_orders, "hardware": args.hardware,
               "seed": args.seed, "replications": args.replications,
               "reference_hash_rate": args.reference_hash_rate or hardware.hash_rate_hz}
    origin = provenance(**{"seed": None, **run}, traces=str(args.traces))
    text = write_table(table.assign(**run), args.format, origin, args.out)
    print(text, end="")
    return 0


# The simulator's options of 'table' and their defaults: paper mode has none of them.
_SIMULATOR_OPTIONS = {"policy": "paper", "hardware": "laptop-cpu", "seed": 0, "replications": 30,
                      "rdp_orders": "paper", "reference_hash_rate": None}


def _refuse_simulator_options(args: argparse.Namespace) -> None:
    """Paper mode replays the paper's calculation: an option of the simulator set to another
    value than its default would be silently ignored, so it is refused."""
    for name, default in _SIMULATOR_OPTIONS.items():
        if getattr(args, name) != default:
            raise InputError(f"option {_option(name)}: {getattr(args, name)!r}, only with --mode "
                             "expected or sampled (paper mode replays the paper's calculation, "
                             "which has no such setting)")


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
                             "the simulator with mean solve times; sampled: geometric draws "
                             "(default paper)")
    parser.add_argument("--replications", type=options.integer(1, options.MAX_REPLICATIONS),
                        default=30, help="sampled mode: runs per trace for the 95%% CI (default 30)")
    parser.add_argument("--seed", type=options.seed(), default=0, help="sampled mode: seed (default 0)")
    parser.add_argument("--hardware", choices=sorted([*PROFILES, LOCAL]), default=DEFAULT_PROFILE,
                        help="the attacker's hardware profile; local is this machine as measured "
                             "by 'powsim hashcash bench' (default %(default)s)")
    parser.add_argument("--policy", choices=POLICIES, default="paper",
                        help="simulator modes: the difficulty policy (default paper)")
    parser.add_argument("--rdp-orders", choices=tuple(ORDER_GRIDS), default="paper",
                        help="rdp policy: RDP order grid, paper (from 2 up, the authors') or "
                             "extended (from 1.02) (default paper)")
    parser.add_argument("--reference-hash-rate", type=options.number(0, 1e15, low_open=True),
                        help="hashes/s the defense is tuned for (default: the hardware's)")
    parser.add_argument("--dataset", help="only traces of this dataset (default: all)")
    parser.add_argument("--a", type=options.number(1, 1e6), default=PAPER_A,
                        help=f"base a >= 1 of the a^|diff| charge (default {PAPER_A})")
    parser.add_argument("--curve", action="store_true", help="one row per curve row, cumulative")
    parser.add_argument("--format", choices=["md", "csv", "json"], default="md",
                        help="md for people, csv or json for programs (default md)")
    parser.add_argument("--out", help="also write the table to this file, with "
                                      "OUT.provenance.json beside it")
    add_limits_option(parser)
    add_progress_options(parser)


# --- simulate ---------------------------------------------------------------------------

def _simulate(args: argparse.Namespace) -> int:
    from powsim.model.load_parse import declares_load
    if declares_load(args.scenario):
        from powsim.commands.load import simulate_load
        return simulate_load(args)
    from powsim import budget
    from powsim.provenance import provenance
    from powsim.report import markdown
    from powsim.sim.output import SIMULATE_NAMES, write_outputs
    from powsim.model.overrides import parse_override
    from powsim.sim.replicate import replicate
    from powsim.model.parse import load_scenario

    overrides = [parse_override(text) for text in args.overrides]
    check_destination(args.out, "folder", names=SIMULATE_NAMES, inputs=[args.scenario])
    scenario = load_scenario(args.scenario, overrides)
    # again, now that the traces it reads are known (the first check came before reading)
    traces = [scenario.defense.reference.source, *(t.source for agent in scenario.agents
                                                   for t in (agent.trace, agent.cover) if t)]
    check_destination(args.out, "folder", names=SIMULATE_NAMES, inputs=traces)
    runs = args.replications if args.mode == "sampled" else 2
    budget.check(budget.simulate_work(scenario, runs),
                 f"{args.scenario} x --replications {runs}", args.limits)
    events, summary = replicate(scenario, args.mode, args.seed, args.replications, args.hashing,
                                progress=True)
    defense = scenario.defense
    run = {"mode": args.mode, "hash": args.hashing, "seed": args.seed,
           "replications": args.replications, "scenario": str(args.scenario),
           "a": defense.parameters.a, "policy": defense.policy, "puzzle": defense.puzzle.name}
    origin = provenance(**run, overrides=dict(overrides), rdp_orders=scenario.defense.rdp_orders)
    paths = write_outputs(args.out, events, summary.assign(**run), origin)
    shown = ["agent", "kind", "queries", "overhead", "overhead_p95", "wall_s", "hashes", "dollars"]
    trials = {} if defense.puzzle.name == "sha256" else {"hashes": f"{defense.puzzle.name} trials"}
    print(markdown(summary[shown], trials))
    print(f"\n{_mode_line(args.mode, args.replications)}; the defense is tuned for a client of "
          f"{defense.reference_hash_rate_hz:.4g} hashes/s ([defense] reference_hash_rate)")
    print(f"\nwrote {paths[0]} ({len(events)} batches) and {paths[1]} ({len(summary)} agents)")
    return 0


def _mode_line(mode: str, replications: int) -> str:
    """What the run's mode means, and why simulate's default differs from sweep's."""
    if mode == "expected":
        return ("expected mode: every random duration at its mean, one run (the default here, "
                "to read a scenario at a glance; --mode sampled draws them, as sweep and "
                "calibrate do by default for CIs)")
    return f"sampled mode: {replications} replication(s) of random draws, CIs at 95 %"


def _add_simulate(subparsers: argparse._SubParsersAction) -> None:
    parser = command(
        subparsers, "simulate",
        "Simulate a scenario (TOML): agents ask a PoW server for labels and pay in hashes. "
        "Writes DIR/events.parquet (one row per batch) and DIR/summary.csv (one row per agent, "
        "with the run's parameters as columns and its provenance in summary.csv.provenance.json).",
        "powsim simulate examples/sybil-vs-group.toml --out results/sybil --mode sampled "
        "--replications 30",
        _simulate)
    parser.add_argument("scenario", help="the scenario TOML file (trace paths relative to its folder)")
    parser.add_argument("--out", required=True, help="folder to write events.parquet and summary.csv to")
    parser.add_argument("--mode", choices=["expected", "sampled"], default="expected",
                        help="expected: every random duration takes its mean; sampled: drawn "
                             "(default expected)")
    parser.add_argument("--hash", dest="hashing", choices=["sampled", "real"], default="sampled",
                        help="sampled: draw each puzzle's trials from the geometric law; real: solve "
                             "it with real SHA-256 (sampled mode, puzzles up to 24 bits) "
                             "(default sampled)")
    parser.add_argument("--replications", type=options.integer(1, options.MAX_REPLICATIONS),
                        default=1, help="sampled mode: independent runs, combined with a 95%% CI "
                                        "(default 1)")
    parser.add_argument("--seed", type=options.seed(), default=0,
                        help="seed of all random streams (default 0)")
    parser.add_argument("--interval", type=options.number(0, MAX_SECONDS, low_open=True), default=60.0,
                        help="load scenarios: seconds per row of timeseries.parquet (default 60)")
    add_set_option(parser)
    add_limits_option(parser)
    add_progress_options(parser)


# Library parameters whose option is not --NAME (with '_' as '-').
_OPTIONS = {"hashing": "--hash", "inference_seconds": "--inference-seconds-per-batch",
            "calibration_fraction": "--calibration", "overrides": "--set"}


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
    parser.add_argument("--version", action="version", version=f"powsim {_version()}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)
    add_traces(subparsers)
    add_pate_cost(subparsers)
    _add_table(subparsers)
    _add_simulate(subparsers)
    add_capacity(subparsers)
    add_sweep(subparsers)
    add_calibrate(subparsers)
    add_hashcash(subparsers)
    add_puzzles(subparsers)
    add_gateway(subparsers)
    add_population(subparsers)
    add_report(subparsers)
    parser.set_defaults(handler=lambda args: usage(parser))
    return parser


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("powsim")
    except metadata.PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad input prints one line and returns 2.

    From the console (``argv`` None) warnings are not printed: a problem is one error line
    or nothing. A reader that closes the pipe early (``powsim ... | head``) ends the
    command quietly with status 141, as a shell reports a process killed by SIGPIPE.
    """
    with warnings.catch_warnings():
        if argv is None:
            warnings.simplefilter("ignore")
        try:
            record_command(sys.argv[1:] if argv is None else argv)
            args = build_parser().parse_args(argv)
            progress.configure(getattr(args, "progress", None))
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
        except BrokenPipeError:
            _silence_stdout()
            return 141
        finally:
            progress.configure(None)  # a library caller after this command gets the default


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that flushing it at exit raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
