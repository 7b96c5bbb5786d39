"""The load side of the command line: ``powsim simulate`` on a load scenario (stream and botnet
agents), ``powsim capacity``."""

from __future__ import annotations

import argparse
from pathlib import Path

from powsim import budget, options
from powsim.commands.parsing import (add_executor_options, add_limits_option, add_progress_options,
                                     check_executor_options, command)
from powsim.errors import InputError
from powsim.outputs import check_destination, staged
from powsim.provenance import provenance

LOAD_TABLES = ("timeseries.parquet", "summary.csv")
SERIES_CHARTS = ("timeseries.html", "timeseries.png")
CAPACITY_NAMES = ("capacity.parquet", "capacity.html", "capacity.png")
VARY_NAMES = ("capacity.parquet", "capacity-vary.parquet", "capacity-vary.csv",
              "capacity-vary.html", "capacity-vary.png")


MAX_INTERVALS = 1_000_000  # rows of timeseries.parquet per agent group and replication
NOT_REACHED = "not reached"  # an infinite time: more clients lost than the figure allows


def readable_table(table, columns: list[str]) -> str:
    """``columns`` of ``table`` as a markdown table, numbers to 4 significant digits and an
    infinite figure (a TTC quantile more clients were lost than it allows) as 'not reached'."""
    import numpy as np

    shown = table[[c for c in columns if c in table]].copy()
    for column in shown.select_dtypes("number"):
        values = shown[column]
        if np.isinf(values).any():
            shown[column] = [NOT_REACHED if np.isinf(v) else f"{v:.4g}" for v in values]
    return shown.to_markdown(index=False, floatfmt=".4g")


def _check_interval(interval_s: float, duration_s: float) -> None:
    """One line naming --interval when it would cut the run into more than MAX_INTERVALS rows."""
    if duration_s / interval_s > MAX_INTERVALS:
        raise InputError(f"option --interval: {interval_s:g} s cuts the {duration_s:g} s run into "
                         f"{duration_s / interval_s:.3g} rows, expected at most {MAX_INTERVALS:,} "
                         f"(an interval of at least {duration_s / MAX_INTERVALS:g} s)")


def simulate_load(args: argparse.Namespace) -> int:
    """Write DIR/timeseries.parquet and DIR/summary.csv (with provenance sidecars) and the
    time-series chart DIR/timeseries.html and .png."""
    from powsim.charts import save_chart
    from powsim.load.runs import replicate
    from powsim.load.series_chart import series_chart
    from powsim.model.load_parse import load_load_scenario
    from powsim.model.overrides import parse_override
    from powsim.sim.output import SIMULATE_NAMES, stage_tables

    if args.hashing != "sampled":
        raise InputError(f"option --hash: {args.hashing!r}, expected 'sampled' for a load scenario "
                         "(its clients' work is drawn, not hashed)")
    overrides = [parse_override(text) for text in args.overrides]
    check_destination(args.out, "folder", names=SIMULATE_NAMES, inputs=[args.scenario])
    scenario = load_load_scenario(args.scenario, overrides)
    _check_interval(args.interval, scenario.duration_s)
    runs = args.replications if args.mode == "sampled" else 1
    budget.check(budget.load_work(scenario, runs), f"{args.scenario} x --replications {runs}",
                 args.limits)
    series, table = replicate(scenario, args.mode, args.seed, args.replications,
                              interval_s=args.interval, progress=True)
    table.insert(0, "scenario", Path(args.scenario).stem)
    series.insert(0, "scenario", Path(args.scenario).stem)
    origin = provenance(seed=args.seed, mode=args.mode, replications=args.replications,
                        scenario=str(args.scenario), interval_s=args.interval,
                        overrides=dict(overrides))
    out = Path(args.out)
    with staged(out, "folder") as staging:
        stage_tables(staging, dict(zip(LOAD_TABLES, (series, table))), origin)
        for name in SERIES_CHARTS:
            staging.path(name)
        save_chart(series_chart(series, args.interval, table["window_start_s"].max(), origin),
                   staging.root / "timeseries")
        staging.retire(*SIMULATE_NAMES)
    paths = [out / name for name in (*LOAD_TABLES, *SERIES_CHARTS)]
    shown = ["agent", "kind", "replication", "window_start_s", "arrivals", "handled", "trimmed",
             "timed_out", "goodput_hz", "clients", "lost", "connect_rate", "ttc_p50_s",
             "ttc_p95_s", "ttc_mean_connected_s", "overhead_with_queue", "added_with_queue_s"]
    warmup = ("[load] warmup_s" if scenario.warmup_s is not None
              else "the warm-up MSER-5 found in each run")
    print(f"steady-state window from {warmup} to {scenario.duration_s:g} s (times in seconds, "
          "goodput in requests/s; TTC quantiles over all clients, the lost never connecting):")
    print(readable_table(table, shown))
    print(f"\nwrote {paths[0]} ({len(series)} intervals), {paths[1]} ({len(table)} rows), "
          f"{paths[2]} and {paths[3]} (the time-series chart)")
    return 0


def capacity_command(args: argparse.Namespace) -> int:
    """Search worker counts for the SLO; write DIR/capacity.parquet and the chart."""
    from powsim.charts import save_chart
    from powsim.sweep.capacity import capacity, parse_slo, parse_workers, smallest
    from powsim.sweep.capacity_chart import capacity_chart
    from powsim.model.read import read_scenario
    from powsim.sim.output import stage_tables
    from powsim.sweep.executor import open_executor

    if args.vary:
        return _capacity_against(args)
    check_destination(args.out, "folder", names=CAPACITY_NAMES, inputs=[args.scenario])
    scenario = read_scenario(args.scenario)
    slo = parse_slo(args.slo, scenario)
    workers = parse_workers(args.workers)
    cores, runs = budget.run_cores(args.jobs, args.scheduler), len(workers) * args.replications
    budget.check(budget.run_work(scenario, runs, cores),
                 f"{args.scenario} x {len(workers)} worker counts x --replications "
                 f"{args.replications}", args.limits)
    check_executor_options(args)
    out = Path(args.out)
    print(f"capacity: {len(workers)} worker counts x {args.replications} replications = "
          f"{len(workers) * args.replications} runs")
    with open_executor(args.scheduler, args.jobs) as executor:
        table = capacity(scenario, slo, workers, args.replications, args.seed, executor,
                         progress=True)
        where = executor.where
    origin = provenance(seed=args.seed, scenario=str(args.scenario), slo=slo.text,
                        workers=args.workers, replications=args.replications, ran_on=where)
    answer = smallest(table)
    with staged(out, "folder") as staging:
        stage_tables(staging, {CAPACITY_NAMES[0]: table}, origin)
        for name in CAPACITY_NAMES[1:]:
            staging.path(name)
        save_chart(capacity_chart(table, slo, origin, answer), staging.root / "capacity")
    paths = [out / name for name in CAPACITY_NAMES]
    window = (f"steady-state window from {table['window_start_s'].max():.4g} s "
              f"({table['warmup'].iloc[0]}) to {scenario.duration_s:g} s; lost_share: legitimate "
              "clients lost (mean, largest)" if "window_start_s" in table else "whole runs")
    print(f"{slo.group}.{slo.metric}: mean and 95 % CI over {args.replications} replications, "
          f"{window}:")
    shown = ["workers", "mean", "ci_low", "ci_high", "meets", "lost_share", "lost_share_max",
             "added_s", "added_s_per_1000q", "utilisation", "cost_per_hour_usd"]
    print(readable_table(table, [c for c in shown if c in table and table[c].notna().any()]))
    if answer is None:
        print(f"\nno worker count in {args.workers} meets {slo.text} (upper CI bound)")
    else:
        print(f"\nsmallest worker count meeting {slo.text} (whole 95 % CI): {answer}")
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _capacity_against(args: argparse.Namespace) -> int:
    """``capacity --vary``: workers needed at each value (:mod:`powsim.sweep.intensity`)."""
    from powsim.charts import save_chart
    from powsim.sim.output import stage_tables
    from powsim.model.read import read_scenario
    from powsim.model.overrides import Override
    from powsim.sweep.capacity import parse_slo, parse_workers
    from powsim.sweep.capacity_chart import intensity_chart
    from powsim.sweep.grid import Axis
    from powsim.sweep.executor import open_executor
    from powsim.sweep.intensity import capacity_against
    from powsim.sweep.robust import parse_vary

    from powsim.sim.output import table_names
    check_destination(args.out, "folder", names=(*table_names(*VARY_NAMES[:3]), *VARY_NAMES[3:]),
                      inputs=[args.scenario])
    variants = parse_vary([args.vary])[1:]
    axis = Axis(variants[0].override.key, tuple(v.override.value for v in variants))
    workers = parse_workers(args.workers)
    scenario = read_scenario(args.scenario)
    for value in axis.values:  # every value's scenario and the SLO checked before any run
        parse_slo(args.slo, read_scenario(args.scenario, (Override(axis.key, value),)))
    runs = len(axis.values) * len(workers) * args.replications
    budget.check(budget.run_work(scenario, runs, budget.run_cores(args.jobs,
                                                                   args.scheduler)),
                 f"{args.scenario} x {len(axis.values)} values x {len(workers)} worker counts x "
                 f"--replications {args.replications}", args.limits)
    check_executor_options(args)
    print(f"capacity: {len(axis.values)} values of {axis.key} x {len(workers)} worker counts x "
          f"{args.replications} replications = {runs} runs")
    with open_executor(args.scheduler, args.jobs) as executor:
        table, answers = capacity_against(Path(args.scenario), args.slo, axis, workers,
                                          args.replications, args.seed, executor, progress=True)
    origin = provenance(seed=args.seed, scenario=str(args.scenario), slo=args.slo,
                        workers=args.workers, replications=args.replications, vary=args.vary)
    out = Path(args.out)
    with staged(out, "folder") as staging:
        stage_tables(staging, {VARY_NAMES[0]: table, VARY_NAMES[1]: answers,
                               VARY_NAMES[2]: answers}, origin)
        for name in VARY_NAMES[3:]:
            staging.path(name)
        save_chart(intensity_chart(answers, workers, origin), staging.root / "capacity-vary")
    print(f"workers needed to meet {args.slo} (whole 95 % CI) against {axis.key}:")
    print(readable_table(answers.fillna({"workers_needed": "none"}),
                         [c for c in ("varied_value", "workers_needed", "mean", "ci_high",
                                      "lost_share") if c in answers]))
    print("wrote " + ", ".join(str(out / name) for name in VARY_NAMES))
    return 0


def add_capacity(subparsers: argparse._SubParsersAction) -> None:
    """Declare ``powsim capacity``."""
    parser = command(
        subparsers, "capacity",
        "Find the smallest worker count whose 95 % CI meets an SLO (a sweep over server.workers "
        "of a load or per-account scenario), its runs spread as in 'powsim sweep'. Writes DIR/capacity.parquet and "
        "DIR/capacity.html/.png.",
        "powsim capacity examples/capacity-under-attack.toml --slo 'legit.ttc_p95<=5' "
        "--workers 4:12 --replications 20 --out results/capacity",
        capacity_command)
    parser.add_argument("scenario", help="a scenario TOML with a [server] (load or per-account)")
    parser.add_argument("--slo", required=True,
                        help="GROUP.METRIC OP VALUE, e.g. 'legit.ttc_p95<=5' (seconds) or "
                             "'legit.connect_rate>=0.99'")
    parser.add_argument("--workers", required=True, help="worker counts FIRST:LAST[:STEP]")
    parser.add_argument("--replications", type=options.integer(2, options.MAX_REPLICATIONS),
                        default=20, help="sampled runs per worker count, at least 2 for a "
                                         "confidence interval (default 20)")
    parser.add_argument("--seed", type=options.seed(), default=0,
                        help="seed of all random streams (default 0)")
    parser.add_argument("--out", required=True, help="folder for capacity.parquet and the chart")
    parser.add_argument("--vary", metavar="KEY=VALUES",
                        help="an assumption to vary, values as in 'powsim sweep --grid', e.g. "
                             "agents.1.max_rate_hz=3,6,12: the search runs at each value; writes "
                             "DIR/capacity.parquet (every value's rows), DIR/capacity-vary.parquet"
                             "/.csv (workers needed per value) and DIR/capacity-vary.html/.png")
    add_executor_options(parser)
    add_limits_option(parser)
    add_progress_options(parser)
