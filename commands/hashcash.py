"""``powsim hashcash ...``: measure this machine's hash rate and validate real solve times."""

from __future__ import annotations

import argparse
from pathlib import Path

from powsim.commands.parsing import command, count, group


def _bench(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.sim.hashcash.hashrate import describe_rate, measure
    from powsim.sim.hashcash.local_profile import save_local_rate

    rate = measure(args.workers, args.seconds)
    print(describe_rate(rate))
    print(f"use as: --hash-rate {rate.per_core_hz:.4g} (hashes/s per core) with {rate.workers} workers")
    if not args.no_save:
        print(f"stored as the 'local' hardware profile: {save_local_rate(rate, provenance())}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.sim.hashcash.chart import save_chart, validation_chart
    from powsim.sim.hashcash.validate import parse_bits, validate

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


def add_hashcash(subparsers: argparse._SubParsersAction) -> None:
    commands = group(subparsers, "hashcash", "Solve and verify HashCash puzzles for real.",
                     "powsim hashcash validate --bits 8:16 --samples 300 --out results/")
    parser = command(
        commands, "bench",
        "Measure this machine's hash rate (solver per core and on all cores, openssl speed, a plain "
        "hashlib loop) and store it as the 'local' hardware profile.",
        "powsim hashcash bench --seconds 2", _bench)
    parser.add_argument("--seconds", type=count("--seconds", 1), default=1,
                        help="seconds per measurement (default 1)")
    parser.add_argument("--workers", type=count("--workers", 1),
                        help="solver threads for the all-cores rate (default: every core)")
    parser.add_argument("--no-save", action="store_true", help="print only; do not store the profile")
    parser = command(
        commands, "validate",
        "Solve SAMPLES real puzzles for each k and test trials against Geometric(2^-k) and solve "
        "times against trials / H; print the table, and with --out write DIR/validate.csv and an "
        "ECDF and QQ chart as DIR/validate.html and DIR/validate.png.",
        "powsim hashcash validate --bits 8:16 --samples 300 --out results/", _validate)
    parser.add_argument("--bits", default="8:16", help="K or FIRST:LAST, inclusive (default 8:16)")
    parser.add_argument("--samples", type=count("--samples", 2), default=300,
                        help="puzzles per k (default 300)")
    parser.add_argument("--seed", type=count("--seed", 0), default=0,
                        help="seed of the challenges and of the KS test's randomisation (default 0)")
    parser.add_argument("--out", help="folder to write validate.csv, .html and .png to")
