"""A legitimate population: members are independent bootstrap draws from the pool's evaluation
part, on devices drawn from a mix; the reference is fitted on the calibration part only."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from powsim.cli import main
from powsim.errors import InputError
from powsim.hashcash.hardware import PROFILES
from powsim.sim.run import prepare, simulate
from powsim.model.parse import load_scenario
from powsim.sim.summary import summarize
from simkit import pool_file, query_trace, scenario_file

CALIBRATION_COST = 0.3  # every calibration query costs this: the fitted slope must be it


def _pool(folder, seed=0, size=4000):
    rng = np.random.default_rng(seed)
    evaluation = rng.gamma(2.0, 0.25, size)  # mean 0.5, sd ~0.354: far from the calibration part
    return pool_file(folder / "pool.parquet", np.full(size, CALIBRATION_COST), evaluation), evaluation


def _scenario(folder, legit: str, a: float = 1.0075) -> str:
    query_trace(folder / "attack.parquet", 0.6, 20)
    return scenario_file(folder, f"""
        [defense]
        policy = "paper"
        a = {a}
        reference = "pool.parquet"
        reference_hash_rate = 1e6
        queries_per_puzzle = 10
        [[agents]]
        kind = "legit"
        name = "users"
        trace = "pool.parquet"
        sample = "bootstrap"
        {legit}
        [[agents]]
        kind = "attacker"
        name = "thief"
        trace = "attack.parquet"
        hardware = "gpu"
    """)


def _run(path, seed=0):
    model = prepare(load_scenario(path))
    run = simulate(model, "sampled", seed)
    return model, run, summarize(model, run).set_index("agent")


def test_members_are_independent_draws_from_the_evaluation_part(tmp_path):
    _, evaluation = _pool(tmp_path)
    path = _scenario(tmp_path, "count = 200\nqueries = 100")
    model, run, _ = _run(path)
    assert model.policy.reference.slope == pytest.approx(CALIBRATION_COST)  # calibration part only
    users = run.events[run.events["agent"] == "users"]
    per_member = users.groupby("actor")[["queries", "cost"]].sum()
    assert (per_member["queries"] == 100).all() and len(per_member) == 200
    assert per_member["cost"].nunique() == 200  # no two members share a cost path
    # Mean cost per query over all 20,000 draws against the evaluation part's mean: within 4
    # standard errors (sd / sqrt(draws)), a false alarm about once in 16,000 runs.
    draws = per_member["queries"].sum()
    error = evaluation.std() / np.sqrt(draws)
    assert abs(per_member["cost"].sum() / draws - evaluation.mean()) < 4 * error
    # Members' totals are sums of 100 iid draws: their spread matches sd * sqrt(100) (chi-square
    # interval of the sample variance of 200 members, two-sided 99.9 %).
    variance = per_member["cost"].var() / (100 * evaluation.var())
    low, high = stats.chi2.ppf([0.0005, 0.9995], 199) / 199
    assert low < variance < high


def test_a_member_never_draws_from_the_calibration_part(tmp_path):
    _pool(tmp_path)
    _, run, _ = _run(_scenario(tmp_path, "count = 50\nqueries = 10\n"), seed=3)
    users = run.events[run.events["agent"] == "users"]
    # A batch of 10 calibration queries would cost exactly 3.0.
    assert not np.isclose(users["cost"], 10 * CALIBRATION_COST).any()


def test_query_counts_follow_the_lognormal_law(tmp_path):
    _pool(tmp_path)
    path = _scenario(tmp_path, 'count = 400\nqueries = {dist = "lognormal", median = 300, sigma = 0.8}')
    _, run, _ = _run(path)
    queries = run.events[run.events["agent"] == "users"].groupby("actor")["queries"].sum()
    # Rounding to whole queries moves log(q) by under 1/(2q), about 0.002 at the median and
    # 0.02 at q = 25 (the 0.1 % quantile): far below what a KS test of 400 members resolves.
    result = stats.kstest(np.log(queries), stats.norm(np.log(300), 0.8).cdf)
    assert result.pvalue > 0.001


def test_hardware_mix_shares_and_dollars_at_each_members_own_device(tmp_path):
    _pool(tmp_path)
    path = _scenario(tmp_path, 'count = 600\nqueries = 20\n'
                               'hardware = {phone-browser = 0.3, laptop-cpu = 0.5, browser = 0.2}')
    _, run, summary = _run(path)
    members = run.members[run.members["agent"] == "users"]
    counts = members["hardware"].value_counts().reindex(["phone-browser", "laptop-cpu", "browser"])
    assert stats.chisquare(counts, 600 * np.array([0.3, 0.5, 0.2])).pvalue > 0.001
    users = run.events[run.events["agent"] == "users"]
    hashes = users.groupby("actor")["trials"].sum()
    devices = members.set_index("actor")["hardware"]
    expected = sum(PROFILES[devices[actor]].dollars(h) for actor, h in hashes.items())
    assert summary.loc["users", "dollars"] == pytest.approx(expected, rel=1e-12)
    assert summary.loc["users", "hardware"] == "mix(phone-browser=0.3, laptop-cpu=0.5, browser=0.2)"
    # A phone solves the same puzzles 7x slower than a laptop (0.1 against 0.7 MH/s).
    solve = users.assign(device=users["actor"].map(devices)).groupby("device")
    ratio = (solve["solve_s"].sum() / solve["trials"].sum())
    assert ratio["phone-browser"] / ratio["laptop-cpu"] == pytest.approx(7.0)


def test_summary_describes_the_members_overhead_distribution(tmp_path):
    _pool(tmp_path)
    _, run, summary = _run(_scenario(tmp_path, 'count = 300\nqueries = {dist = "uniform", low = 10, high = 400}',
                                     a=1.5))
    users = run.events[run.events["agent"] == "users"]
    per = users.groupby("actor")[["service_s", "solve_s"]].sum()
    overhead = (per["service_s"] + per["solve_s"]) / per["service_s"]
    row = summary.loc["users"]
    assert row["overhead_p95"] == pytest.approx(overhead.quantile(0.95))
    assert row["overhead_p99"] == pytest.approx(overhead.quantile(0.99))
    assert row["overhead_max"] == pytest.approx(overhead.max())
    assert row["share_over_2x"] == pytest.approx((overhead > 2).mean())
    assert 0 < row["share_over_2x"] < 1  # a = 1.5 splits this population
    for total in ("dollars", "kwh", "hashes", "time_pow_s"):  # per-member figures: totals / members
        assert row[f"{total}_per_member"] == pytest.approx(row[total] / 300)
    assert row["hashes"] == users["trials"].sum()


def test_same_seed_same_population_other_seed_other_users(tmp_path):
    _pool(tmp_path)
    path = _scenario(tmp_path, 'count = 20\nqueries = {dist = "lognormal", median = 50, sigma = 1}')
    first, again, other = (_run(path, seed)[1].events for seed in (0, 0, 1))
    assert first.equals(again)
    assert not first["cost"].equals(other["cost"])


@pytest.mark.parametrize("legit, message", [
    ("count = 2", "(legit).queries: missing, expected a number of queries"),
    ('count = 2\nqueries = 10\nhardware = {gpu = 0.5, laptop-cpu = 0.6}', "shares sum to 1.1, expected 1"),
    ('count = 2\nqueries = 10\nhardware = {abacus = 1.0}', "hardware.abacus: unknown hardware profile"),
    ('count = 2\nqueries = {dist = "lognormal", median = 10}', "queries.sigma: missing"),
    ('count = 2\nqueries = {dist = "pareto", median = 10}', "queries.dist: 'pareto', expected one of"),
    ('count = 2\nqueries = -4', "queries: -4, expected a whole number of queries >= 1"),
])
def test_bad_population_is_one_line(tmp_path, capsys, legit, message):
    _pool(tmp_path)
    path = _scenario(tmp_path, legit)
    assert main(["simulate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_queries_without_bootstrap_and_a_pool_without_its_split_are_refused(tmp_path):
    _pool(tmp_path)
    query_trace(tmp_path / "plain.parquet", 0.4, 10, logq=-5.0)
    query_trace(tmp_path / "bare.parquet", 0.4, 10)
    path = _scenario(tmp_path, "count = 2")
    text = path.read_text()
    scenario_file(tmp_path, text.replace('trace = "pool.parquet"', 'trace = "plain.parquet"'), "a.toml")
    with pytest.raises(InputError, match=r"plain.parquet: metadata field 'extra.split' is None"):
        load_scenario(tmp_path / "a.toml")
    scenario_file(tmp_path, text.replace('trace = "pool.parquet"', 'trace = "bare.parquet"'), "c.toml")
    with pytest.raises(InputError, match=r"bare.parquet: missing column 'logq', expected a pool"):
        load_scenario(tmp_path / "c.toml")
    scenario_file(tmp_path, text.replace('sample = "bootstrap"', "queries = 5"), "b.toml")
    with pytest.raises(InputError, match=r"queries: set with sample = \"replay\""):
        load_scenario(tmp_path / "b.toml")


def test_what_if_example_is_a_population_on_mixed_devices_beside_two_attackers():
    """What examples/what-if-a.toml's header says it demonstrates, on the bundled pool."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "what-if-a.toml"
    model, run, summary = _run(example, seed=2)
    members = run.members[run.members["agent"] == "users"]
    queries = run.events[run.events["agent"] == "users"].groupby("actor")["queries"].sum()
    assert len(members) == 1000 and set(members["hardware"]) == {"phone-browser", "browser",
                                                                  "laptop-cpu"}
    # Lognormal(median 500, sigma 1) query counts: the sample median within 10 % of 500 (its
    # standard error is about 1.25 x 500 / sqrt(1000) = 20, so 50 is 2.5 of them).
    assert abs(queries.median() - 500) < 50 and queries.max() > 5 * queries.median()
    # The reference is the pool's calibration part, not any user's queries.
    assert model.scenario.defense.reference.source.endswith("(calibration part)")
    users, knockoff, ring = (summary.loc[name] for name in ("users", "knockoff", "ring"))
    assert users["overhead_p95"] < 2.0 < knockoff["overhead"]  # the paper's a separates them
    assert ring["overhead"] < knockoff["overhead"]  # 20 accounts dilute the ring's diff
    assert ring["hardware"] == "gpu" and knockoff["hardware"] == "laptop-cpu"
