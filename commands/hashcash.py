"""``powsim hashcash ...``: measure this machine's hash rate and validate real solve times."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from powsim import budget, options
from powsim.commands.parsing import add_limits_option, add_progress_options, command, group
from powsim.outputs import check_destination

MAX_BENCH_WORKERS = 4 * (os.cpu_count() or 1)  # each a solver thread and an openssl process
VALIDATE_NAMES = ("validate.csv", "validate.csv.provenance.json", "validate.html", "validate.png")
BENCH_TRIALS = 10  # trials a family's bench makes at least (warm-up, solver, plain loop)


def _puzzle(args: argparse.Namespace):
    """The puzzle named by --puzzle with the parameters given on the command line."""
    from powsim.hashcash.families import parameter_names, puzzle

    given = {name: getattr(args, name) for name in parameter_names() if getattr(args, name) is not None}
    return puzzle(args.puzzle, **given)


def _bench_family(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.hashcash.family_rate import describe_family_bench, measure_family, save_family_rate

    from powsim.hashcash.family_validate import check_fits_here

    puzzle = _puzzle(args)
    check_fits_here(puzzle)  # the memory first: it is what to lower then
    budget.check(budget.puzzle_work(puzzle, [0], BENCH_TRIALS // 2),
                 f"{puzzle.describe()}: a bench's first {BENCH_TRIALS} trials", args.limits)
    bench = measure_family(puzzle, args.workers, args.seconds)
    print(describe_family_bench(bench))
    if not args.no_save:
        path = save_family_rate(bench, provenance(**bench.puzzle.parameters()))
        print(f"stored as the 'local' profile's {bench.puzzle.name} rate: {path}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from powsim.hashcash.families import parameter_names
    from powsim.hashcash.hashrate import describe_rate, measure
    from powsim.hashcash.local_profile import save_local_rate
    from powsim.provenance import provenance

    if args.puzzle != "sha256" or any(getattr(args, name) is not None for name in parameter_names()):
        return _bench_family(args)
    rate = measure(args.workers, args.seconds)
    print(describe_rate(rate))
    print(f"use as: --hardware local (table), hardware = \"local\" (scenario), or "
          f"--reference-hash-rate {rate.per_core_hz:.4g} (hashes/s of one core; "
          f"{rate.workers} workers measured)")
    if not args.no_save:
        print(f"stored as the 'local' hardware profile: {save_local_rate(rate, provenance())}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from powsim.outputs import staged
    from powsim.provenance import provenance
    from powsim.report import markdown
    from powsim.charts import save_chart
    from powsim.hashcash.chart import validation_chart
    from powsim.hashcash.family_validate import MAX_REAL_SECONDS, check_fits_here, validate_family
    from powsim.hashcash.validate import parse_bits, validate
    from powsim.sim.output import stage_tables

    puzzle = _puzzle(args)
    bits = parse_bits(args.bits)
    if args.out is not None:
        check_destination(args.out, "folder", names=VALIDATE_NAMES)
    if puzzle.name != "sha256":
        check_fits_here(puzzle)  # the memory first: it is what to lower then
    budget.check(budget.puzzle_work(puzzle, bits, args.samples),
                 f"option --bits {args.bits} x --samples {args.samples}", args.limits)
    if puzzle.name == "sha256":
        validation = validate(bits, args.samples, args.seed, progress=True)
    else:
        validation = validate_family(puzzle, bits, args.samples, args.seed,
                                     MAX_REAL_SECONDS if args.limits else math.inf, progress=True)
    print(markdown(validation.table))
    print(f"{puzzle.describe()}: rate measured beside the puzzles {validation.hash_rate_hz:.4g} trials per CPU-second "
          "(times are CPU seconds of the solving thread)")
    if args.out is not None:
        out = Path(args.out)
        origin = provenance(seed=args.seed, hash_rate_hz=validation.hash_rate_hz, puzzle=puzzle.name,
                            **puzzle.parameters())
        table = validation.table.assign(seed=args.seed, puzzle=puzzle.name, **puzzle.parameters())
        with staged(out, "folder") as staging:
            stage_tables(staging, {VALIDATE_NAMES[0]: table}, origin)
            for name in VALIDATE_NAMES[2:]:
                staging.path(name)
            save_chart(validation_chart(validation.trials, origin), staging.root / "validate")
        print(f"wrote {out / 'validate.csv'}, {out / 'validate.html'} and {out / 'validate.png'}")
    return 0


def add_hashcash(subparsers: argparse._SubParsersAction) -> None:
    commands = group(subparsers, "hashcash", "Solve and verify HashCash puzzles for real.",
                     "powsim hashcash validate --bits 8:16 --samples 300 --out results/")
    parser = command(
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
    _add_puzzle_options(parser)
    add_limits_option(parser)
    parser = command(
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
    _add_puzzle_options(parser)
    add_limits_option(parser)
    add_progress_options(parser)


def _add_puzzle_options(parser: argparse.ArgumentParser) -> None:
    """--puzzle and each family's parameters (left unset: the family's defaults)."""
    from powsim.hashcash.families import FAMILIES, parameter_names

    parser.add_argument("--puzzle", choices=list(FAMILIES), default="sha256",
                        help="puzzle family (default sha256)")
    for name, meaning in parameter_names().items():
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=int, help=meaning)
