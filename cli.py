"""The ``powsim`` command: thin wrappers that parse options and call the library."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from powsim.errors import InputError
from powsim.sim.economics import PROFILES

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every powsim error is."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{self.prog}: {message} (see '{self.prog} --help')")


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
    parser.print_help()
    return 2


# --- traces -----------------------------------------------------------------------------

def _import_curve(args: argparse.Namespace) -> int:
    from powsim.traces.curves import curve_file_name, read_curve_csv
    from powsim.traces.format import write_trace

    traces = read_curve_csv(args.csv, args.dataset)
    for trace in traces:
        path = write_trace(trace, Path(args.out) / curve_file_name(args.dataset, trace.metadata.attack))
        print(f"wrote {path} ({len(trace)} rows, attack '{trace.metadata.attack}')")
    return 0


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
    parser.add_argument("--dataset", required=True, help="dataset name used in file names (e.g. mnist)")
    parser.add_argument("--out", required=True, help="folder to write the parquet traces to")
    _add_generate(commands)
    _add_pool(commands)
    parser = _command(
        commands, "summary",
        "One row per per-query trace in a folder: queries, mean per-query cost and its ratio to "
        "the 'standard' trace, total and RDP-composed cost, R^2 of cumulative cost against "
        "queries, extracted-model accuracy and fidelity (%), victim and plurality accuracy (%), "
        "seconds per batch and generation wall time (s).",
        "powsim traces summary traces/bundled --format md", _summary)
    parser.add_argument("folder", help="a folder of trace parquet files")
    parser.add_argument("--format", choices=["md", "csv", "json"], default="md")
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

    request = Request(args.attack, args.queries, args.sigma, args.delta, args.checkpoint_every)
    request.check()
    device = _device(args.device)
    trace = generate(_workbench(args), request, device=device, progress=not args.quiet)
    path = write_trace(trace, args.out)
    print(f"wrote {path} ({len(trace)} queries, attack '{args.attack}', total cost "
          f"{trace.data['cost'].sum():.6g} (sum of per-query epsilons), victim accuracy "
          f"{trace.metadata.victim_accuracy:.2f} %, plurality accuracy "
          f"{trace.metadata.extra['plurality_accuracy']:.2f} %)")
    return 0


def _workbench(args: argparse.Namespace):
    """The trained victim and teachers of the setup options (see :func:`_add_setup_options`)."""
    from powsim.traces.workbench import load_workbench

    return load_workbench(_setup(args), Path(args.cache),
                          log=lambda line: print(line, file=sys.stderr))


def _setup(args: argparse.Namespace):
    """The :class:`~powsim.traces.setup.Setup` of the setup options."""
    from powsim.traces.setup import Setup

    return Setup(seed=args.seed, teachers=args.teachers, pool_size=args.pool_size,
                 private_size=args.private_size, victim_epochs=args.victim_epochs,
                 teacher_epochs=args.teacher_epochs)


def _pool(args: argparse.Namespace) -> int:
    from powsim.traces.format import write_trace
    from powsim.traces.pool import pool_split, pool_trace

    device = _device(args.device)
    trace = pool_trace(_setup(args), Path(args.cache), args.sigma, args.delta, args.calibration,
                       args.split_seed, device, log=lambda line: print(line, file=sys.stderr))
    path = write_trace(trace, args.out)
    split = pool_split(trace)
    print(f"wrote {path} ({len(trace)} unseen in-distribution queries: calibration part rows "
          f"0-{split.calibration - 1}, evaluation part rows {split.calibration}-{split.rows - 1}; "
          f"mean cost per query {trace.data['cost'].mean():.6g} (epsilon))")
    return 0


def _device(name: str) -> str:
    """The torch device of option --device; generation runs on CPU in this version."""
    import torch

    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        raise InputError("option --device: generation on cuda is not implemented yet, "
                         "expected cpu (or auto on a machine without a GPU)")
    return "cpu"


def _add_generate(commands: argparse._SubParsersAction) -> None:
    parser = _command(
        commands, "generate",
        "Train (or load from the cache) a Fashion-MNIST victim and a PATE teacher ensemble, run "
        "one query strategy and write its per-query privacy-cost trace (parquet).",
        "powsim traces generate --attack knockoff --queries 5000 --out traces/bundled/"
        "fmnist-knockoff.parquet", _generate)
    parser.add_argument("--attack", required=True,
                        help="standard, entropy, entropyrev, worstcase, knockoff, jacobian, "
                             "datafree or inout")
    parser.add_argument("--queries", type=int, default=5000, help="number of queries to ask")
    parser.add_argument("--checkpoint-every", type=int, default=1000,
                        help="queries between measurements of the extracted model")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_setup_options(parser)


def _add_pool(commands: argparse._SubParsersAction) -> None:
    parser = _command(
        commands, "pool",
        "Write the legitimate pool: the teachers' votes and PATE cost of every in-distribution "
        "image no model trained on (Fashion-MNIST's test set and the training images kept out "
        "of the private data), shuffled and split into a calibration part (the reference fit) "
        "and an evaluation part (simulated users draw from it).",
        "powsim traces pool --out traces/pools/fmnist-pool.parquet", _pool)
    parser.add_argument("--calibration", type=float, default=0.5,
                        help="fraction of the pool in the calibration part (default 0.5)")
    parser.add_argument("--split-seed", type=int, default=0,
                        help="seed of the shuffle that splits the pool (default 0)")
    _add_setup_options(parser)


def _add_setup_options(parser: argparse.ArgumentParser) -> None:
    """Options that fix the trained victim and teachers (the cache is keyed by them)."""
    from powsim.traces.setup import DEFAULT_CACHE, Setup

    defaults = Setup()
    parser.add_argument("--teachers", type=int, default=defaults.teachers, help="PATE teachers")
    parser.add_argument("--sigma", type=float, default=10.0, help="GNMax noise (vote counts)")
    parser.add_argument("--delta", type=float, default=1e-5, help="delta of the (eps, delta) cost")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of everything random")
    parser.add_argument("--out", required=True, help="the parquet trace to write")
    parser.add_argument("--cache", default=str(DEFAULT_CACHE),
                        help="folder for trained models and pool votes, shared by all strategies")
    parser.add_argument("--pool-size", type=int, default=defaults.pool_size,
                        help="Fashion-MNIST training images kept as the attacker's pool")
    parser.add_argument("--private-size", type=int, default=defaults.private_size,
                        help="Fashion-MNIST training images for the victim and the teachers")
    parser.add_argument("--victim-epochs", type=float, default=defaults.victim_epochs)
    parser.add_argument("--teacher-epochs", type=int, default=defaults.teacher_epochs)


def _pate_cost(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.traces.votes import cost_table, read_votes_csv

    table = cost_table(read_votes_csv(args.votes), args.sigma, args.delta)
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
    parser.add_argument("--sigma", type=float, required=True, help="GNMax noise (vote counts)")
    parser.add_argument("--delta", type=float, required=True, help="delta of the (eps, delta) cost")
    parser.add_argument("--out", help="CSV to write (default: print to standard output)")


# --- table ------------------------------------------------------------------------------

def _table(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.sim.paper import PaperParameters
    from powsim.sim.table import paper_table, simulated_table
    from powsim.traces.library import TraceLibrary

    parameters = PaperParameters(a=args.a)
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
    parser.add_argument("--a", type=float, default=1.0075, help="base a of the a^|diff| charge")
    parser.add_argument("--curve", action="store_true", help="one row per curve row, cumulative")
    parser.add_argument("--format", choices=["md", "csv", "json"], default="md",
                        help="md for people, csv or json for programs")
    parser.add_argument("--out", help="also write the table to this file")


# --- simulate ---------------------------------------------------------------------------

def _simulate(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.sim.output import write_outputs
    from powsim.sim.overrides import parse_override
    from powsim.sim.replicate import replicate
    from powsim.sim.scenario import load_scenario

    overrides = [parse_override(text) for text in args.overrides]
    scenario = load_scenario(args.scenario, overrides)
    events, summary = replicate(scenario, args.mode, args.seed, args.replications, args.hashing)
    origin = provenance(seed=args.seed, mode=args.mode, hash=args.hashing,
                        replications=args.replications, scenario=str(args.scenario),
                        overrides={key: value for key, value in overrides})
    paths = write_outputs(args.out, events, summary, origin)
    shown = ["agent", "kind", "queries", "overhead", "overhead_p95", "wall_s", "hashes", "dollars"]
    print(summary[shown].to_markdown(index=False, floatfmt=".4g"))
    print(f"\nwrote {paths[0]} ({len(events)} batches) and {paths[1]} ({len(summary)} agents)")
    return 0


def _add_simulate(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
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
    _add_set_option(parser)


def _add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a scenario value by its dotted key (defense.a=1.01, "
                             "server.workers=4, agents.0.hardware=gpu); repeatable")


# --- sweep ------------------------------------------------------------------------------

def _sweep(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.sim.sweep.executor import open_executor
    from powsim.sim.overrides import parse_override
    from powsim.sim.sweep.grid import parse_axis
    from powsim.sim.sweep.output import write_result_table
    from powsim.sim.sweep.runner import Sweep, run_sweep

    axes = tuple(parse_axis(text) for text in args.grid)
    fixed = tuple(parse_override(text) for text in args.overrides)
    sweep = Sweep(Path(args.scenario), axes, args.replications, args.seed, args.mode, fixed)
    print(f"sweep: {sweep.describe()}")  # checks every point first
    with open_executor(args.scheduler, args.dask_workers) as executor:
        _, table = run_sweep(sweep, executor, Path(args.out))
        where = executor.where
    origin = provenance(seed=args.seed, mode=args.mode, scenario=str(args.scenario),
                        grid={axis.key: list(axis.values) for axis in axes},
                        overrides={key: value for key, value in fixed},
                        replications=args.replications, ran_on=where)
    paths = write_result_table(table, origin, Path(args.out) / "sweep")
    shown = [*sweep.keys, "agent", "overhead_p95", "overhead_p95_ci_high", "dollars"]
    print(table[shown].to_markdown(index=False, floatfmt=".4g"))
    print(f"\nwrote {', '.join(map(str, paths))} ({len(table)} rows: grid points x agents; "
          f"overheads are ratios, dollars US$ per agent entry, CIs 95 % over replications)")
    return 0


def _add_sweep(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers, "sweep",
        "Simulate a scenario at every point of a grid over dotted keys, each point REPLICATIONS "
        "times, as dask.distributed tasks. Writes DIR/sweep.parquet and DIR/sweep.csv: one row "
        "per grid point x agent, swept keys as columns, each figure's mean and 95 % CI.",
        "powsim sweep examples/what-if-a.toml --grid defense.a=log:1.0001:1.5:16 "
        "--replications 10 --out results/sweep-a", _sweep)
    parser.add_argument("scenario", help="the scenario TOML file")
    parser.add_argument("--grid", action="append", default=[], metavar="KEY=VALUES", required=True,
                        help="a swept key: KEY=V1,V2,... or KEY=lin:START:STOP:N or "
                             "KEY=log:START:STOP:N; several make a product")
    parser.add_argument("--replications", type=int, default=10,
                        help="independent runs per grid point (default 10)")
    parser.add_argument("--out", required=True,
                        help="folder for sweep.parquet, sweep.csv and finished points (a re-run "
                             "with the same folder computes only missing points)")
    parser.add_argument("--seed", type=int, default=0, help="seed of all random streams (default 0)")
    parser.add_argument("--mode", choices=["sampled", "expected"], default="sampled",
                        help="sampled: random draws (default); expected: means")
    _add_set_option(parser)
    _add_dask_options(parser)


def _calibrate(args: argparse.Namespace) -> int:
    from powsim.calibrate.pareto_chart import pareto_chart
    from powsim.charts import save_chart
    from powsim.provenance import provenance
    from powsim.sim.overrides import parse_override
    from powsim.sim.sweep.calibration import a_axis, calibrate, describe
    from powsim.sim.sweep.executor import open_executor
    from powsim.sim.sweep.grid import parse_axis
    from powsim.sim.sweep.output import write_result_table
    from powsim.sim.sweep.runner import Sweep

    holdout_seed = args.seed + 1 if args.holdout_seed is None else args.holdout_seed
    fixed = tuple(parse_override(text) for text in args.overrides)
    sweep = Sweep(Path(args.scenario), (a_axis(parse_axis(args.grid)),), args.replications,
                  args.seed, fixed=fixed)
    print(f"calibrate: {sweep.describe()}, then the held-out check")
    with open_executor(args.scheduler, args.dask_workers) as executor:
        result = calibrate(sweep, args.legit, args.max_p95, args.confidence, holdout_seed,
                           executor, Path(args.out))
    origin = provenance(seed=args.seed, holdout_seed=holdout_seed, scenario=str(args.scenario),
                        legit=args.legit, max_p95=args.max_p95, confidence=args.confidence,
                        grid=list(sweep.axes[0].values), replications=args.replications,
                        overrides={key: value for key, value in fixed})
    out = Path(args.out)
    paths = write_result_table(result.table, origin, out / "calibration")
    paths += save_chart(pareto_chart(result.table, args.max_p95, origin), out / "pareto")
    print(describe(result, args.max_p95, args.confidence))
    print(f"wrote {', '.join(map(str, paths))}")
    return 0


def _add_calibrate(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers, "calibrate",
        "Choose a: sweep it, keep the points where the legitimate group's p95 overhead is under "
        "the target at the upper end of its CI, take the one with the most attacker cost (the "
        "smallest a among those within 1 %), and check it on held-out seeds. Writes "
        "DIR/calibration.parquet (and .csv) and a Pareto chart DIR/pareto.html and .png.",
        "powsim calibrate examples/what-if-a.toml --legit users --max-p95 2.0 --out results/calibrate",
        _calibrate)
    parser.add_argument("scenario", help="the scenario TOML file")
    parser.add_argument("--legit", required=True, help="name of the legitimate agent entry")
    parser.add_argument("--max-p95", type=float, default=2.0,
                        help="target: legitimate users' p95 overhead at most this (default 2.0)")
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="confidence of the CIs; the target holds at their upper end "
                             "(default 0.95)")
    parser.add_argument("--grid", default="defense.a=log:1.0001:1.5:40",
                        help="values of a, as in 'powsim sweep' (default "
                             "defense.a=log:1.0001:1.5:40; the paper's 1.0075 is added)")
    parser.add_argument("--replications", type=int, default=10,
                        help="runs per a, and for the held-out check (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the tuning runs (default 0)")
    parser.add_argument("--holdout-seed", type=int,
                        help="seed of the held-out check (default: --seed + 1)")
    parser.add_argument("--out", required=True, help="folder for the outputs")
    _add_set_option(parser)
    _add_dask_options(parser)


def _add_dask_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing dask cluster (tcp://HOST:8786) instead of a "
                             "LocalCluster; its workers need powsim and the scenario's files at "
                             "the same paths")
    parser.add_argument("--dask-workers", type=_count("--dask-workers", 0),
                        help="LocalCluster worker processes (default: one per core; 0 runs "
                             "the tasks serially in this process)")


# --- hashcash ---------------------------------------------------------------------------

def _count(name: str, least: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``least``, else one line naming option ``name``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise InputError(f"option {name}: {text!r}, expected an integer >= {least}")
        return value
    return parse


def _bench(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.sim.hashrate import describe, measure
    from powsim.sim.local_profile import save_local_rate

    rate = measure(args.workers, args.seconds)
    print(describe(rate))
    print(f"use as: --hash-rate {rate.per_core_hz:.4g} (hashes/s per core) with {rate.workers} workers")
    if not args.no_save:
        print(f"stored as the 'local' hardware profile: {save_local_rate(rate, provenance())}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.charts import save_chart
    from powsim.sim.hashcash_chart import validation_chart
    from powsim.sim.hashcash_validate import parse_bits, validate

    validation = validate(parse_bits(args.bits), args.samples, args.seed)
    print(validation.table.to_markdown(index=False, floatfmt=".4g"))
    print(f"hash rate measured beside the puzzles: {validation.hash_rate_hz / 1e6:.2f} MH/s per CPU-second "
          "(times are CPU seconds of the solving thread)")
    if args.out:
        out = Path(args.out)
        origin = provenance(seed=args.seed, hash_rate_hz=validation.hash_rate_hz)
        save_chart(validation_chart(validation.trials, origin), out / "validate")
        write_table(validation.table, "csv", origin, out / "validate.csv")
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
    parser.add_argument("--seconds", type=_count("--seconds", 1), default=1,
                        help="seconds per measurement (default 1)")
    parser.add_argument("--workers", type=_count("--workers", 1),
                        help="solver threads for the all-cores rate (default: every core)")
    parser.add_argument("--no-save", action="store_true", help="print only; do not store the profile")
    parser = _command(
        commands, "validate",
        "Solve SAMPLES real puzzles for each k and test trials against Geometric(2^-k) and solve "
        "times against trials / H; print the table, and with --out write DIR/validate.csv and an "
        "ECDF and QQ chart as DIR/validate.html and DIR/validate.png.",
        "powsim hashcash validate --bits 8:16 --samples 300 --out results/", _validate)
    parser.add_argument("--bits", default="8:16", help="K or FIRST:LAST, inclusive (default 8:16)")
    parser.add_argument("--samples", type=_count("--samples", 2), default=300,
                        help="puzzles per k (default 300)")
    parser.add_argument("--seed", type=_count("--seed", 0), default=0,
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
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    _add_traces(subparsers)
    _add_pate_cost(subparsers)
    _add_table(subparsers)
    _add_simulate(subparsers)
    _add_sweep(subparsers)
    _add_calibrate(subparsers)
    _add_hashcash(subparsers)
    parser.set_defaults(handler=lambda args: _usage(parser))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad input prints one line and returns 2."""
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except InputError as err:
        print(f"powsim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("powsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
