"""The three Tor examples against effort_sim at full scale (and the two botnets under v2 in place
of v3): a table and a chart for docs/capacity.md.

    .venv/bin/python benchmarks/tor_compare.py [--out docs/img]

For each scenario both programs run (effort_sim in place from ../shared, powsim in expected
mode); printed: mean time-to-connect of the legitimate clients connected during the attack
(t = 150 to 7350 s), legitimate clients connected during the attack, and the mean published
effort, with powsim's relative difference. Written: OUT/tor-comparison.png and .html (published
effort and per-minute mean time-to-connect against time, both programs).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import altair as alt
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from tor_peer import ATTACK, PeerScenario, mean_ttc, run_peer  # noqa: E402

from powsim.provenance import provenance  # noqa: E402
from powsim.charts import save_chart  # noqa: E402
from powsim.load.engine import LoadRun  # noqa: E402
from powsim.load.metrics import clients_frame  # noqa: E402
from powsim.model.load_parse import load_load_scenario  # noqa: E402

SCENARIOS = {"small botnet": ("tor-small-botnet.toml", PeerScenario(500)),
             "large botnet": ("tor-large-botnet.toml", PeerScenario(100_000)),
             "precomputed": ("tor-precomputed.toml", PeerScenario(500, "precomputed")),
             "small botnet, v2": ("tor-small-botnet.toml", PeerScenario(500, rule="tor-v2")),
             "large botnet, v2": ("tor-large-botnet.toml", PeerScenario(100_000, rule="tor-v2"))}
MINUTE = 60


def _ours(example: str, rule: str) -> tuple[pd.DataFrame, dict]:
    scenario = load_load_scenario(REPO / "examples" / example)
    scenario = replace(scenario, difficulty=replace(scenario.difficulty, rule=rule))
    record = LoadRun(scenario, interval_s=1.0).run()
    clients = clients_frame(record)
    connected = clients[clients["connected"]]
    during = connected[(connected["end_s"] >= ATTACK[0]) & (connected["end_s"] < ATTACK[1] + 1)]
    minute = (connected["end_s"] // MINUTE).astype(int)
    series = pd.DataFrame({"effort": record.effort[::MINUTE]})
    series["ttc_s"] = connected.groupby(minute)["ttc_s"].mean().reindex(series.index)
    inside = slice(ATTACK[0], ATTACK[1] + 1)
    return series, {"ttc_s": during["ttc_s"].mean(), "connected": len(during),
                    "effort": record.effort[inside].mean()}


def _theirs(peer: PeerScenario) -> tuple[pd.DataFrame, dict]:
    table, _ = run_peer(peer)
    minute = table["tick"] // MINUTE
    weighted = (table["handled"] * table["ttc_s"].fillna(0)).groupby(minute).sum()
    series = pd.DataFrame({"effort": table["effort"].groupby(minute).first(),
                           "ttc_s": weighted / table["handled"].groupby(minute).sum()})
    during = table[(table["tick"] >= ATTACK[0]) & (table["tick"] <= ATTACK[1])]
    return series, {"ttc_s": mean_ttc(table), "connected": int(during["handled"].sum()),
                    "effort": during["effort"].mean()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "img"))
    args = parser.parse_args()
    rows, frames = [], []
    for name, (example, peer) in SCENARIOS.items():
        for program, (series, figures) in (("powsim", _ours(example, peer.rule)),
                                           ("effort_sim", _theirs(peer))):
            rows.append({"scenario": name, "program": program, **figures})
            frames.append(series.assign(scenario=name, program=program,
                                        t_s=series.index * MINUTE))
    table = pd.DataFrame(rows).pivot(index="scenario", columns="program")
    for figure in ("ttc_s", "connected", "effort"):
        table[(figure, "difference")] = table[(figure, "powsim")] / table[(figure, "effort_sim")] - 1
    print(table.round(3).to_markdown())
    long = pd.concat(frames).melt(id_vars=["scenario", "program", "t_s"], value_vars=["effort", "ttc_s"],
                                  var_name="figure")
    long["figure"] = long["figure"].map({"effort": "published effort (hashes)",
                                         "ttc_s": "mean time-to-connect per minute (s)"})
    origin = provenance(command="benchmarks/tor_compare.py")
    chart = alt.Chart(long).mark_line().encode(
        x=alt.X("t_s:Q", title="time (s)"), y=alt.Y("value:Q", title=None),
        color="program:N", strokeDash="program:N",
    ).properties(width=260, height=160).facet(
        row=alt.Row("figure:N", title=None), column=alt.Column("scenario:N", title=None)
    ).resolve_scale(y="independent").properties(
        title=alt.Title("powsim against effort_sim (attack 150-7350 s)"), usermeta={"powsim": origin})
    for path in save_chart(chart, Path(args.out) / "tor-comparison"):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
