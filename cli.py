"""The ``powsim`` command: thin wrappers that parse options and call the library."""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from powsim import options
from powsim.errors import InputError
from powsim.outputs import check_destination
from powsim.provenance import record_command
from powsim.sim.economics import LOCAL, PROFILES, hardware_profile
from powsim.sim.policies import POLICIES

Handler = Callable[[argparse.Namespace], int]
SIGMA_RANGE = (1e-3, 1e6)  # GNMax noise in vote counts; outside it the analysis under/overflows
MAX_REPLICATIONS = 10_000
MAX_BENCH_WORKERS = 4 * (os.cpu_count() or 1)  # each a solver thread and an openssl process
VALIDATE_NAMES = ("validate.csv", "validate.csv.provenance.json", "validate.html", "validate.png")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every powsim error is."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')")


def _command(subparsers: argparse._SubParsersAction, name: str, summary: str, example: str,
             handler: Handler) -> argparse.ArgumentParser:
    headline = re.split(r"[.:;]\s+(?=[A-Za-z(])", summary, maxsplit=1)[0]
    parser = subparsers.add_parser(
        name, help=headline.replace("%", "%%"), description=summary, epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(handler=handler)
    return parser


def _group(subparsers: argparse._SubParsersAction, name: str, summary: str, example: str
           ) -> argparse._SubParsersAction:
    parser = subparsers.add_parser(
        name, help=summary, description=summary, epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(handler=lambda args: _usage(parser))
    return parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: a command is required (see '{parser.prog} --help')", file=sys.stderr)
    return 2


# --- traces -----------------------------------------------------------------------------

def _import_curve(args: argparse.Namespace) -> int:
    from powsim.traces.curves import curve_file_name, read_curve_csv
    from powsim.traces.format import write_traces

    check_destination(args.out, "folder")
    traces = read_curve_csv(args.csv, args.dataset)
    paths = write_traces(args.out, [(curve_file_name(args.dataset, t.metadata.attack), t)
                                    for t in traces])
    for path, trace in zip(paths, traces):
        print(f"wrote {path} ({len(trace)} rows, attack '{trace.metadata.attack}')")
    return 0


def _import(args: argparse.Namespace) -> int:
    from powsim.traces.format import write_traces
    from powsim.traces.importer import ImportRequest, import_trace

    out = check_destination(args.out, "file")
    request = ImportRequest(args.dataset, args.attack, args.queries_per_batch, args.seconds_per_batch,
                            args.inference_seconds_per_batch, args.sigma, args.delta, args.accuracy)
    request.check()
    trace = import_trace(args.file, request)
    write_traces(out.parent, [(out.name, trace)])
    timing = ("" if trace.metadata.seconds_per_batch else
              "; no --seconds-per-batch, so the table's time columns and simulate refuse it")
    print(f"wrote {out} ({len(trace)} queries, attack '{args.attack}', total cost "
          f"{trace.data['cost'].sum():.6g} (sum of per-query epsilons){timing})")
    return 0


def _add_import(commands: argparse._SubParsersAction) -> None:
    parser = _command(
        commands, "import",
        "Import your own per-query trace from a CSV or parquet file: either a 'cost' (or 'eps') "
        "column, one row per query in order, with optional query, batch, logq and label columns; "
        "or vote histograms (one vote-count column per class), priced with --sigma and --delta. "
        "Writes a query trace (parquet) that table, simulate and summary read.",
        "powsim traces import costs.csv --dataset mnist --attack copycat --queries-per-batch 64 "
        "--seconds-per-batch 0.12 --out traces/mnist-copycat.parquet", _import)
    parser.add_argument("file", help="a .csv or .parquet file, one row per query")
    parser.add_argument("--dataset", required=True, help="dataset name (letters, digits, . _ -)")
    parser.add_argument("--attack", required=True,
                        help="attack name (letters, digits, . _ -); 'standard' is the legitimate "
                             "reference of its dataset")
    parser.add_argument("--out", required=True, help="the parquet trace to write")
    parser.add_argument("--queries-per-batch", type=options.integer(1, 10**6), default=1,
                        help="queries answered per batch, the unit one puzzle pays for, when the "
                             "file has no batch column (default 1)")
    parser.add_argument("--seconds-per-batch", type=options.number(0, 1e9),
                        help="measured service seconds of one batch, inference plus cost "
                             "estimation (default: not measured; then table's time columns and "
                             "simulate refuse the trace)")
    parser.add_argument("--inference-seconds-per-batch", type=options.number(0, 1e9),
                        help="the inference part of --seconds-per-batch (default: all of it)")
    parser.add_argument("--sigma", type=options.number(*SIGMA_RANGE),
                        help="GNMax noise, to price vote histograms (default: none)")
    parser.add_argument("--delta", type=options.number(0, 1, True, True),
                        help="delta of the (eps, delta) cost, with --sigma (default: none)")
    parser.add_argument("--accuracy", type=options.number(0, 100),
                        help="extracted model's accuracy (%%) after the last query (default: none)")


def _info(args: argparse.Namespace) -> int:
    from powsim.traces.info import describe
    from powsim.traces.format import read_trace

    print(describe(read_trace(args.file)))
    return 0


def _add_traces(subparsers: argparse._SubParsersAction) -> None:
    commands = _group(subparsers, "traces", "Import, inspect and generate privacy-cost traces.",
                      "powsim traces info traces/bundled/fmnist-standard.parquet")
    parser = _command(
        commands, "import-curve",
        "Import one of the paper's cumulative CSVs as curve traces: the attack format "
        "(time (sec),mode,accuracy,diff queries,privacy cost) gives DIR/{dataset}-{mode}.parquet "
        "per mode; the reference format (time,privacy,queries) gives DIR/{dataset}-reference.parquet.",
        "powsim traces import-curve model_extraction_attack_accuracy_mnist.csv --dataset mnist "
        "--out curves/", _import_curve)
    parser.add_argument("csv", help="the CSV file to import")
    parser.add_argument("--dataset", required=True, help="dataset name used in file names (e.g. "
                        "mnist): letters, digits, '.', '_', '-'")
    parser.add_argument("--out", required=True, help="folder to write the parquet traces to")
    _add_import(commands)
    _add_generate(commands)
    parser = _command(
        commands, "summary",
        "One row per per-query trace in a folder: queries, mean per-query cost and its ratio to "
        "the 'standard' trace, total and RDP-composed cost, R^2 of cumulative cost against "
        "queries, extracted-model accuracy and fidelity (%), victim and plurality accuracy (%), "
        "seconds per batch and generation wall time (s).",
        "powsim traces summary traces/bundled --format md", _summary)
    parser.add_argument("folder", help="a folder of trace parquet files")
    parser.add_argument("--format", choices=["md", "csv", "json"], default="md",
                        help="md for people, csv or json for programs (default md)")
    parser = _command(commands, "info", "Print a trace's schema, metadata and summary statistics.",
                      "powsim traces info curves/mnist-copycat.parquet", _info)
    parser.add_argument("file", help="a trace parquet file")


def _summary(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import render
    from powsim.traces.info import summarise
    from powsim.traces.library import TraceLibrary

    table = summarise(list(TraceLibrary.load(args.folder).traces))
    if table.empty:
        raise InputError(f"{args.folder}: no per-query traces, expected traces made by "
                         "'powsim traces generate'")
    print(render(table, args.format, provenance(traces=str(args.folder))), end="")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from powsim.traces.format import write_trace
    from powsim.traces.generate import Request, generate
    from powsim.traces.setup import Setup
    from powsim.traces.workbench import load_workbench

    check_destination(args.out, "file")
    request = Request(args.attack, args.queries, args.sigma, args.delta, args.checkpoint_every)
    request.check()
    device = _device(args.device)
    setup = Setup(seed=args.seed, teachers=args.teachers, pool_size=args.pool_size,
                  private_size=args.private_size, victim_epochs=args.victim_epochs,
                  teacher_epochs=args.teacher_epochs)
    bench = load_workbench(setup, Path(args.cache), log=lambda line: print(line, file=sys.stderr))
    trace = generate(bench, request, device=device, progress=not args.quiet)
    path = write_trace(trace, args.out)
    print(f"wrote {path} ({len(trace)} queries, attack '{args.attack}', total cost "
          f"{trace.data['cost'].sum():.6g} (sum of per-query epsilons), victim accuracy "
          f"{bench.victim_accuracy:.2f} %, plurality accuracy {bench.plurality_accuracy:.2f} %)")
    return 0


def _device(name: str) -> str:
    """The torch device of option --device; generation runs on CPU in this version."""
    import torch

    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        raise InputError("option --device: generation on cuda is not implemented yet, "
                         "expected cpu (or auto on a machine without a GPU)")
    return "cpu"


def _add_generate(commands: argparse._SubParsersAction) -> None:
    from powsim.traces.setup import DEFAULT_CACHE, Setup

    defaults = Setup()

    parser = _command(
        commands, "generate",
        "Train (or load from the cache) a Fashion-MNIST victim and a PATE teacher ensemble, run "
        "one query strategy and write its per-query privacy-cost trace (parquet).",
        "powsim traces generate --attack knockoff --queries 5000 --out traces/bundled/"
        "fmnist-knockoff.parquet", _generate)
    parser.add_argument("--attack", required=True,
                        help="standard, entropy, entropyrev, worstcase, knockoff, jacobian, "
                             "datafree or inout")
    parser.add_argument("--queries", type=options.integer(1, 10**7), default=5000,
                        help="number of queries to ask (default 5000)")
    parser.add_argument("--teachers", type=options.integer(1, 10_000),
                        default=defaults.teachers, help=f"PATE teachers (default {defaults.teachers})")
    parser.add_argument("--sigma", type=options.number(*SIGMA_RANGE), default=10.0,
                        help="GNMax noise (vote counts, default 10)")
    parser.add_argument("--delta", type=options.number(0, 1, True, True), default=1e-5,
                        help="delta of the (eps, delta) cost (default 1e-5)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where to train (default auto)")
    parser.add_argument("--seed", type=options.seed(), default=defaults.seed,
                        help=f"seed of everything random (default {defaults.seed})")
    parser.add_argument("--out", required=True, help="the parquet trace to write")
    parser.add_argument("--checkpoint-every", type=options.integer(1, 10**7),
                        default=1000, help="queries between measurements of the extracted model "
                                           "(default 1000)")
    parser.add_argument("--cache", default=str(DEFAULT_CACHE),
                        help="folder for trained models and pool votes, shared by all strategies "
                             "(default %(default)s)")
    parser.add_argument("--pool-size", type=options.integer(1, 60_000),
                        default=defaults.pool_size, help="Fashion-MNIST training images kept as "
                        f"the attacker's pool (default {defaults.pool_size})")
    parser.add_argument("--private-size", type=options.integer(1, 60_000),
                        default=defaults.private_size, help="Fashion-MNIST training images for the "
                        f"victim and the teachers (default {defaults.private_size})")
    parser.add_argument("--victim-epochs", type=options.number(0, 1000, True),
                        default=defaults.victim_epochs,
                        help=f"victim training epochs (default {defaults.victim_epochs})")
    parser.add_argument("--teacher-epochs", type=options.integer(1, 1000),
                        default=defaults.teacher_epochs,
                        help=f"teacher training epochs (default {defaults.teacher_epochs})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _pate_cost(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.traces.votes import cost_table, read_votes_csv

    if args.out is not None:
        check_destination(args.out, "file")
    table = cost_table(read_votes_csv(args.votes), args.sigma, args.delta)
    table = table.assign(sigma=args.sigma, delta=args.delta)
    origin = provenance(votes=str(args.votes), sigma=args.sigma, delta=args.delta)
    text = write_table(table, "csv", origin, args.out)
    if args.out is None:
        print(text, end="")
    else:
        print(f"wrote {args.out} ({len(table)} queries, total cost {table['eps'].sum():.6g} "
              "(sum of per-query epsilons))")
    return 0


def _add_pate_cost(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers, "pate-cost",
        "Price queries with the PATE analysis of GNMax (Papernot et al. 2018): each row of "
        "VOTES.csv is one query's teacher vote counts, one column per class; the output adds "
        "logq (log Pr[noisy argmax != argmax]), eps (single-query epsilon at --delta) and order "
        "(the minimising RDP order).",
        "powsim pate-cost votes.csv --sigma 10 --delta 1e-5 --out costs.csv", _pate_cost)
    parser.add_argument("votes", help="CSV of vote counts, one column per class")
    parser.add_argument("--sigma", type=options.number(*SIGMA_RANGE), required=True,
                        help="GNMax noise (vote counts)")
    parser.add_argument("--delta", type=options.number(0, 1, True, True), required=True,
                        help="delta of the (eps, delta) cost")
    parser.add_argument("--out", help="CSV to write, with OUT.provenance.json beside it "
                                      "(default: print to standard output)")


# --- table ------------------------------------------------------------------------------

def _table(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.sim.paper import PaperParameters
    from powsim.sim.table import paper_table, simulated_table
    from powsim.traces.library import TraceLibrary

    if args.out is not None:
        check_destination(args.out, "file")
    if args.curve and args.mode != "paper":
        raise InputError("option --curve: only with --mode paper")
    parameters = PaperParameters(a=args.a)
    library = TraceLibrary.load(args.traces, args.dataset)
    if args.mode == "paper":
        table = paper_table(library, parameters, whole_curve=args.curve)
        run = {"mode": args.mode, "a": args.a}
    else:
        hardware = hardware_profile(args.hardware)
        table = simulated_table(library, args.mode, hardware, args.seed, args.replications,
                                parameters, args.policy, args.reference_hash_rate)
        run = {"mode": args.mode, "a": args.a, "policy": args.policy, "hardware": args.hardware,
               "seed": args.seed, "replications": args.replications,
               "reference_hash_rate": args.reference_hash_rate or hardware.hash_rate_hz}
    origin = provenance(**{"seed": None, **run}, traces=str(args.traces))
    text = write_table(table.assign(**run), args.format, origin, args.out)
    print(text, end="")
    return 0


def _add_table(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
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
    parser.add_argument("--replications", type=options.integer(1, MAX_REPLICATIONS),
                        default=30, help="sampled mode: runs per trace for the 95%% CI (default 30)")
    parser.add_argument("--seed", type=options.seed(), default=0, help="sampled mode: seed (default 0)")
    parser.add_argument("--hardware", choices=sorted([*PROFILES, LOCAL]), default="laptop-cpu",
                        help="the attacker's hardware profile; local is this machine as measured "
                             "by 'powsim hashcash bench' (default laptop-cpu)")
    parser.add_argument("--policy", choices=POLICIES, default="paper",
                        help="simulator modes: the difficulty policy (default paper)")
    parser.add_argument("--reference-hash-rate", type=options.number(0, 1e15, low_open=True),
                        help="hashes/s the defense is tuned for (default: the hardware's)")
    parser.add_argument("--dataset", help="only traces of this dataset (default: all)")
    parser.add_argument("--a", type=options.number(1, 1e6), default=1.0075,
                        help="base a >= 1 of the a^|diff| charge (default 1.0075)")
    parser.add_argument("--curve", action="store_true", help="one row per curve row, cumulative")
    parser.add_argument("--format", choices=["md", "csv", "json"], default="md",
                        help="md for people, csv or json for programs (default md)")
    parser.add_argument("--out", help="also write the table to this file, with "
                                      "OUT.provenance.json beside it")


# --- simulate ---------------------------------------------------------------------------

def _simulate(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import markdown
    from powsim.sim.output import OUTPUT_NAMES, write_outputs
    from powsim.sim.replicate import replicate
    from powsim.sim.scenario import load_scenario

    check_destination(args.out, "folder", names=OUTPUT_NAMES)
    scenario = load_scenario(args.scenario)
    events, summary = replicate(scenario, args.mode, args.seed, args.replications, args.hashing)
    run = {"mode": args.mode, "hash": args.hashing, "seed": args.seed,
           "replications": args.replications, "scenario": str(args.scenario)}
    origin = provenance(**run)
    paths = write_outputs(args.out, events, summary.assign(**run), origin)
    shown = ["agent", "kind", "queries", "overhead", "overhead_p95", "wall_s", "hashes", "dollars"]
    print(markdown(summary[shown]))
    print(f"\nwrote {paths[0]} ({len(events)} batches) and {paths[1]} ({len(summary)} agents)")
    return 0


def _add_simulate(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
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
    parser.add_argument("--replications", type=options.integer(1, MAX_REPLICATIONS),
                        default=1, help="sampled mode: independent runs, combined with a 95%% CI "
                                        "(default 1)")
    parser.add_argument("--seed", type=options.seed(), default=0,
                        help="seed of all random streams (default 0)")


# --- hashcash ---------------------------------------------------------------------------

def _bench(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.sim.hashrate import describe, measure
    from powsim.sim.local_profile import save_local_rate

    rate = measure(args.workers, args.seconds)
    print(describe(rate))
    print(f"use as: --hardware local (table), hardware = \"local\" (scenario), or "
          f"--reference-hash-rate {rate.per_core_hz:.4g} (hashes/s of one core; "
          f"{rate.workers} workers measured)")
    if not args.no_save:
        print(f"stored as the 'local' hardware profile: {save_local_rate(rate, provenance())}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from powsim.outputs import staged
    from powsim.provenance import provenance
    from powsim.report import markdown, provenance_json
    from powsim.sim.hashcash_chart import save_chart, validation_chart
    from powsim.sim.hashcash_validate import parse_bits, validate

    if args.out:
        check_destination(args.out, "folder", names=VALIDATE_NAMES)
    validation = validate(parse_bits(args.bits), args.samples, args.seed)
    print(markdown(validation.table))
    print(f"hash rate measured beside the puzzles: {validation.hash_rate_hz / 1e6:.2f} MH/s per CPU-second "
          "(times are CPU seconds of the solving thread)")
    if args.out:
        out = Path(args.out)
        origin = provenance(seed=args.seed, hash_rate_hz=validation.hash_rate_hz)
        with staged(out, "folder") as staging:
            csv, sidecar, html, png = (staging.path(name) for name in VALIDATE_NAMES)
            save_chart(validation_chart(validation.trials, origin), staging.root / "validate")
            validation.table.assign(seed=args.seed).to_csv(csv, index=False)
            sidecar.write_text(provenance_json(origin), encoding="utf-8")
        print(f"wrote {out / 'validate.csv'}, {out / 'validate.html'} and {out / 'validate.png'}")
    return 0


def _add_hashcash(subparsers: argparse._SubParsersAction) -> None:
    commands = _group(subparsers, "hashcash", "Solve and verify HashCash puzzles for real.",
                      "powsim hashcash validate --bits 8:16 --samples 300 --out results/")
    parser = _command(
        commands, "bench",
        "Measure this machine's hash rate (solver per core and on all cores, openssl speed, a plain "
        "hashlib loop) and store it as the 'local' hardware profile.",
        "powsim hashcash bench --seconds 2", _bench)
    parser.add_argument("--seconds", type=options.integer(1, 600), default=1,
                        help="seconds per measurement (default 1)")
    parser.add_argument("--workers", type=options.integer(1, MAX_BENCH_WORKERS),
                        help="solver threads (and openssl processes) for the all-cores rate, "
                             f"at most {MAX_BENCH_WORKERS} (default: every core)")
    parser.add_argument("--no-save", action="store_true", help="print only; do not store the profile")
    parser = _command(
        commands, "validate",
        "Solve SAMPLES real puzzles for each k and test trials against Geometric(2^-k) and solve "
        "times against trials / H; print the table, and with --out write DIR/validate.csv and an "
        "ECDF and QQ chart as DIR/validate.html and DIR/validate.png.",
        "powsim hashcash validate --bits 8:16 --samples 300 --out results/", _validate)
    parser.add_argument("--bits", default="8:16", help="K or FIRST:LAST, inclusive (default 8:16)")
    parser.add_argument("--samples", type=options.integer(2, 100_000), default=300,
                        help="puzzles per k (default 300)")
    parser.add_argument("--seed", type=options.seed(), default=0,
                        help="seed of the challenges and of the KS test's randomisation (default 0)")
    parser.add_argument("--out", help="folder to write validate.csv, .html and .png to")


def build_parser() -> argparse.ArgumentParser:
    """The ``powsim`` argument parser with every subcommand."""
    parser = _Parser(
        prog="powsim",
        description="Simulate what a calibrated proof-of-work gate in front of an ML API costs "
                    "legitimate users, attackers and the operator.",
        epilog="example:\n  powsim table --traces traces/bundled --mode paper",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"powsim {_version()}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    _add_traces(subparsers)
    _add_pate_cost(subparsers)
    _add_table(subparsers)
    _add_simulate(subparsers)
    _add_hashcash(subparsers)
    parser.set_defaults(handler=lambda args: _usage(parser))
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
            return args.handler(args)
        except InputError as err:
            print(f"powsim: error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("powsim: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            _silence_stdout()
            return 141


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that flushing it at exit raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
