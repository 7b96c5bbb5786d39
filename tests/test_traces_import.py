"""``powsim traces import``: your own per-query costs or vote histograms become a trace that
tables and the simulator use exactly as the bundled ones."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, assert_one_line_error
from powsim.traces.format import read_trace

BUNDLED = REPO / "traces" / "bundled"


def export_and_import(cli, folder, attack: str, layout: str = "costs", suffix: str = "csv") -> None:
    """Export a bundled trace's per-query costs (or votes) and import them into ``folder``."""
    trace = read_trace(BUNDLED / f"fmnist-{attack}.parquet")
    meta = trace.metadata
    if layout == "costs":
        measured = {c["queries"]: c["accuracy"] for c in meta.checkpoints}
        table = trace.data[["query", "batch", "cost", "logq", "label"]].assign(
            accuracy=[measured.get(q + 1, np.nan) for q in trace.data["query"]])
        pricing = ["--sigma", str(meta.sigma), "--delta", str(meta.delta)]
    else:
        table = pd.DataFrame(trace.data["votes"].tolist(), columns=[f"class{i}" for i in range(10)])
        pricing = ["--sigma", str(meta.sigma), "--delta", str(meta.delta)]
    source = folder.parent / f"{attack}.{suffix}"
    table.to_csv(source, index=False) if suffix == "csv" else table.to_parquet(source)
    seconds = meta.seconds_per_batch
    result = cli("traces", "import", source, "--dataset", "fmnist", "--attack", attack,
                 "--queries-per-batch", int(meta.batch_size),
                 "--seconds-per-batch", repr(seconds["inference_and_cost"]),
                 "--inference-seconds-per-batch", repr(seconds["inference"]),
                 "--accuracy", repr(meta.checkpoints[-1]["accuracy"]), *pricing,
                 "--out", folder / f"fmnist-{attack}.parquet")
    assert result.code == 0, result.err


def table(cli, folder, *options: str) -> pd.DataFrame:
    result = cli("table", "--traces", folder, "--format", "csv", *options)
    assert result.code == 0, result.err
    return pd.read_csv(io.StringIO(result.out))


@pytest.mark.parametrize("layout, suffix", [("costs", "csv"), ("costs", "parquet"), ("votes", "csv")])
def test_round_trip_gives_the_bundled_table(cli, tmp_path, layout, suffix):
    folder = tmp_path / "mine"
    for attack in ("standard", "knockoff"):
        export_and_import(cli, folder, attack, layout, suffix)
    reference = tmp_path / "bundled"
    reference.mkdir()
    for attack in ("standard", "knockoff"):
        (reference / f"fmnist-{attack}.parquet").write_bytes(
            (BUNDLED / f"fmnist-{attack}.parquet").read_bytes())
    # Votes carry no accuracies but the last (--accuracy), so their curve is compared without.
    curve = ["--curve"] if layout == "costs" else []
    for options in ([], curve, ["--mode", "expected"], ["--mode", "expected", "--policy", "rdp"]):
        mine, theirs = table(cli, folder, *options), table(cli, reference, *options)
        # Pricing votes again reproduces the bundled costs to rounding, not bit for bit.
        pd.testing.assert_frame_equal(mine, theirs, rtol=1e-9)


def test_votes_are_priced_like_pate_cost(cli, tmp_path):
    votes = tmp_path / "votes.csv"
    votes.write_text("cat,dog,cow\n200,30,20\n100,100,50\n240,5,5\n")
    out = tmp_path / "t.parquet"
    assert cli("traces", "import", votes, "--dataset", "toy", "--attack", "standard",
               "--sigma", "10", "--delta", "1e-5", "--out", out).code == 0
    assert cli("pate-cost", votes, "--sigma", "10", "--delta", "1e-5", "--out",
               tmp_path / "c.csv").code == 0
    trace, costs = read_trace(out), pd.read_csv(tmp_path / "c.csv")
    np.testing.assert_array_equal(trace.data["cost"], costs["eps"])
    assert trace.data["votes"].map(list).tolist() == [[200, 30, 20], [100, 100, 50], [240, 5, 5]]
    assert trace.metadata.classes == 3 and trace.metadata.sigma == 10.0


def test_a_trace_without_timing_is_refused_where_time_is_needed(cli, tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("cost\n0.5\n0.25\n")
    folder = tmp_path / "traces"
    assert cli("traces", "import", costs, "--dataset", "toy", "--attack", "standard",
               "--out", folder / "toy-standard.parquet").code == 0
    assert cli("traces", "summary", folder).code == 0
    assert_one_line_error(cli("table", "--traces", folder), "toy-standard.parquet",
                          "seconds_per_batch.inference_and_cost", "--seconds-per-batch")
    scenario = folder / "s.toml"
    scenario.write_text('[defense]\npolicy = "paper"\nreference = "toy-standard.parquet"\n'
                        'reference_hash_rate = 1e6\n[[agents]]\nkind = "legit"\n'
                        'trace = "toy-standard.parquet"\n')
    assert_one_line_error(cli("simulate", scenario, "--out", tmp_path / "out"),
                          "toy-standard.parquet", "seconds_per_batch.inference")
