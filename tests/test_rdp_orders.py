"""The rdp policy's order grid, ``[defense] rdp_orders``: accounts and the reference are
composed and converted on the chosen grid, the paper's by default, and the choice is
recorded in the outputs.

The long account is the bundled data-free trace: 20,000 queries whose composed epsilon is
246.8 on the paper's grid (orders from 2) and 198.0 on the extended one (from 1.02).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from powsim.sim.run import prepare
from powsim.model.parse import load_scenario
from powsim.traces.format import read_trace
from powsim.traces.pate import EXTENDED_ORDERS, ORDERS, composed_epsilon, rdp

BUNDLED = Path(__file__).resolve().parents[1] / "traces" / "bundled"
DATAFREE = BUNDLED / "fmnist-datafree.parquet"


def scenario_file(folder: Path, orders: str | None, reference: str = "fmnist-standard") -> Path:
    """An rdp-policy scenario: the data-free attacker against ``reference``, on grid ``orders``
    (the key left out when None)."""
    key = "" if orders is None else f'rdp_orders = "{orders}"\n'
    path = folder / f"rdp-{orders}-{reference}.toml"
    path.write_text(f'[defense]\npolicy = "rdp"\na = 1.5\n{key}'
                    f'reference = "{BUNDLED / reference}.parquet"\nreference_hash_rate = 1e6\n'
                    f'[[agents]]\nkind = "attacker"\nname = "datafree"\ntrace = "{DATAFREE}"\n')
    return path


def final_account_cost(cli, scenario: Path, out: Path) -> tuple[float, dict]:
    """The attacker's account cost after its last batch, and the run's provenance."""
    result = cli("simulate", scenario, "--out", out)
    assert result.code == 0, result.err
    events = pd.read_parquet(out / "events.parquet")
    origin = json.loads((out / "summary.csv.provenance.json").read_text())
    return float(events["account_cost"].iloc[-1]), origin


def test_extended_grid_charges_the_extended_composed_epsilon_below_the_papers(cli, tmp_path):
    trace = read_trace(DATAFREE)
    logq, meta = trace.data["logq"].to_numpy(), trace.metadata
    extended, _ = composed_epsilon(logq, meta.sigma, meta.delta, EXTENDED_ORDERS)
    paper, _ = composed_epsilon(logq, meta.sigma, meta.delta, ORDERS)
    costs = {}
    for orders in (None, "paper", "extended"):
        costs[orders], origin = final_account_cost(cli, scenario_file(tmp_path, orders),
                                                   tmp_path / f"out-{orders}")
        assert origin["rdp_orders"] == (orders or "paper")
    assert costs["extended"] == pytest.approx(extended, rel=1e-9)
    assert costs[None] == costs["paper"] == pytest.approx(paper, rel=1e-9)
    # The figures, and the extended grid (a superset) strictly cheaper on this account.
    assert (round(paper, 1), round(extended, 1)) == (246.8, 198.0)
    assert costs["extended"] < costs["paper"] - 40


def test_reference_is_fitted_on_the_same_grid(tmp_path):
    # With the data-free trace as the reference, the two grids give different fits: a
    # reference left on the paper's grid beside extended accounts fails here.
    model = prepare(load_scenario(scenario_file(tmp_path, "extended", "fmnist-datafree")))
    trace = read_trace(DATAFREE)
    ends = np.flatnonzero(np.diff(trace.data["batch"].to_numpy(), append=-1)) + 1
    curves = rdp(trace.data["logq"].to_numpy(), trace.metadata.sigma, EXTENDED_ORDERS)
    at_ends = np.cumsum(curves, axis=0)[ends - 1]
    composed = (at_ends + math.log(1 / trace.metadata.delta) / (EXTENDED_ORDERS - 1)).min(axis=1)
    slope, intercept = np.polyfit(ends, composed, 1)
    reference = model.policy.reference
    assert (reference.intercept, reference.slope) == (pytest.approx(intercept, rel=1e-9),
                                                      pytest.approx(slope, rel=1e-9))
    paper = prepare(load_scenario(scenario_file(tmp_path, "paper", "fmnist-datafree"))).policy.reference
    assert paper.slope > 1.1 * reference.slope


def test_curves_have_one_entry_per_order_of_the_chosen_grid(tmp_path):
    for orders, grid in (("paper", ORDERS), ("extended", EXTENDED_ORDERS)):
        model = prepare(load_scenario(scenario_file(tmp_path, orders)))
        assert model.workloads[0].rdp.shape == (len(model.workloads[0]), grid.size)
        assert np.array_equal(model.scenario.defense.orders, grid)


@pytest.mark.parametrize("how", ["toml", "set"])
def test_unknown_grid_is_one_line_and_exit_2(cli, tmp_path, how):
    scenario = scenario_file(tmp_path, "foo" if how == "toml" else None)
    extra = ("--set", "defense.rdp_orders=foo") if how == "set" else ()
    result = cli("simulate", scenario, "--out", tmp_path / "out", *extra)
    assert result.code == 2 and not (tmp_path / "out").exists()
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "defense" in lines[0] and "rdp_orders" in lines[0]
    assert "expected one of paper, extended" in lines[0], lines


def test_table_records_the_grid(cli, tmp_path):
    out = tmp_path / "table.csv"
    assert cli("table", "--traces", BUNDLED, "--mode", "expected", "--policy", "rdp",
               "--rdp-orders", "extended", "--a", "1.5", "--format", "csv", "--out", out).code == 0
    table = pd.read_csv(out).set_index("attack")
    assert (table["rdp_orders"] == "extended").all()
    assert json.loads(Path(f"{out}.provenance.json").read_text())["rdp_orders"] == "extended"
