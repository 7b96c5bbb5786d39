"""Capacity on a per-account scenario: a sweep over server.workers of the per-account kernel,
whose batches queue for ``workers`` servers, filtered by an SLO on its metrics."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from powsim.cli import main
from powsim.errors import ParameterError
from powsim.model.parse import load_scenario
from powsim.sweep.capacity import capacity, parse_slo, smallest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "capacity.toml"


def _small(tmp_path: Path) -> Path:
    """examples/capacity.toml with 60 users instead of 500 (same arrival rate and service)."""
    path = tmp_path / "capacity.toml"
    path.write_text(EXAMPLE.read_text().replace("count = 500", "count = 60")
                    .replace('"../traces/', f'"{EXAMPLE.parent.parent}/traces/'))
    return path


def test_capacity_of_a_per_account_scenario_is_its_simulate_runs(tmp_path):
    # Each worker count's mean is the mean over the same replications of `simulate --set
    # server.workers=W --mode sampled` (common seeds), and waits fall as workers are added.
    path = _small(tmp_path)
    scenario = load_scenario(path)
    slo = parse_slo("users.queue_p95<=1", scenario)
    table = capacity(scenario, slo, [1, 2, 4], replications=2, seed=0)
    for workers in (1, 4):
        out = tmp_path / f"w{workers}"
        assert main(["simulate", str(path), "--set", f"server.workers={workers}", "--mode",
                     "sampled", "--replications", "2", "--out", str(out)]) == 0
        summary = pd.read_csv(out / "summary.csv")
        row = table[table["workers"] == workers].iloc[0]
        assert row["mean"] == pytest.approx(summary["queue_p95_s"].iloc[0])
    means = table["mean"].to_numpy()
    assert means[0] > means[1] > means[2] >= 0
    assert smallest(table) in (None, *table.loc[table["meets"], "workers"])


def test_capacity_command_on_a_per_account_scenario(tmp_path, capsys):
    out = tmp_path / "cap"
    assert main(["capacity", str(_small(tmp_path)), "--slo", "users.queue_mean<=600",
                 "--workers", "1:2", "--replications", "2", "--out", str(out),
                 "--jobs", "0"]) == 0
    printed = capsys.readouterr().out
    assert "users.queue_mean_s: mean and 95 % CI over 2 replications, whole runs" in printed
    assert "smallest worker count meeting users.queue_mean<=600" in printed
    assert pd.read_parquet(out / "capacity.parquet")["workers"].tolist() == [1, 2]


@pytest.mark.parametrize("slo, message", [
    ("users.ttc_p95<=5", "metric 'ttc_p95', expected one of queries, overhead"),
    ("nobody.queue_p95<=5", "group 'nobody', expected an agent of"),
])
def test_slo_names_the_kernels_metrics(tmp_path, slo, message):
    with pytest.raises(ParameterError, match=message):
        parse_slo(slo, load_scenario(_small(tmp_path)))


def test_calibrate_refuses_a_load_scenario_in_one_line_before_any_work(tmp_path, capsys):
    # The kernel follows from the model: calibrate needs members' overheads, which only the
    # per-account kernel measures, so a load scenario gets one line naming why.
    example = EXAMPLE.parent / "tor-small-botnet.toml"
    out = tmp_path / "cal"
    assert main(["calibrate", str(example), "--legit", "clients", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a load scenario" in err and "per-account" in err
    assert not out.exists()
