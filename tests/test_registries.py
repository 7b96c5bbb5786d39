"""Library errors name parameters and the CLI names options; policies and agent kinds are
registries whose names the validator lists."""

from __future__ import annotations

import pytest

from powsim.calibrate.charge import ChargeParameters
from powsim.calibrate.reference import LinearReference
from powsim.errors import InputError, ParameterError
from powsim.model.kinds import AGENT_KINDS
from powsim.sim.agents.stories import STORIES
from powsim.difficulty.policies import POLICIES, Policy, policy_class, register_policy
from powsim.sim.solve_time import solve_model


def test_library_errors_name_parameters_and_the_cli_names_options(cli, tmp_path):
    with pytest.raises(ParameterError) as err:
        ChargeParameters(a=0.5)
    assert str(err.value) == ("a: 0.5, expected a finite number >= 1 (a < 1 would charge the "
                              "most divergent users least)")
    with pytest.raises(ParameterError, match="^hashing real: needs mode sampled, not 'expected'"):
        solve_model("expected", hashing="real")
    # --a is bounded by its option type; ImportRequest's pairing check is the library's.
    result = cli("traces", "import", tmp_path / "costs.csv", "--dataset", "mnist", "--attack",
                 "copycat", "--sigma", "10", "--out", tmp_path / "out.parquet")
    assert result.code == 2
    assert result.err == "powsim: error: option --sigma: expected --sigma and --delta together\n"


def test_renamed_maps_every_named_parameter():
    err = ParameterError("{hashing} real: needs {mode} sampled, not 'x'")
    assert err.renamed(lambda name: name.upper()) == "HASHING real: needs MODE sampled, not 'x'"


def test_a_registered_policy_is_selectable_and_listed():
    @register_policy
    class Doubled(Policy):
        name = "doubled"

        def diff(self, queries: float, cost: float) -> float:
            return 2 * abs(self._excess(queries, cost))

    try:
        policy = policy_class("doubled")(LinearReference(0.0, 1.0, 1.0))
        # diff = 2 |cost - Q| = 2 at Q=1, cost=2: a^2 seconds per 1000 queries.
        assert policy.target_s(1.0, 2.0, 1000.0) == pytest.approx(ChargeParameters().a ** 2)
        with pytest.raises(InputError, match="expected one of paper, one-sided, rdp, doubled"):
            policy_class("nope")
    finally:
        del POLICIES["doubled"]


def test_policies_charge_as_documented():
    reference = LinearReference(1.0, 0.5, 1.0)  # E(Q) = 1 + Q / 2
    below, above = (10.0, 3.0), (10.0, 9.0)  # E(10) = 6: 3 below, 3 above
    assert policy_class("paper")(reference).diff(*below) == pytest.approx(3.0)
    assert policy_class("one-sided")(reference).diff(*below) == 0.0
    assert policy_class("one-sided")(reference).diff(*above) == pytest.approx(3.0)
    assert policy_class("rdp").metric == "rdp" and policy_class("paper").metric == "additive"


def test_agent_kinds_registry_holds_the_documented_kinds():
    assert list(AGENT_KINDS) == ["legit", "attacker", "sybil", "colluders", "adaptive", "stream",
                                 "sessions", "botnet"]
    assert {k for k, kind in AGENT_KINDS.items() if kind.link} == {"sybil", "colluders"}
    assert {k for k, kind in AGENT_KINDS.items() if kind.independent} == {"legit", "attacker"}
    assert {k for k, kind in AGENT_KINDS.items() if kind.load} == {"stream", "sessions", "botnet"}
    # Every account kind that is not a lone replay has a story, and only those.
    assert set(STORIES) == {k for k, kind in AGENT_KINDS.items()
                            if not kind.independent and not kind.load}


def test_puzzle_families_own_their_facts():
    # Scenario keys and CLI options come from the families' fields, halving from their size
    # parameter, rates from the family: a new family is one module plus its registration.
    import dataclasses

    from powsim.hashcash.families import FAMILIES, Argon2id, Scrypt, Sha256, parameter_names
    from powsim.hashcash.rates import family_rates
    from powsim.model.parse import PUZZLE_KEYS

    fields = {f.name for family in FAMILIES.values() for f in dataclasses.fields(family)}
    assert PUZZLE_KEYS == set(parameter_names()) == fields == {"memory_kib", "iterations",
                                                               "parallelism", "n", "r", "p"}
    assert parameter_names()["n"] == "scrypt CPU/memory cost, a power of 2 (default 16384)"
    assert Argon2id(memory_kib=64).halved() == Argon2id(memory_kib=32)
    assert Scrypt(n=1024).halved() == Scrypt(n=512) and Scrypt(n=2).halved() is None
    assert Sha256().halved() is None
    assert {family for _, family in family_rates()} == {"argon2id", "scrypt"}
    assert family_rates()[("gpu", "scrypt")] is Scrypt.rates["gpu"]


def test_a_derived_metric_is_one_registry_entry(monkeypatch, tmp_path):
    # One entry in stats/metrics.py: summaries carry its column (a law of the other columns),
    # SLOs name it, sweeps aggregate it. Here: queries per member of the quick-start example.
    from pathlib import Path

    from powsim.model.parse import load_scenario
    from powsim.sim.run import prepare, simulate
    from powsim.sim.summary import summarize
    from powsim.stats import metrics

    entry = metrics.Metric("queries_per_member", "queries_per_member", "queries",
                           "queries per member", ("account",),
                           derive=lambda columns: columns["queries"] / columns["members"])
    monkeypatch.setitem(metrics.METRICS, entry.name, entry)
    model = prepare(load_scenario(Path(__file__).resolve().parents[1] / "examples" / "quickstart.toml"))
    summary = summarize(model, simulate(model, "expected", 0, 0))
    assert list(summary["queries_per_member"]) == list(summary["queries"] / summary["members"])
    assert list(summary["hashes_per_member"]) == list(summary["hashes"] / summary["members"])
    assert metrics.metric("queries_per_member", "account") is entry
    assert "queries_per_member" in metrics.columns("account")


def test_derived_metrics_by_hand_with_no_queries_and_no_members():
    # Per member and per query figures of three entries worked out by hand; an entry without
    # answered queries has no per-query figure (NaN), one without members divides by 0 (inf).
    import math

    import pandas as pd

    from powsim.stats.metrics import with_derived

    summary = pd.DataFrame({"members": [2, 4, 0], "queries": [0.0, 10.0, 5.0],
                            "hashes": [8.0, 40.0, 1.0], "time_s": [1.0, 2.0, 0.0],
                            "time_pow_s": [3.0, 6.0, 0.5], "dollars": [0.5, 2.0, 0.0],
                            "kwh": [0.1, 0.2, 0.0]})
    derived = with_derived(summary, "account")
    assert list(derived.columns[:7]) == list(summary.columns)
    assert list(derived["hashes_per_member"]) == [4.0, 10.0, math.inf]
    assert list(derived["added_s_per_member"]) == [1.0, 1.0, math.inf]
    assert list(derived["time_pow_s_per_member"][:2]) == [1.5, 1.5]
    assert math.isnan(derived["hashes_per_query"][0]) and derived["hashes_per_query"][1] == 4.0
    assert math.isnan(derived["added_s_per_1000q"][0]) and derived["added_s_per_1000q"][1] == 400.0
    assert list(derived["dollars_per_query"][1:]) == [0.2, 0.0]
    assert with_derived(summary, "load") is summary  # the load kernel derives nothing
