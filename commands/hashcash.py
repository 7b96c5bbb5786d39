"""``powsim hashcash ...``: measure this machine's hash rate and validate real solve times."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from powsim import options
from powsim.commands.parsing import command, group
from powsim.outputs import check_destination

MAX_BENCH_WORKERS = 4 * (os.cpu_count() or 1)  # each a solver thread and an openssl process
VALIDATE_NAMES = ("validate.csv", "validate.csv.provenance.json", "validate.html", "validate.png")


def _bench(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.sim.hashcash.hashrate import describe_rate, measure
    from powsim.sim.hashcash.local_profile import save_local_rate

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
    from powsim.report import markdown, provenance_json
    from powsim.charts import save_chart
    from powsim.sim.hashcash.chart import validation_chart
    from powsim.sim.hashcash.validate import parse_bits, validate

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
