"""``powsim report``: one offline HTML page answering what users pay, which a and how many
workers, with the tables it shows written beside it."""

from __future__ import annotations

import argparse
from pathlib import Path

from powsim import budget, options
from powsim.commands.parsing import (add_executor_options, add_limits_option, add_progress_options,
                                     add_set_option, check_executor_options, command)
from powsim.commands.sweep import add_target_options, check_work
from powsim.outputs import check_destination, staged
from powsim.provenance import provenance

TABLES = ("assumptions.csv", "users.csv", "frontier.csv", "deterrence.csv", "sensitivity.csv",
          "capacity.csv", "intensity.csv")  # a load scenario writes no frontier or deterrence, some no intensity
PAGE = "report.html"
# A coarse first look by default, enlarged by the options.
DEFAULT_GRID = "defense.a=log:1.001:1.2:6"
DEFAULT_WORKERS = "1:6"
DEFAULT_REPLICATIONS = 3
# The SLO after the legitimate entry's name, per kernel: a batch's p95 wait for a worker (s),
# a client's p95 time-to-connect (s).
DEFAULT_SLO = {"account": "queue_p95<=2", "load": "ttc_p95<=5"}


def report_command(args: argparse.Namespace) -> int:
    """Build the answers, then write DIR/report.html and its tables all together."""
    from powsim.model.load import LoadScenario
    from powsim.model.overrides import parse_override
    from powsim.model.read import read_scenario
    from powsim.sim.output import stage_tables, table_names
    from powsim.sweep.calibration import Targets, a_axis
    from powsim.sweep.capacity import parse_slo, parse_workers
    from powsim.sweep.executor import open_executor
    from powsim.sweep.grid import parse_axis
    from powsim.sweep.report import UNDETERRED, Plan, build, legit_name
    from powsim.sweep.report_load import INTENSITIES
    from powsim.sweep.report_page import page
    from powsim.sweep.runner import Sweep

    out = check_destination(args.out, "folder", names=(*table_names(*TABLES), PAGE),
                            inputs=[args.scenario])
    fixed = tuple(parse_override(text) for text in args.overrides)
    scenario = read_scenario(args.scenario, fixed)
    load = isinstance(scenario, LoadScenario)
    legit = args.legit or legit_name(scenario)
    slo = parse_slo(args.slo or f"{legit}.{DEFAULT_SLO['load' if load else 'account']}", scenario)
    plan = Plan(Path(args.scenario), legit, a_axis(parse_axis(args.grid)),
                Targets(args.max_p95, args.max_share_over_2x, args.tolerance), slo,
                parse_workers(args.workers), args.replications, args.seed, fixed)
    sweep = Sweep(plan.scenario, (plan.grid,), plan.replications, plan.seed, fixed=fixed)
    if not load:
        check_work(sweep, args, 2)
    cores = budget.run_cores(args.jobs, args.scheduler)
    searches = 1 + len(INTENSITIES) * load  # a load scenario's capacity at each intensity
    budget.check(budget.run_work(scenario, searches * len(plan.workers) * plan.replications, cores),
                 f"{args.scenario} x {len(plan.workers)} worker counts x --replications "
                 f"{plan.replications}", args.limits)
    check_executor_options(args)
    searched = (f"{len(plan.workers)} worker counts x {plan.replications} replications"
                + (f", again at {len(INTENSITIES)} attack intensities" if load else ""))
    calibration = (f"calibrate a, {sweep.describe()}, then the held-out check and the "
                   "assumptions varied at the chosen a; ")
    print(f"report: {'' if load else calibration}capacity, {searched}")
    with open_executor(args.scheduler, args.jobs) as executor:
        answers = build(plan, executor, progress=True)
    origin = provenance(seed=args.seed, scenario=str(args.scenario), legit=legit,
                        grid=list(plan.grid.values), max_p95=args.max_p95,
                        max_share_over_2x=args.max_share_over_2x, tolerance=args.tolerance,
                        slo=slo.text,
                        workers=args.workers, replications=args.replications,
                        overrides=dict(fixed))
    tables = answers.tables()
    with staged(out, "folder") as staging:
        stage_tables(staging, tables, origin)
        staging.path(PAGE).write_text(page(answers, plan, charts(answers, plan, origin), origin),
                                      encoding="utf-8")
        staging.retire(*table_names(*TABLES))  # a former report's tables this one has not
    workers = ("none in " + args.workers if answers.workers_needed is None
               else str(answers.workers_needed))
    chosen = "" if load else f"recommended a = {answers.chosen_a:.6g}; "
    unit = "served request" if load else "query"
    print(f"{chosen}workers meeting {slo.text}: {workers}; not deterred (paying at most "
          f"{UNDETERRED:g}x a user's US$ per {unit}): {', '.join(answers.undeterred()) or 'none'}")
    print(f"wrote {out / PAGE} and " + ", ".join(str(out / name) for name in tables))
    return 0


def charts(answers, plan, origin: dict[str, object]) -> dict:
    """The page's charts by id: the frontier and deterrence (an a to choose), capacity, and
    the workers against the attack's intensity (when it has one)."""
    from powsim.sweep.capacity_chart import capacity_chart
    from powsim.sweep.report_charts import (deterrence_chart, frontier_chart, intensity_chart,
                                            sensitivity_chart)

    found = {}
    if answers.frontier is not None:
        found["frontier"] = frontier_chart(answers.frontier, plan.targets.max_p95, plan.replications)
        found["deterrence"] = deterrence_chart(answers.deterrence, answers.chosen_a)
        found["sensitivity"] = sensitivity_chart(answers.sensitivity, plan.targets.max_p95)
    found["capacity"] = capacity_chart(answers.capacity, plan.slo, origin, answers.workers_needed)
    if answers.intensity is not None:
        found["intensity"] = intensity_chart(answers.intensity, plan.slo.text)
    return found


def add_report(subparsers: argparse._SubParsersAction) -> None:
    """Declare ``powsim report``."""
    parser = command(
        subparsers, "report",
        "Write one offline HTML page answering what the legitimate users pay (seconds and "
        "ratios, with the population's assumptions), which a (the calibration frontier with "
        "CIs, the attackers not deterred) and how many workers (capacity at that a), every "
        "number with its 95 % CI. Writes DIR/report.html and the tables it shows "
        "(assumptions, users, frontier, deterrence, capacity .csv). On a load scenario: what "
        "its clients pay, the workers needed and the workers against the botnets' rate "
        "(intensity.csv); it has no a to choose.",
        "powsim report examples/what-if-a.toml --out results/report", report_command)
    parser.add_argument("scenario", help="a scenario TOML: per-account (a legit entry and an "
                                         "attacker entry) or load")
    parser.add_argument("--out", required=True, help="folder for report.html and its tables")
    parser.add_argument("--legit", help="the legitimate entry (default: the first kind = "
                                        "\"legit\" entry, or a load scenario's first stream)")
    add_target_options(parser)
    parser.add_argument("--grid", default=DEFAULT_GRID,
                        help="values of a, as in 'powsim calibrate' (default %(default)s, a "
                             "coarse first look; the paper's 1.0075 is added)")
    parser.add_argument("--replications", type=options.integer(2, options.MAX_REPLICATIONS),
                        default=DEFAULT_REPLICATIONS,
                        help="runs per a, per held-out check and per worker count (default "
                             "%(default)s)")
    parser.add_argument("--workers", default=DEFAULT_WORKERS,
                        help="worker counts for capacity, FIRST:LAST[:STEP] (default %(default)s)")
    parser.add_argument("--slo", help="capacity's SLO GROUP.METRIC OP VALUE (default "
                                      f"'LEGIT.{DEFAULT_SLO['account']}': a batch's 95th "
                                      "percentile wait for a worker at most 2 s; on a load "
                                      f"scenario 'LEGIT.{DEFAULT_SLO['load']}'; LEGIT the "
                                      "--legit entry)")
    parser.add_argument("--seed", type=options.seed(), default=0,
                        help="seed of the runs; the held-out check uses seed + 1 (default 0)")
    add_set_option(parser)
    add_executor_options(parser, serial=True)
    add_limits_option(parser)
    add_progress_options(parser)
