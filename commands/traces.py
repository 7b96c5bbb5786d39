"""``powsim traces ...`` and ``powsim pate-cost``: import, inspect, generate and price traces."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from powsim import options
from powsim.commands.parsing import command, group
from powsim.errors import InputError
from powsim.outputs import check_destination
from powsim.traces.pate import ORDER_GRIDS

SIGMA_RANGE = (1e-3, 1e6)  # GNMax noise in vote counts; outside it the analysis under/overflows


def _import_curve(args: argparse.Namespace) -> int:
    from powsim.traces.curves import curve_file_name, read_curve_csv
    from powsim.traces.format import write_traces

    check_destination(args.out, "folder", inputs=[args.csv])
    traces = read_curve_csv(args.csv, args.dataset)
    paths = write_traces(args.out, [(curve_file_name(args.dataset, t.metadata.attack), t)
                                    for t in traces])
    for path, trace in zip(paths, traces):
        print(f"wrote {path} ({len(trace)} rows, attack '{trace.metadata.attack}')")
    return 0


def _import(args: argparse.Namespace) -> int:
    from powsim.traces.format import write_traces
    from powsim.traces.importer import ImportRequest, import_trace

    out = check_destination(args.out, "file", inputs=[args.file])
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
    parser = command(
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
    from powsim.traces.info import describe_trace
    from powsim.traces.format import read_trace

    print(describe_trace(read_trace(args.file)))
    return 0


def add_traces(subparsers: argparse._SubParsersAction) -> None:
    commands = group(subparsers, "traces", "Import, inspect and generate privacy-cost traces.",
                     "powsim traces info traces/bundled/fmnist-standard.parquet")
    parser = command(
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
    _add_pool(commands)
    parser = command(
        commands, "summary",
        "One row per per-query trace in a folder: queries, mean per-query cost and its ratio to "
        "the 'standard' trace, total and RDP-composed cost, R^2 of cumulative cost against "
        "queries, extracted-model accuracy and fidelity (%), victim and plurality accuracy (%), "
        "seconds per batch and generation wall time (s).",
        "powsim traces summary traces/bundled --format md", _summary)
    parser.add_argument("folder", help="a folder of trace parquet files")
    parser.add_argument("--format", choices=["md", "csv", "json"], default="md",
                        help="md for people, csv or json for programs (default md)")
    parser.add_argument("--orders", choices=tuple(ORDER_GRIDS), default="paper",
                        help="RDP orders of the composed epsilon: 'paper' (2 to 1000, the "
                             "authors' grid) or 'extended' (also 1.02 to 1.98, often lower for "
                             "long traces) (default paper)")
    _add_compare(commands)
    parser = command(commands, "info", "Print a trace's schema, metadata and summary statistics.",
                     "powsim traces info curves/mnist-copycat.parquet", _info)
    parser.add_argument("file", help="a trace parquet file")


def _summary(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import render
    from powsim.traces.info import trace_summary
    from powsim.traces.library import TraceLibrary

    table = trace_summary(list(TraceLibrary.load(args.folder).traces), orders=args.orders)
    if table.empty:
        raise InputError(f"{args.folder}: no per-query traces, expected traces made by "
                         "'powsim traces generate'")
    print(render(table, args.format, provenance(traces=str(args.folder), orders=args.orders)),
          end="")
    return 0


def _generate(args: argparse.Namespace) -> int:
    setup = _checked_setup(args)
    from powsim.traces.format import write_trace
    from powsim.traces.generate.pipeline import Request, generate
    from powsim.traces.generate.workbench import load_workbench
    from powsim.traces.info import teachers_line

    request = Request(args.attack, args.queries, args.sigma, args.delta, args.checkpoint_every)
    request.check(setup)
    bench = load_workbench(setup, Path(args.cache), log=_log, progress=not args.quiet)
    trace = generate(bench, request, progress=not args.quiet)
    path = write_trace(trace, args.out)
    print(f"wrote {path} ({len(trace)} queries, attack '{args.attack}', total cost "
          f"{trace.data['cost'].sum():.6g} (sum of per-query epsilons), victim accuracy "
          f"{bench.victim_accuracy:.2f} %, on {setup.device})\n{teachers_line(trace)}")
    return 0


def _checked_setup(args: argparse.Namespace):
    """The :class:`~powsim.traces.generate.setup.Setup` of the setup options, every option
    checked before any data is loaded: --out and --cache first and the counts without
    torch (at once), then the device (which needs torch)."""
    check_destination(args.out, "file", inputs=[args.cache])
    check_destination(args.cache, "folder", option="--cache")
    setup_from_options(args, "cpu").check()
    from powsim.traces.generate.device import resolve_device

    return setup_from_options(args, resolve_device(args.device))


def setup_from_options(args: argparse.Namespace, device: str):
    """The setup of the options on ``device``; teachers are 'mnistnet' on cuda and 'small' on
    cpu unless --teacher-arch says otherwise."""
    from powsim.traces.generate.setup import ARCHITECTURES, Setup

    arch = args.teacher_arch or ("mnistnet" if device == "cuda" else "small")
    return Setup(seed=args.seed, teachers=args.teachers, pool_size=args.pool_size,
                 private_size=args.private_size, victim_epochs=args.victim_epochs,
                 teacher_epochs=args.teacher_epochs, teacher_shape=ARCHITECTURES[arch],
                 augment=args.augment, device=device)


def _log(line: str) -> None:
    print(line, file=sys.stderr)


def _pool(args: argparse.Namespace) -> int:
    setup = _checked_setup(args)
    from powsim.traces.format import write_trace
    from powsim.traces.generate.pool import pool_trace
    from powsim.traces.info import teachers_line
    from powsim.traces.pool import pool_split

    trace = pool_trace(setup, Path(args.cache), args.sigma, args.delta, args.calibration,
                       args.split_seed, log=_log, progress=not args.quiet)
    path = write_trace(trace, args.out)
    split = pool_split(trace)
    print(f"wrote {path} ({len(trace)} unseen in-distribution queries: calibration part rows "
          f"0-{split.calibration - 1}, evaluation part rows {split.calibration}-{split.rows - 1}; "
          f"mean cost per query {trace.data['cost'].mean():.6g} (epsilon), on {setup.device})\n"
          f"{teachers_line(trace)}")
    return 0


def _add_pool(commands: argparse._SubParsersAction) -> None:
    parser = command(
        commands, "pool",
        "Write the legitimate pool: the teachers' votes and PATE cost of every in-distribution "
        "image no model trained on (Fashion-MNIST's test set and the training images kept out "
        "of the private data), shuffled and split into a calibration part (the reference fit) "
        "and an evaluation part (simulated users draw from it).",
        "powsim traces pool --out traces/pools/fmnist-pool.parquet", _pool)
    parser.add_argument("--calibration", type=options.number(0, 1, True, True), default=0.5,
                        help="fraction of the pool in the calibration part (default 0.5)")
    parser.add_argument("--split-seed", type=options.seed(), default=0,
                        help="seed of the shuffle that splits the pool (default 0)")
    _add_setup_options(parser)


def _add_generate(commands: argparse._SubParsersAction) -> None:
    parser = command(
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
    parser.add_argument("--checkpoint-every", type=options.integer(1, 10**7),
                        default=1000, help="queries between measurements of the extracted model "
                                           "(default 1000)")
    _add_setup_options(parser)


def _add_setup_options(parser: argparse.ArgumentParser) -> None:
    """Options that fix the trained victim and teachers (the cache is keyed by them), the
    GNMax noise and delta, the device and the output."""
    add_model_options(parser)
    parser.add_argument("--sigma", type=options.number(*SIGMA_RANGE), default=10.0,
                        help="GNMax noise (vote counts, default 10)")
    parser.add_argument("--delta", type=options.number(0, 1, True, True), default=1e-5,
                        help="delta of the (eps, delta) cost (default 1e-5)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where to train and query: auto is cuda when torch sees a GPU, "
                             "else cpu; CPU and CUDA runs differ, so each has its own cache "
                             "(default auto)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--out", required=True, help="the parquet trace to write")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Options that fix the trained victim and teachers (the cache is keyed by them); with
    :func:`setup_from_options` they give the :class:`~powsim.traces.generate.setup.Setup`."""
    from powsim.traces.generate.setup import ARCHITECTURES, DEFAULT_CACHE, Setup

    defaults = Setup()
    parser.add_argument("--teachers", type=options.integer(1, 10_000),
                        default=defaults.teachers, help=f"PATE teachers (default {defaults.teachers})")
    parser.add_argument("--teacher-arch", choices=sorted(ARCHITECTURES),
                        help="teacher network: mnistnet (the victim's, as in the paper) or small "
                             "(about 7x cheaper, the reduced CPU configuration; default mnistnet "
                             "on cuda, small on cpu)")
    parser.add_argument("--augment", type=options.integer(0, 8), default=defaults.augment,
                        help="shift each teacher training image by up to this many pixels "
                             f"(0: no augmentation; default {defaults.augment})")
    parser.add_argument("--seed", type=options.seed(), default=defaults.seed,
                        help=f"seed of everything random (default {defaults.seed})")
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


def _pate_cost(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.traces.votes import cost_table, read_votes_csv

    if args.out is not None:
        check_destination(args.out, "file", inputs=[args.votes])
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


def add_pate_cost(subparsers: argparse._SubParsersAction) -> None:
    parser = command(
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


def _add_compare(commands: argparse._SubParsersAction) -> None:
    parser = command(
        commands, "compare",
        "Per-query privacy cost of each strategy relative to the legitimate user's ('standard'), "
        "in a folder of per-query traces and in the paper's cumulative curves side by side "
        "(knockoff is set against the paper's CopyCat, datafree against data free; strategies "
        "one side lacks are left empty).",
        "powsim traces compare traces/bundled --paper "
        "../shared/reference/paper-mnist/model_extraction_attack_accuracy_mnist.csv", _compare)
    parser.add_argument("folder", help="a folder of per-query trace parquet files")
    parser.add_argument("--paper", required=True,
                        help="the paper's attack curves CSV (time (sec),mode,accuracy,diff "
                             "queries,privacy cost)")
    parser.add_argument("--format", choices=["md", "csv", "json"], default="md",
                        help="md for people, csv or json for programs (default md)")


def _compare(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import render
    from powsim.traces.compare import compare_table
    from powsim.traces.curves import read_curve_csv
    from powsim.traces.library import TraceLibrary

    here = list(TraceLibrary.load(args.folder).traces)
    table = compare_table(here, read_curve_csv(args.paper, "paper"), str(args.folder), str(args.paper))
    print(render(table, args.format, provenance(traces=str(args.folder), paper=str(args.paper))),
          end="")
    return 0
