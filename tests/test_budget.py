"""Sizes and late checks: every run too big for the machine, and every input a long run would
only find bad at its end, is refused in one line before any work (exit 2, nothing written).

A product of valid sizes is refused with its estimate (powsim.budget) unless --no-limits;
a grid or a worker range too large to hold is refused while parsing, before it is built.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from simkit import query_trace
from test_bad_input_corpus import good_query_trace, scenario, snapshot, text_file

from powsim import budget

REPO = Path(__file__).resolve().parents[1]
LOAD = REPO / "examples" / "tor-small-botnet.toml"
QUICKSTART = REPO / "examples" / "quickstart.toml"
USERS = '[[agents]]\nkind = "legit"\nname = "users"\ntrace = "synth-standard.parquet"'
Build = Callable[[Path], list[str]]


def _load(folder: Path, old: str, new: str, extra: str = "") -> Path:
    text = LOAD.read_text()
    assert old in text
    return text_file(folder, "load.toml", text.replace(old, new) + extra)


def _simulate_load(old: str, new: str, extra: str = "") -> Build:
    return lambda f: ["simulate", str(_load(f, old, new, extra)), "--out", str(f / "out")]


def _many_sessions(folder: Path) -> list[str]:
    # 100,000 accounts at once, each sending 4,000 one-query requests: 4e8 requests in all.
    text = (REPO / "examples" / "sybil-botnet-under-load.toml").read_text()
    for old, new in [("accounts = 400\nrate_hz = 0.5\n", "accounts = 100000\n"),
                     ("queries = 64\nrequests = 20\n", "queries = 1\nrequests = 4000\n"),
                     ('"../traces/', f'"{REPO}/traces/')]:
        assert old in text
        text = text.replace(old, new)
    return ["simulate", str(text_file(folder, "load.toml", text)), "--out", str(folder / "out")]


def _capacity(*options: str) -> Build:
    def build(folder: Path) -> list[str]:
        given = {"--slo": "clients.ttc_p95<=5", "--workers": "1:2", "--replications": "2",
                 **dict(zip(options[::2], options[1::2]))}
        return ["capacity", str(LOAD), *[f"{k}={v}" for k, v in given.items()],
                "--out", str(folder / "out")]
    return build


def _sweep(*options: str) -> Build:
    return lambda f: ["sweep", str(scenario(f)), *options, "--out", str(f / "out"),
                      "--jobs", "0"]


def _calibrate(*options: str, legit: bool = True) -> Build:
    def build(folder: Path) -> list[str]:
        path = scenario(folder, extra=USERS if legit else "")
        given = {"--legit": "users", "--replications": "2", **dict(zip(options[::2], options[1::2]))}
        return ["calibrate", str(path), *[f"{k}={v}" for k, v in given.items()],
                "--out", str(folder / "out"), "--jobs", "0"]
    return build


def _only_users(folder: Path) -> list[str]:
    path = text_file(folder, "users.toml", scenario(folder).read_text().replace(
        'kind = "attacker"\nname = "x"', 'kind = "legit"\nname = "users"'))
    return ["calibrate", str(path), "--legit", "users", "--out", str(folder / "out"),
            "--jobs", "0"]


def _stream_queries(folder: Path) -> list[str]:
    query_trace(folder / "t256.parquet", 0.01, batches=16, batch_size=16, attack="standard")
    defense = ('[defense]\npolicy = "paper"\nreference = "t256.parquet"\n'
               "reference_hash_rate = 1000.0\n")
    text = defense + LOAD.read_text().replace(
        'name = "clients"', 'name = "clients"\ntrace = "t256.parquet"\nqueries = 1000').replace(
        'name = "botnet"', 'name = "botnet"\ntrace = "t256.parquet"')
    return ["simulate", str(text_file(folder, "load.toml", text)), "--out", str(folder / "out")]


def _table(*options: str) -> Build:
    def build(folder: Path) -> list[str]:
        good_query_trace(folder)
        return ["table", "--traces", str(folder), *options, "--out", str(folder / "t.md")]
    return build


def _long_table(folder: Path) -> list[str]:
    good_query_trace(folder)
    query_trace(folder / "synth-long.parquet", 0.01, batches=100_000, batch_size=1, attack="long")
    return ["table", "--traces", str(folder), "--mode", "sampled", "--replications", "10000",
            "--out", str(folder / "t.md")]


def _set_into(value: str, key: str) -> Build:
    def build(folder: Path) -> list[str]:
        path = scenario(folder)
        text_file(folder, "s.toml", f"{value}\n" + path.read_text().replace("[server]\n", ""))
        return ["simulate", str(folder / "s.toml"), "--set", key, "--out", str(folder / "out")]
    return build


def _fifo_scenario(folder: Path) -> list[str]:
    os.mkfifo(folder / "s.toml")
    return ["simulate", str(folder / "s.toml"), "--out", str(folder / "out")]


def _points_is_a_file(folder: Path) -> list[str]:
    (folder / "out").mkdir()
    text_file(folder / "out", "points", "a file where the sweep keeps its points")
    return _sweep("--grid", "defense.a=1.1")(folder)


ESTIMATE = ("an estimated", "--no-limits")

# Sizes: products of valid values, and sizes that cannot even be built.
SIZE_CASES: list[tuple[str, Build, tuple[str, ...]]] = [
    ("capacity-replications-unbounded", _capacity("--replications", "100000"), ("--replications",)),
    ("capacity-workers-range", _capacity("--workers", "1:1000000000000"), ("--workers", "at most 10,000")),
    ("capacity-workers-product", _capacity("--workers", "1:10000", "--replications", "10000"), ESTIMATE),
    ("load-workers-billion", _simulate_load("workers = 1\n", "workers = 1000000000\n"), ("workers", "10,000")),
    ("sweep-grid-billion-values", _sweep("--grid", "defense.a=lin:1.001:1.1:1000000000"),
     ("--grid", "at most 100,000 values")),
    ("sweep-grid-product", _sweep("--grid", "defense.a=lin:1:2:100000", "--grid",
                                  "server.workers=lin:1:100:100000"), ("--grid", "points, expected at most")),
    ("sweep-points-x-replications", _sweep("--grid", "defense.a=lin:1:2:100000", "--replications",
                                           "10000"), ("100,000 grid points", *ESTIMATE)),
    ("sweep-last-point-large", _sweep("--grid", "agents.0.count=1,100000", "--replications", "1000"),
     ("2 grid points", *ESTIMATE)),
    ("load-tick-nano", _simulate_load("warmup_s = 150.0", "warmup_s = 150.0\ntick_s = 1e-9"), ESTIMATE),
    ("load-update-nano", _simulate_load("update_s = 300.0", "update_s = 1e-9"), ESTIMATE),
    ("load-duration-5e7", _simulate_load("duration_s = 9000.0", "duration_s = 5e7"), ESTIMATE),
    ("load-rate-1e12", _simulate_load("rate_hz = 20.0", "rate_hz = 1e12"), ESTIMATE),
    ("load-sessions-accounts-x-requests", _many_sessions, ("4.05e+08 simulated requests", *ESTIMATE)),
    ("load-min-effort-1e308", _simulate_load("min_effort = 1000.0", "min_effort = 1e308"), ("min_effort",)),
    ("load-stream-asks-1000-of-256", _stream_queries, ("queries", "<= 256")),
    ("load-stream-asks-1e18", _simulate_load('name = "clients"', f'name = "clients"\nqueries = {10**18}'),
     ("queries", "<= 1,000,000")),
    ("quickstart-99000-x-10000", lambda f: ["simulate", str(QUICKSTART), "--set", "agents.0.count=99000",
                                            "--mode", "sampled", "--replications", "10000",
                                            "--out", str(f / "out")], ESTIMATE),
    ("table-sampled-long-trace-x-replications", _long_table, ("--replications 10000", *ESTIMATE)),
    ("validate-sha256-28-bits", lambda f: ["hashcash", "validate", "--bits", "28", "--samples", "100000"],
     ("SHA-256 hashes", *ESTIMATE)),
    ("validate-argon2-iterations-max", lambda f: ["hashcash", "validate", "--puzzle", "argon2id",
                                                  "--iterations", "4294967295", "--bits", "1"],
     ("argon2id trials", *ESTIMATE)),
    ("bench-argon2-iterations-max", lambda f: ["hashcash", "bench", "--puzzle", "argon2id",
                                               "--iterations", "4294967295", "--no-save"],
     ("a bench's first 10 trials", *ESTIMATE)),
    ("bench-scrypt-p-huge", lambda f: ["hashcash", "bench", "--puzzle", "scrypt", "--n", "1024",
                                       "--p", "100000000", "--no-save"], ("scrypt",)),
]

# Checks that used to come only after the work.
LATE_CASES: list[tuple[str, Build, tuple[str, ...]]] = [
    ("calibrate-legit-unknown", _calibrate("--legit", "nobody"), ("--legit", "'nobody'", "users")),
    ("calibrate-legit-is-attacker", _calibrate("--legit", "x"), ("--legit", "attacker entry")),
    ("calibrate-only-legit", _only_users, ("only the legitimate group",)),
    ("calibrate-max-p95-one", _calibrate("--max-p95", "1.0"), ("--max-p95",)),
    ("calibrate-grid-text", _calibrate("--grid", "defense.a=abc"), ("--grid", "'abc'")),
    ("calibrate-grid-bool", _calibrate("--grid", "defense.a=true"), ("--grid", "True")),
    ("calibrate-grid-list", _calibrate("--grid", "defense.a=[1.1, 1.2]"), ("--grid",)),
    ("calibrate-grid-table", _calibrate("--grid", "defense.a={x = 1}"), ("--grid",)),
    ("calibrate-grid-below-one", _calibrate("--grid", "defense.a=0.5,1.1"), ("--grid", "from 1")),
    ("unknown-key-suggests-the-nearest", lambda f: ["simulate", str(scenario(f, "reference_hash_rat = 1.0")),
                                                    "--out", str(f / "out")],
     ("unknown key 'reference_hash_rat' (did you mean 'reference_hash_rate'?)",)),
    ("set-unknown-key-suggests-three", lambda f: ["simulate", str(scenario(f)), "--set", "defense.aa=1",
                                                  "--out", str(f / "out")],
     ("'defense.aa': unknown key", "keys, e.g. defense.a,")),
    ("set-into-a-number", _set_into("server = 3", "server.workers=4"), ("server is 3", "expected a table")),
    ("set-into-a-string", _set_into('server = "big"', "server.workers=4"), ("expected a table",)),
    ("sweep-points-is-a-file", _points_is_a_file, ("points", "is a file")),
    ("scheduler-tls", _sweep("--grid", "defense.a=1.1", "--scheduler", "tls://127.0.0.1:8786"),
     ("--scheduler", "tcp://HOST:PORT")),
    ("scheduler-ucx", _sweep("--grid", "defense.a=1.1", "--scheduler", "ucx://127.0.0.1:8786"),
     ("--scheduler", "tcp://HOST:PORT")),
    ("scheduler-no-port", _sweep("--grid", "defense.a=1.1", "--scheduler", "tcp://127.0.0.1"),
     ("--scheduler",)),
    ("capacity-seed-negative", _capacity("--seed", "-1"), ("--seed",)),
    ("sweep-jobs-beyond-the-machine",
     lambda f: [*_sweep("--grid", "defense.a=1.1")(f)[:-1], "1000"],
     ("--jobs", "expected at most", "--no-limits")),
    ("capacity-former-dask-workers-beyond-the-machine",  # the option's former name still taken
     _capacity("--dask-workers", "1000"), ("--jobs",)),
    ("simulate-scenario-is-a-fifo", _fifo_scenario, ("not a regular file", "scenario TOML")),
    ("simulate-scenario-is-dev-zero", lambda f: ["simulate", "/dev/zero", "--out", str(f / "out")],
     ("/dev/zero", "not a regular file")),
    ("sweep-scenario-is-dev-zero", lambda f: ["sweep", "/dev/zero", "--grid", "defense.a=1.1",
                                              "--out", str(f / "out")], ("/dev/zero", "not a regular file")),
    ("simulate-scenario-too-big", lambda f: ["simulate", str(text_file(f, "big.toml", "#" * (17 * 2**20))),
                                             "--out", str(f / "out")], ("big.toml", "16,777,216 bytes")),
] + [
    (f"table-paper-{option[2:]}", _table(option, value), (option, "only with --mode"))
    for option, value in (("--policy", "one-sided"), ("--hardware", "gpu"), ("--seed", "7"),
                          ("--replications", "5"), ("--rdp-orders", "extended"),
                          ("--reference-hash-rate", "1e6"))
]

CASES = SIZE_CASES + LATE_CASES


@pytest.mark.parametrize("name, build, fragments", CASES, ids=[c[0] for c in CASES])
def test_refused_in_one_line_before_any_work(cli, tmp_path, name, build, fragments):
    argv = build(tmp_path)
    before = snapshot(tmp_path)
    began = time.monotonic()
    assert_one_line_error(cli(*argv), *fragments)
    assert time.monotonic() - began < 20  # refused up front, not after the run
    assert snapshot(tmp_path) == before


def test_the_estimates_follow_the_inputs():
    # 2 x 100,000 x 2^28 SHA-256 trials at 1e7/s: 5.4e6 s; the limit is an hour.
    from powsim.hashcash.families import puzzle

    work = budget.puzzle_work(puzzle("sha256"), [28], 100_000)
    assert work.amount == 2 * 100_000 * 2**28 and work.seconds == pytest.approx(5.37e6, rel=0.01)
    argon = budget.puzzle_work(puzzle("argon2id", memory_kib=1024, iterations=4), [2], 10)
    # 2 x 10 x 4 trials, each 1 MiB x 4 passes at 4e9 B/s
    assert argon.seconds == pytest.approx(80 * 2**20 * 4 / 4e9)
    assert budget.duration(90) == "1.5 min" and budget.duration(7200) == "2 h"


def test_the_bundled_examples_are_well_within_the_limit():
    from powsim.model.load_parse import declares_load, load_load_scenario
    from powsim.model.parse import load_scenario

    for path in sorted((REPO / "examples").glob("*.toml")):
        work = (budget.load_work(load_load_scenario(path), 20) if declares_load(path)
                else budget.simulate_work(load_scenario(path), 30))
        assert work.seconds < budget.LIMIT_S / 2, (path.name, work)


def test_no_limits_lets_a_user_go_ahead(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(budget, "LIMIT_S", 1e-9)
    argv = ["hashcash", "validate", "--bits", "2", "--samples", "3"]
    assert_one_line_error(cli(*argv), "option --bits 2 x --samples 3", "--no-limits")
    assert cli(*argv, "--no-limits").code == 0


def test_a_silent_server_is_not_a_scheduler(cli, tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        began = time.monotonic()
        argv = _sweep("--grid", "defense.a=1.1", "--scheduler", f"tcp://127.0.0.1:{port}")(tmp_path)
        assert_one_line_error(cli(*argv), "--scheduler", "cannot reach a dask scheduler")
        assert time.monotonic() - began < 10  # the 5 s connect timeout, not a hang


def test_a_damaged_cached_point_is_computed_again(cli, tmp_path):
    argv = _sweep("--grid", "defense.a=1.1,1.2", "--replications", "2")(tmp_path)
    assert cli(*argv).code == 0
    first = (tmp_path / "out" / "sweep.csv").read_text()
    for point in (tmp_path / "out" / "points").iterdir():
        point.write_bytes(b"not parquet")
    assert cli(*argv).code == 0
    assert (tmp_path / "out" / "sweep.csv").read_text() == first
