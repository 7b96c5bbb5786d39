"""``powsim puzzles compare``: which puzzle family closes the GPU gap, in one table and one chart."""

from __future__ import annotations

import argparse
from pathlib import Path

from powsim.commands.parsing import command, group


def _compare(args: argparse.Namespace) -> int:
    from powsim.provenance import provenance
    from powsim.report import write_table
    from powsim.sim.hashcash.chart import save_chart
    from powsim.sim.puzzle_compare import compare, comparison_chart

    table = compare(args.scenario)
    print(table.to_markdown(index=False, floatfmt=".4g"))
    if args.out:
        out = Path(args.out)
        origin = provenance(scenario=str(args.scenario), mode="expected")
        chart = comparison_chart(table, origin)  # built before anything is written
        write_table(table, "csv", origin, out / "puzzles.csv")
        save_chart(chart, out / "puzzles")
        print(f"wrote {out / 'puzzles.csv'}, {out / 'puzzles.html'} and {out / 'puzzles.png'}")
    return 0


def add_puzzles(subparsers: argparse._SubParsersAction) -> None:
    commands = group(subparsers, "puzzles", "Compare puzzle families (SHA-256, Argon2id, scrypt).",
                     "powsim puzzles compare examples/puzzles-vs-gpu.toml --out results/puzzles")
    parser = command(
        commands, "compare",
        "Run SCENARIO once per puzzle family and attacker device (laptop-cpu, server-cpu, gpu), "
        "the defense tuned so the legitimate users pay the same PoW seconds in every family; print "
        "the attackers' time and dollar multipliers and the server's verification cost, and with "
        "--out write DIR/puzzles.csv and a chart as DIR/puzzles.html and DIR/puzzles.png.",
        "powsim puzzles compare examples/puzzles-vs-gpu.toml --out results/puzzles", _compare)
    parser.add_argument("scenario", help="scenario TOML file with a kind = \"legit\" entry")
    parser.add_argument("--out", help="folder to write puzzles.csv, .html and .png to")
