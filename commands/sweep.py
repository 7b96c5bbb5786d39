"""``powsim sweep`` and ``powsim calibrate``: a scenario over a grid of dotted keys on local
worker processes or dask, and the choice of a with its held-out check and Pareto chart."""

from __future__ import annotations

import argparse
from pathlib import Path

from powsim import budget, options
from powsim.commands.parsing import (add_executor_options, add_limits_option, add_progress_options,
                                     add_set_option, check_executor_options, command)
from powsim.outputs import check_destination, staged
from powsim.provenance import provenance

SWEEP_TABLES = ("sweep.parquet", "sweep.csv")
CALIBRATION_TABLES = ("calibration.parquet", "calibration.csv")
CHART_FILES = ("pareto.html", "pareto.png")
SENSITIVITY_TABLES = ("sensitivity.parquet", "sensitivity.csv")
SENSITIVITY_CHARTS = ("sensitivity.html", "sensitivity.png")
WARM = ("powsim.sweep.tasks",)  # what a sweep's workers import before their first task


def _sweep(args: argparse.Namespace) -> int:
    from powsim.sim.output import table_names, write_tables
    from powsim.model.overrides import parse_override
    from powsim.sweep.executor import open_executor
    from powsim.sweep.grid import parse_axis
    from powsim.sweep.runner import POINTS, Sweep, run_sweep

    check_destination(args.out, "folder", names=table_names(*SWEEP_TABLES), inputs=[args.scenario])
    check_destination(Path(args.out) / POINTS, "folder")
    axes = tuple(parse_axis(text) for text in args.grid)
    fixed = tuple(parse_override(text) for text in args.overrides)
    sweep = Sweep(Path(args.scenario), axes, args.replications, args.seed, args.mode, fixed)
    check_work(sweep, args, 1)
    check_executor_options(args)
    print(f"sweep: {sweep.describe()}")  # checks every point first
    with open_executor(args.scheduler, args.jobs) as executor:
        _, table = run_sweep(sweep, executor, Path(args.out))
        where = executor.where
    origin = provenance(seed=args.seed, mode=args.mode, scenario=str(args.scenario),
                        grid={axis.key: list(axis.values) for axis in axes},
                        overrides=dict(fixed), replications=args.replications, ran_on=where)
    paths = write_tables(args.out, dict.fromkeys(SWEEP_TABLES, table), origin)
    load = "overhead" not in table
    shown = [*sweep.keys, "agent", *(("goodput_hz", "ttc_p95_s", "ttc_p95_s_ci_high") if load else
                                      ("overhead_p95", "overhead_p95_ci_high", "dollars"))]
    print(table[[c for c in shown if c in table]].to_markdown(index=False, floatfmt=".4g"))
    units = ("goodput in requests/s, times in seconds over the steady-state window" if load else
             "overheads are ratios, dollars US$ per agent entry")
    print(f"\nwrote {', '.join(map(str, paths))} ({len(table)} rows: grid points x agents; "
          f"{units}, CIs 95 % over replications)")
    return 0


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """calibrate's objective (:class:`~powsim.sweep.calibration.Targets`), shared by report:
    --max-p95, --max-share-over-2x and --tolerance."""
    parser.add_argument("--max-p95", type=options.number(1, 1e12, low_open=True), default=2.0,
                        help="target: legitimate users' p95 overhead at most this, a ratio > 1 "
                             "(an overhead is never below 1) (default 2.0)")
    parser.add_argument("--max-share-over-2x", type=options.number(0, 1), default=1.0,
                        help="target: share of legitimate users paying over 2x at most this, "
                             "at the upper end of its CI (default 1.0: no constraint)")
    parser.add_argument("--tolerance", type=options.number(0, 1, True, True), default=0.01,
                        help="the knee: the smallest a whose attacker cost is within this "
                             "relative tolerance of the best feasible a's, by the paired CI's "
                             "lower end; strictly between 0 and 1 (default 0.01)")


def check_work(sweep, args: argparse.Namespace, repeats: int) -> None:
    """Refuse a sweep whose points x replications (``repeats`` times: calibrate adds its
    held-out check) would run for hours (:mod:`powsim.budget`); the larger of the first and
    the last point (each axis at its ends) stands for every point's size. Only those two
    points' scenarios are loaded, before all of them are."""
    from powsim.model.read import read_scenario
    from powsim.sweep.grid import grid_points

    points = grid_points(sweep.axes)
    cores = budget.run_cores(args.jobs, args.scheduler)
    runs = len(points) * sweep.replications * repeats
    work = max((budget.run_work(read_scenario(sweep.scenario, (*sweep.fixed, *point)), runs, cores)
                for point in (points[0], points[-1])), key=lambda w: w.amount)
    budget.check(work,
                 f"{args.scenario}: {len(points):,} grid points x --replications "
                 f"{sweep.replications}", args.limits)


def add_sweep(subparsers: argparse._SubParsersAction) -> None:
    """Declare ``powsim sweep``."""
    parser = command(
        subparsers, "sweep",
        "Simulate a scenario at every point of a grid over dotted keys, each point REPLICATIONS "
        "times, on this machine's cores or a dask cluster. Writes DIR/sweep.parquet and DIR/sweep.csv: one row "
        "per grid point x agent, swept keys as columns, each figure's mean and 95 % CI.",
        "powsim sweep examples/what-if-a.toml --grid defense.a=log:1.0001:1.5:16 "
        "--replications 10 --out results/sweep-a", _sweep)
    parser.add_argument("scenario", help="the scenario TOML file")
    parser.add_argument("--grid", action="append", metavar="KEY=VALUES", required=True,
                        help="a swept key: KEY=V1,V2,... or KEY=lin:START:STOP:N or "
                             "KEY=log:START:STOP:N; several make a product")
    parser.add_argument("--replications", type=options.integer(1, options.MAX_REPLICATIONS), default=10,
                        help="independent runs per grid point (default 10)")
    parser.add_argument("--out", required=True,
                        help="folder for sweep.parquet, sweep.csv and finished points (a re-run "
                             "with the same folder computes only missing points)")
    parser.add_argument("--seed", type=options.seed(), default=0,
                        help="seed of all random streams (default 0)")
    parser.add_argument("--mode", choices=["sampled", "expected"], default="sampled",
                        help="sampled: random draws (default); expected: means")
    add_set_option(parser)
    add_executor_options(parser)
    add_limits_option(parser)
    add_progress_options(parser)


def _calibrate(args: argparse.Namespace) -> int:
    from powsim.sim.output import stage_tables, table_names
    from powsim.model.overrides import parse_override
    from powsim.sweep.background import opened_in_background
    from powsim.sweep.calibration import Targets, a_axis, calibrate, check_roles, describe
    from powsim.sweep.grid import parse_axis
    from powsim.sweep.robust import parse_vary
    from powsim.sweep.runner import POINTS, Sweep

    targets = Targets(args.max_p95, args.max_share_over_2x, args.tolerance)
    variants = parse_vary(args.vary or [])
    names = (*table_names(*CALIBRATION_TABLES), *CHART_FILES,
             *((*table_names(*SENSITIVITY_TABLES), *SENSITIVITY_CHARTS) if args.vary else ()))
    out = check_destination(args.out, "folder", names=names, inputs=[args.scenario])
    check_destination(out / POINTS, "folder")
    holdout_seed = args.seed + 1 if args.holdout_seed is None else args.holdout_seed
    fixed = tuple(parse_override(text) for text in args.overrides)
    sweep = Sweep(Path(args.scenario), (a_axis(parse_axis(args.grid)),), args.replications,
                  args.seed, fixed=fixed)
    check_executor_options(args)
    # The cluster starts while the scenario and the grid's points are checked, and stops while
    # the tables and charts are written (:mod:`powsim.sweep.background`).
    with opened_in_background(args.scheduler, args.jobs, WARM) as executor:
        from powsim.calibrate.pareto_chart import pareto_chart
        from powsim.calibrate.sensitivity_chart import sensitivity_chart
        from powsim.charts import save_chart
        from powsim.model.read import read_scenario

        check_roles(read_scenario(sweep.scenario, fixed), args.legit)
        check_work(sweep, args, len(variants) + 1)
        print(f"calibrate: {sweep.describe()}" + (f" under each of {len(variants)} variants" if
                                                  args.vary else "") + ", then the held-out check")
        result = calibrate(sweep, args.legit, targets, args.confidence, holdout_seed,
                           executor, out, variants=variants if args.vary else None)
        executor.release()
        tuning = result.table[result.table["seeds"] == "tuning"]
        chosen = tuning.loc[tuning["chosen"].astype(bool), "undeterred"]
        origin = provenance(seed=args.seed, holdout_seed=holdout_seed, scenario=str(args.scenario),
                            legit=args.legit, max_p95=args.max_p95,
                            max_share_over_2x=args.max_share_over_2x, tolerance=args.tolerance,
                            confidence=args.confidence, grid=list(sweep.axes[0].values),
                            replications=args.replications, overrides=dict(fixed),
                            vary=list(args.vary or []),
                            robust_a=None if result.robust is None else result.robust.a,
                            undeterred=[n for n in (chosen.iloc[0] if len(chosen) else "").split(", ")
                                        if n])
        with staged(out, "folder") as staging:
            stage_tables(staging, dict.fromkeys(CALIBRATION_TABLES, result.table), origin)
            for name in CHART_FILES:
                staging.path(name)
            save_chart(pareto_chart(result.table, targets.max_p95, origin), staging.root / "pareto")
            if result.sensitivity is not None:
                stage_tables(staging, dict.fromkeys(SENSITIVITY_TABLES, result.sensitivity), origin)
                for name in SENSITIVITY_CHARTS:
                    staging.path(name)
                save_chart(sensitivity_chart(result.sensitivity, targets.max_p95, origin),
                           staging.root / "sensitivity")
    print(describe(result, targets, args.confidence))
    print("wrote " + ", ".join(str(out / name) for name in names))
    return 0


def add_calibrate(subparsers: argparse._SubParsersAction) -> None:
    """Declare ``powsim calibrate``."""
    parser = command(
        subparsers, "calibrate",
        "Choose the charge base a on a sweep, checked on held-out seeds: keep the points where the legitimate group's p95 overhead is under "
        "the target at the upper end of its CI (and the share over 2x under --max-share-over-2x), "
        "take the smallest a whose attacker cost is within --tolerance of the best (paired CI), "
        "say which attackers are not deterred, and check it on held-out seeds; with --vary, the "
        "a that holds under every varied assumption. Writes "
        "DIR/calibration.parquet (and .csv) and a Pareto chart DIR/pareto.html and .png.",
        "powsim calibrate examples/what-if-a.toml --legit users --max-p95 2.0 --out results/calibrate",
        _calibrate)
    parser.add_argument("scenario", help="the scenario TOML file")
    parser.add_argument("--legit", required=True, help="name of the legitimate agent entry")
    add_target_options(parser)
    parser.add_argument("--vary", action="append", metavar="KEY=VALUES",
                        help="an assumption to vary (repeatable), values as in --grid, e.g. "
                             "agents.0.queries.median=500,2000: the grid is swept under each "
                             "value and the a that meets the targets in every variant is "
                             "chosen; writes DIR/sensitivity.parquet/.csv/.html/.png")
    parser.add_argument("--confidence", type=options.number(0, 1, True, True), default=0.95,
                        help="confidence of the CIs; the target holds at their upper end "
                             "(default 0.95)")
    parser.add_argument("--grid", default="defense.a=log:1.0001:1.5:40",
                        help="values of a, as in 'powsim sweep' (default "
                             "defense.a=log:1.0001:1.5:40; the paper's 1.0075 is added)")
    parser.add_argument("--replications", type=options.integer(2, options.MAX_REPLICATIONS), default=10,
                        help="runs per a, and for the held-out check (default 10)")
    parser.add_argument("--seed", type=options.seed(), default=0,
                        help="seed of the tuning runs (default 0)")
    parser.add_argument("--holdout-seed", type=options.seed(),
                        help="seed of the held-out check (default: --seed + 1)")
    parser.add_argument("--out", required=True, help="folder for the outputs")
    add_set_option(parser)
    add_executor_options(parser)
    add_limits_option(parser)
    add_progress_options(parser)
