"""``powsim puzzles compare``: which puzzle family closes the GPU gap, in one table and one chart."""

from __future__ import annotations

import argparse
from pathlib import Path

from powsim import budget
from powsim.commands.parsing import add_limits_option, add_progress_options, command, group
from powsim.outputs import check_destination

COMPARE_TABLES = ("puzzles.csv",)
COMPARE_CHARTS = ("puzzles.html", "puzzles.png")


def _compare(args: argparse.Namespace) -> int:
    from powsim.outputs import staged
    from powsim.provenance import provenance
    from powsim.report import markdown
    from powsim.charts import save_chart
    from powsim.sim.output import stage_tables, table_names
    from powsim.sim.puzzle_compare import compare, comparison_chart

    if args.out is not None:
        check_destination(args.out, "folder", names=table_names(*COMPARE_TABLES) + COMPARE_CHARTS,
                          inputs=[args.scenario])
    _check_work(args)
    table = compare(args.scenario, progress=True)
    print(markdown(table))
    if args.out is not None:
        out = Path(args.out)
        origin = provenance(scenario=str(args.scenario), mode="expected")
        with staged(out, "folder") as staging:
            stage_tables(staging, {COMPARE_TABLES[0]: table.assign(scenario=Path(args.scenario).stem)}, origin)
            for name in COMPARE_CHARTS:
                staging.path(name)
            save_chart(comparison_chart(table, origin), staging.root / "puzzles")
        print("wrote " + ", ".join(str(out / name) for name in COMPARE_TABLES + COMPARE_CHARTS))
    return 0


def _check_work(args: argparse.Namespace) -> None:
    """Refuse a comparison estimated over the limit (:mod:`powsim.budget`): expected-mode runs
    of the scenario, one for SHA-256's target and, per family, one per attacker device and one
    per step of the search for its matched difficulty."""
    from powsim.hashcash.families import FAMILIES
    from powsim.sim.puzzle_compare import ATTACKER_HARDWARE
    from powsim.sim.puzzle_match import STEPS
    from powsim.model.parse import load_scenario

    runs = 1 + len(FAMILIES) * (len(ATTACKER_HARDWARE) + STEPS)
    budget.check(budget.simulate_work(load_scenario(args.scenario), runs),
                 f"{args.scenario} x {runs} runs", args.limits)


def add_puzzles(subparsers: argparse._SubParsersAction) -> None:
    commands = group(subparsers, "puzzles", "Compare puzzle families (SHA-256, Argon2id, scrypt).",
                     "powsim puzzles compare examples/puzzles-vs-gpu.toml --out results/puzzles")
    parser = command(
        commands, "compare",
        "Run SCENARIO once per puzzle family and attacker device (laptop-cpu, server-cpu, gpu), "
        "each family's difficulty tuned so the legitimate users' median overhead is SHA-256's; print "
        "the attackers' time and dollar multipliers and the server's verification cost, and with "
        "--out write DIR/puzzles.csv (+ .provenance.json) and a chart as DIR/puzzles.html and "
        "DIR/puzzles.png, all or nothing.",
        "powsim puzzles compare examples/puzzles-vs-gpu.toml --out results/puzzles", _compare)
    parser.add_argument("scenario", help="scenario TOML file with a kind = \"legit\" entry")
    parser.add_argument("--out", help="folder to write puzzles.csv, .html and .png to")
    add_limits_option(parser)
    add_progress_options(parser)
