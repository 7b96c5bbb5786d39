"""The vectorised kernel gives the DES's run bit for bit: same events (every column, in the same
order), same members, same summary, with the same seed; and it is really used where nobody
waits (the join is not the DES's fallback), while a run where someone waits falls back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from powsim.errors import ParameterError
from powsim.sim import member_draws, run as run_module
from powsim.model.overrides import Override
from powsim.sim.run import prepare, simulate
from powsim.model.parse import load_scenario
from powsim.sim.summary import summarize
from powsim.sim.vectorised import running_sums
from simkit import pool_file, query_trace, scenario_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def joins(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, for each joined run, whether the vectorised result was kept (True) or the
    run fell back to the DES (False)."""
    kept: list[bool] = []
    original = run_module.joined

    def recording(*args, **kwargs):
        events = original(*args, **kwargs)
        kept.append(events is not None)
        return events

    monkeypatch.setattr(run_module, "joined", recording)
    return kept


def _files(folder: Path) -> None:
    rng = np.random.default_rng(7)
    pool_file(folder / "pool.parquet", np.full(2000, 0.3), rng.gamma(2.0, 0.25, 2000),
              inference_s=0.2, cost_s=0.1)
    query_trace(folder / "attack.parquet", 0.6, 30, inference_s=0.2, cost_s=0.1)


def _population(folder: Path, *, policy: str = "paper", rate: float = 1e6, sub: int = 1,
                service: str = "exponential", workers: int = 400, cost_workers: int = 400,
                arrival: str = "arrival_rate_hz = 0.5", verify_s: float = 0.01) -> Path:
    """A population of 40 bootstrapped users on a hardware mix, a lone attacker (both
    vectorised) and a sybil ring (DES)."""
    _files(folder)
    return scenario_file(folder, f"""
        [defense]
        policy = "{policy}"
        a = 1.05
        reference = "pool.parquet"
        reference_hash_rate = {rate}
        queries_per_puzzle = 10
        sub_solutions = {sub}
        [server]
        workers = {workers}
        cost_workers = {cost_workers}
        service = "{service}"
        verify_s = {verify_s}
        [[agents]]
        kind = "legit"
        name = "users"
        count = 40
        trace = "pool.parquet"
        sample = "bootstrap"
        queries = {{dist = "lognormal", median = 60, sigma = 1.0}}
        hardware = {{phone-browser = 0.3, laptop-cpu = 0.7}}
        think_s = 2.0
        {arrival}
        [[agents]]
        kind = "attacker"
        name = "lone"
        trace = "attack.parquet"
        start_s = 5.0
        [[agents]]
        kind = "sybil"
        name = "ring"
        accounts = 4
        trace = "attack.parquet"
        hardware = "gpu"
        """)


def _assert_same(path: Path, mode: str, seed: int = 1, replication: int = 0,
                 overrides: tuple[Override, ...] = ()) -> None:
    model = prepare(load_scenario(path, overrides))
    des = simulate(model, mode, seed, replication, kernel="des")
    auto = simulate(model, mode, seed, replication)
    assert des.events.equals(auto.events)
    assert des.members.equals(auto.members)
    assert summarize(model, des).equals(summarize(model, auto))


@pytest.mark.parametrize("mode", ["sampled", "expected"])
@pytest.mark.parametrize("variant", [
    {},  # every draw a standard exponential: one vector call per member
    {"service": "fixed", "cost_workers": 0, "verify_s": 0.0, "policy": "one-sided"},
    {"rate": 1.0},  # 0- and 1-bit puzzles: numpy's geometric searches, the DES's scalar calls
    {"sub": 3},  # negative binomial trials: scalar calls
])
def test_same_run_as_the_des(tmp_path: Path, joins: list[bool], mode: str, variant: dict) -> None:
    _assert_same(_population(tmp_path, **variant), mode)
    assert joins == [True]  # the vectorised result was kept, not replaced by the DES's


@pytest.mark.parametrize("rate", [1e6, 1.0])
def test_draws_kept_for_another_charge_give_the_same_run(tmp_path: Path, joins: list[bool],
                                                          rate: float) -> None:
    # A sweep over a: the second point reuses the first's member draws (common random numbers).
    path = _population(tmp_path, rate=rate)
    _assert_same(path, "sampled", overrides=(Override("defense.a", 1.01),))
    kept = dict(member_draws._kept)
    _assert_same(path, "sampled", overrides=(Override("defense.a", 1.3),))
    assert joins == [True, True]
    assert member_draws._kept == kept  # the same objects: kept, not drawn again


def test_waiting_falls_back_to_the_des(tmp_path: Path, joins: list[bool]) -> None:
    # 40 users at once on one worker wait for it: their times are the DES's, not the kernel's.
    _assert_same(_population(tmp_path, workers=1, cost_workers=0, arrival=""), "sampled")
    assert joins == [False]


def test_same_run_as_the_des_on_the_what_if_example(joins: list[bool]) -> None:
    _assert_same(EXAMPLES / "what-if-a.toml", "sampled", seed=3, replication=1)
    assert joins == [True]


def test_running_sums_restart_per_segment_and_add_left_to_right() -> None:
    rng = np.random.default_rng(0)
    lengths = np.array([0, 1, 5, 0, 17, 2, 300, 33])
    values = rng.standard_exponential(lengths.sum()) * 1e3
    expected = np.concatenate([np.cumsum(part) for part in
                               np.split(values, np.cumsum(lengths)[:-1])])
    assert np.array_equal(running_sums(values, lengths), expected)


def test_unknown_kernel_is_refused(tmp_path: Path) -> None:
    model = prepare(load_scenario(_population(tmp_path)))
    with pytest.raises(ParameterError, match="kernel"):
        simulate(model, "sampled", 0, kernel="numpy")

