"""`powsim population import`: the laws of a synthetic request log drawn from known laws are
recovered within their standard errors, CSV and parquet give one block, the block loads and
runs as a scenario's users, and every bad log is one line, exit 2, and no file."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import assert_one_line_error
from powsim.model.parse import load_scenario
from powsim.model.population_fit import fit_population
from powsim.model.request_log import device_of_agent, read_log

REPO = Path(__file__).resolve().parents[1]
# The laws the synthetic log is drawn from (issue 19, item 5).
MEMBERS, MEDIAN, SIGMA, RATE_HZ, THINK_S = 400, 500.0, 1.0, 0.5, 5.0
MIX = {"browser": 0.7, "phone-browser": 0.3}
BATCH = 64  # queries per request, the last request of a member taking the rest
AGENTS = {"browser": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
          "phone-browser": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148 Safari/604.1"}


def synthetic_log(seed: int = 7, members: int = MEMBERS) -> pd.DataFrame:
    """One row per request (time, account, queries, device, user_agent), accounts interleaved
    in time order: members arrive as a Poisson stream, ask a lognormal number of queries in
    requests of BATCH, an exponential think time apart, on a device drawn from MIX."""
    rng = np.random.default_rng(seed)
    starts = np.cumsum(rng.exponential(1 / RATE_HZ, members))
    totals = np.maximum(np.round(MEDIAN * np.exp(SIGMA * rng.standard_normal(members))), 1)
    devices = rng.choice(list(MIX), members, p=list(MIX.values()))
    rows = []
    for member, (start, total, device) in enumerate(zip(starts, totals.astype(int), devices)):
        sizes = [BATCH] * ((total - 1) // BATCH) + [total - BATCH * ((total - 1) // BATCH)]
        times = start + np.concatenate([[0.0], np.cumsum(rng.exponential(THINK_S, len(sizes) - 1))])
        rows += [(t, f"acct-{member:04d}", q, device, AGENTS[device]) for t, q in zip(times, sizes)]
    frame = pd.DataFrame(rows, columns=["time", "account", "queries", "device", "user_agent"])
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


def _fit(frame: pd.DataFrame, folder: Path, **options):
    path = folder / "log.csv"
    frame.to_csv(path, index=False)
    return fit_population(read_log(path), **options)


def _errors(fit) -> dict[str, tuple[float, float, tuple[float, float]]]:
    """For each fitted parameter: (estimate - truth) / its standard error, and the estimate's
    95 % CI with the truth, on the scale the CI is built on. Standard errors: the mean log
    sigma / sqrt(n); sigma's sigma / sqrt(2n) (normal theory); a rate from n - 1 gaps
    rate / sqrt(n - 1); an exponential mean from m gaps mean / sqrt(m); a share sqrt(p(1-p)/n)."""
    n, p = fit.members, MIX["browser"]
    return {
        "median": ((math.log(fit.median) - math.log(MEDIAN)) / (SIGMA / math.sqrt(n)),
                   MEDIAN, fit.median_ci),
        "sigma": ((fit.sigma - SIGMA) / (SIGMA / math.sqrt(2 * n)), SIGMA, fit.sigma_ci),
        "arrival_rate_hz": ((fit.arrival_rate_hz - RATE_HZ) / (RATE_HZ / math.sqrt(n - 1)),
                            RATE_HZ, fit.arrival_ci),
        "think_s": ((fit.think_s - THINK_S) / (THINK_S / math.sqrt(fit.gaps)), THINK_S, fit.think_ci),
        "browser": ((fit.devices["browser"][0] - p) / math.sqrt(p * (1 - p) / n), p,
                    fit.devices["browser"][1]),
    }


def test_known_laws_are_recovered_within_three_standard_errors(tmp_path):
    # Five estimates, each within 3 standard errors of its law's value: a fixed seed fails
    # this with probability about 5 x 0.27 % = 1.3 % if the estimators are unbiased.
    # Seed 7 was not chosen (the first tried): its median is the furthest, -2.2 standard
    # errors, just outside its own 95 % CI, as one parameter in four is on some seed.
    fit = _fit(synthetic_log(seed=7), tmp_path)
    assert fit.members == MEMBERS and fit.requests == len(synthetic_log(seed=7))
    for name, (z, _, _) in _errors(fit).items():
        assert abs(z) <= 3, (name, z)
    assert set(fit.devices) == set(MIX)
    # The log queries are normal: Lilliefors' test rejects at 5 % one seed in 20.
    assert fit.ks_p_fitted > 0.05 and fit.ks_p >= fit.ks_p_fitted  # the plain test is optimistic


def test_ks_rejects_a_population_that_is_not_lognormal(tmp_path):
    # Two kinds of member, one request each: medians 50 and 5,000, sigma 0.3. The log queries
    # are two normals 4.6 apart (bimodal): the fitted normal's CDF misses theirs by D = 0.26
    # (seed 3), five times the 1 % critical value of 400 members (~0.05); Lilliefors' p is
    # then the Monte Carlo floor, 1 / 1000.
    rng = np.random.default_rng(3)
    medians = np.where(np.arange(MEMBERS) % 2, 50.0, 5000.0)
    frame = pd.DataFrame({"time": np.arange(MEMBERS, dtype=float),
                          "account": [f"acct-{i}" for i in range(MEMBERS)],
                          "queries": np.round(medians * np.exp(0.3 * rng.standard_normal(MEMBERS)))})
    fit = _fit(frame, tmp_path)
    assert fit.ks_p_fitted < 0.01 and fit.ks_statistic > 0.1, fit



def test_cis_cover_the_true_laws_at_their_level(tmp_path):
    # 40 logs of 100 members: each 95 % CI is exact (t, chi-square, gamma) or conservative
    # (Clopper-Pearson), so it covers its law's value in Binomial(40, >= 0.95) logs; at least
    # 33 covers fails with probability P(X <= 32) = 0.07 % per parameter (fixed seeds).
    covered = {}
    for seed in range(40):
        for name, (_, truth, (low, high)) in _errors(_fit(synthetic_log(seed, 100), tmp_path)).items():
            covered[name] = covered.get(name, 0) + (low <= truth <= high)
    assert all(count >= 33 for count in covered.values()), covered


def _block(text: str) -> str:
    """The written text less its provenance lines (source file, command, time)."""
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith(("# provenance:", "# Population fitted")))


def test_csv_parquet_and_user_agents_give_one_block(cli, tmp_path):
    frame = synthetic_log()
    frame.to_csv(tmp_path / "log.csv", index=False)
    frame.to_parquet(tmp_path / "log.parquet", index=False)
    frame.drop(columns="device").to_csv(tmp_path / "agents.csv", index=False)
    texts = []
    for log in ("log.csv", "log.parquet", "agents.csv"):
        result = cli("population", "import", tmp_path / log, "--out", tmp_path / f"{log}.toml")
        assert result.code == 0, result.err
        texts.append((tmp_path / f"{log}.toml").read_text())
        assert (tmp_path / f"{log}.toml.provenance.json").is_file()
    assert _block(texts[0]) == _block(texts[1])
    assert _block(texts[0]).replace("from device", "from user_agent") == _block(texts[2])
    assert "source: log.parquet" in texts[1] and '"command": "powsim population import' in texts[1]
    assert re.search(r"Kolmogorov-Smirnov .* p = [0-9.]+", texts[0])


def test_the_block_runs_as_the_example_users(cli, tmp_path):
    # examples/what-if-a.toml with its users entry replaced by the fitted block; the copy sits in
    # an examples/ folder beside a link to the repository's traces, so every path resolves.
    (tmp_path / "traces").symlink_to(REPO / "traces")
    (tmp_path / "examples").mkdir()
    synthetic_log().to_csv(tmp_path / "log.csv", index=False)
    out = tmp_path / "users.toml"
    assert cli("population", "import", tmp_path / "log.csv", "--out", out, "--count", 60).code == 0
    example = (REPO / "examples" / "what-if-a.toml").read_text()
    users = re.compile(r'\[\[agents\]\]\nkind = "legit".*?\n(?=\[\[agents\]\])', re.S)
    assert users.search(example)
    scenario = tmp_path / "examples" / "fitted.toml"
    scenario.write_text(users.sub(lambda _: out.read_text() + "\n", example))
    spec = next(agent for agent in load_scenario(scenario).agents if agent.name == "users")
    fit = _fit(synthetic_log(), tmp_path)
    assert spec.kind == "legit" and spec.sample == "bootstrap" and spec.count == 60
    assert spec.queries.law == "lognormal"
    assert spec.queries.first == pytest.approx(fit.median, rel=1e-5)
    assert spec.queries.second == pytest.approx(fit.sigma, rel=1e-5)
    assert spec.arrival_rate_hz == pytest.approx(fit.arrival_rate_hz, rel=1e-5)
    assert spec.think_s == pytest.approx(fit.think_s, rel=1e-5)
    assert {p.name: s for p, s in zip(spec.mix.profiles, spec.mix.shares)} == pytest.approx(
        {name: share for name, (share, _) in fit.devices.items()}, abs=1e-6)
    result = cli("simulate", scenario, "--out", tmp_path / "run")
    assert result.code == 0, result.err
    summary = pd.read_csv(tmp_path / "run" / "summary.csv").set_index("agent")
    assert summary.loc["users", "queries"] > 60  # every member asked at least one query


def test_user_agents_map_to_profiles():
    assert device_of_agent(AGENTS["phone-browser"]) == "phone-browser"
    assert device_of_agent("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120.0") == "phone-browser"
    assert device_of_agent(AGENTS["browser"]) == "browser"
    assert device_of_agent("python-requests/2.31") == "laptop-cpu"
    assert device_of_agent("curl/8.4.0") == "laptop-cpu"


def test_iso_times_and_sessions(tmp_path):
    frame = synthetic_log(members=50)
    seconds = _fit(frame, tmp_path)
    stamps = frame.assign(time=(pd.Timestamp("2026-12-04T06:00:00Z")
                                + pd.to_timedelta(frame["time"], unit="s")).dt.strftime(
                                    "%Y-%m-%dT%H:%M:%S.%fZ"))
    # ISO times keep microseconds: the same fit to float rounding.
    pd.testing.assert_frame_equal(_fit(stamps, tmp_path).summary(), seconds.summary(), rtol=1e-9)
    # Every account comes back once, an hour after its last request: with a 30-minute
    # session gap it is two members, and the hour is no think time.
    back = frame.groupby("account").tail(1).assign(time=lambda f: f["time"] + 3600)
    twice = pd.concat([frame, back]).sort_values("time", kind="stable")
    sessions = _fit(twice, tmp_path, session_gap_s=1800)
    assert sessions.members == 100 and sessions.think_s == pytest.approx(seconds.think_s)
    assert _fit(twice, tmp_path).think_s > seconds.think_s


def _truncated_parquet(path: Path) -> None:
    synthetic_log(members=20).to_parquet(path, index=False)
    path.write_bytes(path.read_bytes()[:200])


BAD_LOGS = {
    "missing column": (lambda f: f.drop(columns="queries"), "no 'queries' column"),
    "NaN": (lambda f: f.assign(queries=f["queries"].where(f.index != 5)),
            "field 'queries' row 5: missing value"),
    "negative queries": (lambda f: f.assign(queries=f["queries"].where(f.index != 3, -4)),
                         "field 'queries' row 3: '-4', expected a whole number of queries >= 1"),
    "time going back": (lambda f: f.assign(time=f["time"].where(
        f.index != f.index[f["account"] == f["account"].iloc[0]][1], 0.0)),
        "expected each account's requests in time order"),
    "unknown device": (lambda f: f.assign(device=f["device"].where(f.index != 2, "toaster")),
                       "field 'device' row 2: 'toaster', expected one of"),
    "NaN time": (lambda f: f.assign(time=f["time"].where(f.index != 4)),
                 "field 'time' row 4: missing value"),
}


@pytest.mark.parametrize("case", [*BAD_LOGS, "empty file", "header only", "truncated parquet"])
def test_a_bad_log_is_one_line_and_no_file(cli, tmp_path, case):
    log = tmp_path / ("log.parquet" if case == "truncated parquet" else "log.csv")
    if case in BAD_LOGS:
        change, expected = BAD_LOGS[case]
        change(synthetic_log(members=20)).to_csv(log, index=False)
    elif case == "empty file":
        log.write_text("")
        expected = "no rows, expected one row per request"
    elif case == "header only":
        log.write_text("time,account,queries\n")
        expected = "no rows, expected one row per request"
    else:
        _truncated_parquet(log)
        expected = "not a readable parquet file"
    assert_one_line_error(cli("population", "import", log, "--out", tmp_path / "out" / "users.toml"),
                          str(log), expected)
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [log.name]


def test_the_log_is_never_overwritten(cli, tmp_path):
    log = tmp_path / "log.csv"
    synthetic_log(members=20).to_csv(log, index=False)
    before = log.read_bytes()
    assert_one_line_error(cli("population", "import", log, "--out", log), "is the log being read")
    assert log.read_bytes() == before


def test_an_out_that_cannot_be_written_is_refused_before_reading(cli, tmp_path):
    (tmp_path / "users.toml").mkdir()
    assert_one_line_error(cli("population", "import", tmp_path / "absent.csv", "--out",
                              tmp_path / "users.toml"), "option --out", "is a folder")
