"""``powsim report`` on a load scenario: what the legitimate clients pay, how many workers, and
how many against the attack's intensity.

A load scenario has no per-account a to choose (its difficulty follows the load rule), so the
report answers two questions. What the clients pay: at the scenario's own worker count, each
legitimate group's connect rate, time-to-connect quantiles (the lost never connecting) and the
seconds added per request and per 1,000 queries, means over replications with their 95 % CI
over each run's steady-state window (:func:`~powsim.sweep.capacity.replication_summary`);
beside them, each attacker group's US$ per served request over the clients'. How
many workers: :func:`~powsim.sweep.capacity.capacity`, then again with every botnet's request
rate (``max_rate_hz``) multiplied by each of :data:`INTENSITIES` (botnets without a finite rate
are left as they are; without any, the attack has no intensity to vary).
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from powsim.errors import InputError, ParameterError
from powsim.model.load import Botnet, LoadScenario, Sessions, Stream
from powsim.sweep.capacity import Slo, capacity, replication_summary, smallest
from powsim.sweep.executor import Executor
from powsim.sweep.table import figure_intervals, intervals

INTENSITIES = (0.5, 1.0, 2.0, 4.0)  # multiples of the botnets' rates the workers are found for
# What the clients' table reports per legitimate group (metrics of powsim.stats.metrics).
CLIENT_FIGURES = ("connect_rate", "ttc_p50_s", "ttc_p95_s", "added_with_queue_s",
                  "added_with_queue_s_per_1000q", "overhead_with_queue")


def legit_group(scenario: LoadScenario) -> str:
    """The first legitimate group whose clients are followed (a stream, or legit sessions)."""
    roles = dict(zip(scenario.groups, scenario.roles))
    names = [agent.name for agent in scenario.clients if roles[agent.name] == "legit"]
    if not names:
        raise InputError(f"{scenario.source}: [[agents]]: no stream or legitimate sessions entry, "
                         "expected one (the clients whose cost the report answers for)")
    return names[0]


def check_legit(scenario: LoadScenario, legit: str) -> None:
    """Before any run: ``legit`` names a followed legitimate group of ``scenario``."""
    roles = dict(zip(scenario.groups, scenario.roles))
    names = [agent.name for agent in scenario.clients if roles[agent.name] == "legit"]
    if legit not in names:
        raise ParameterError(f"{{legit}}: {legit!r}, expected a stream or legitimate sessions "
                             f"entry of {scenario.source}: {', '.join(names) or 'none'}")


def attack_rate_hz(scenario: LoadScenario) -> float:
    """The botnets' summed request rate (machines x max_rate_hz; inf when one has no cap)."""
    return sum(b.machines * b.max_rate_hz for b in scenario.botnets)


def load_assumptions(scenario: LoadScenario) -> pd.DataFrame:
    """The arrivals, devices and attack the answers rest on, as the scenario states them."""
    server, rule = scenario.server, scenario.difficulty
    rows = [(f"stream {s.name}: arrival rate (clients/s)", f"{s.rate_hz:g}") for s in scenario.streams]
    rows += [(f"stream {s.name}: device mix",
              "mix(" + ", ".join(f"{h.name}={w:g}" for h, w in s.mix) + ")" if s.mix
              else s.hardware.name) for s in scenario.streams]
    rows += [(f"sessions {s.name} ({s.role})", f"{s.accounts:,} accounts on {s.hardware.name}, "
              f"{'all at start' if s.rate_hz is None else f'{s.rate_hz:g}/s'}")
             for s in scenario.sessions]
    rows += [(f"botnet {b.name}", f"{b.machines:,} x {b.hardware.name}, at most "
              f"{b.max_rate_hz:g} requests/s each, {b.start_s:g} to {b.end_s:g} s")
             for b in scenario.botnets]
    rows += [("difficulty rule", f"{rule.rule} (published every {rule.update_s:g} s)"),
             ("server", f"{server.workers} workers, {server.admission}, {server.service} "
              f"service of {server.service_s:g} s"),
             ("run", f"{scenario.duration_s:g} s, warm-up "
              f"{'MSER-5' if scenario.warmup_s is None else f'{scenario.warmup_s:g} s'}")]
    return pd.DataFrame(rows, columns=["assumption", "value"])


def client_runs(scenario: LoadScenario, replications: int, seed: int, executor: Executor
                ) -> pd.DataFrame:
    """Per-replication summaries of ``scenario`` at its own worker count."""
    calls = [(replication_summary, scenario, scenario.server.workers, seed, r)
             for r in range(replications)]
    return pd.concat([result for _, result in executor.run(calls)], ignore_index=True)


def client_table(runs: pd.DataFrame, scenario: LoadScenario) -> pd.DataFrame:
    """What each legitimate group of ``runs`` (:func:`client_runs`) pays (long: agent x
    figure)."""
    followed = [agent.name for agent in scenario.clients]
    runs = runs[runs["agent"].isin(followed) & (runs["kind"] == "legit")]
    return figure_intervals(runs, ["agent", "kind"], CLIENT_FIGURES)


def dollars_per_hash(agent: Stream | Sessions | Botnet) -> float:
    """US$ per hash on a group's hardware (a stream's mix weighted by its shares of clients,
    who each pay the same published effort)."""
    devices = getattr(agent, "mix", ()) or ((agent.hardware, 1.0),)
    return sum(share * h.price_per_hour_usd / 3600 / h.hash_rate_hz for h, share in devices)


def cost_ratios(runs: pd.DataFrame, scenario: LoadScenario, legit: str) -> pd.DataFrame:
    """Per attacker group of ``runs`` (:func:`client_runs`): its US$ per served request over
    ``legit``'s in the same replication (each at its own hardware), mean and CI."""
    agents = {agent.name: agent for agent in (*scenario.clients, *scenario.botnets)}
    roles = dict(zip(scenario.groups, scenario.roles))
    cost = (runs["hashes"] / runs["handled"].where(runs["handled"] > 0)
            * runs["agent"].map(lambda name: dollars_per_hash(agents[name])))
    per = runs.assign(cost=cost)
    users = per[per["agent"] == legit].set_index("replication")["cost"]
    attackers = per[per["agent"].map(roles) == "attacker"]
    ratios = attackers.assign(cost_ratio=attackers["cost"] / attackers["replication"].map(users))
    return intervals(ratios, ["agent"], ["cost_ratio"]).drop(columns="figure")


def scaled(scenario: LoadScenario, factor: float) -> LoadScenario:
    """``scenario`` with every botnet's finite ``max_rate_hz`` multiplied by ``factor``."""
    botnets = tuple(dataclasses.replace(b, max_rate_hz=b.max_rate_hz * factor)
                    if math.isfinite(b.max_rate_hz) else b for b in scenario.botnets)
    return dataclasses.replace(scenario, botnets=botnets)


def has_intensity(scenario: LoadScenario) -> bool:
    """Whether a botnet has a finite rate to vary."""
    return any(math.isfinite(b.max_rate_hz) for b in scenario.botnets)


def intensity_table(scenario: LoadScenario, slo: Slo, workers: list[int], replications: int,
                    seed: int, executor: Executor, progress: bool = False) -> pd.DataFrame:
    """Per multiple of the botnets' rates: the attack's rate (requests/s) and the smallest
    worker count meeting ``slo`` (NaN: none of ``workers``), with its metric's mean and CI."""
    rows = []
    for factor in INTENSITIES:
        table = capacity(scaled(scenario, factor), slo, workers, replications, seed, executor,
                         progress)
        answer = smallest(table)
        met = table[table["workers"] == answer].iloc[0] if answer is not None else None
        rows.append({"intensity": factor, "attack_rate_hz": attack_rate_hz(scaled(scenario, factor)),
                     "workers_needed": math.nan if answer is None else answer,
                     **{k: math.nan if met is None else float(met[k])
                        for k in ("mean", "ci_low", "ci_high")}})
    return pd.DataFrame(rows)
