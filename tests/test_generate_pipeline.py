"""A small version of the whole pipeline, end to end, on the real Fashion-MNIST data.

Five teachers, a few hundred queries and tiny epochs keep it to about a minute on 2 CPU
cores. It needs Debian's ``dataset-fashion-mnist`` (``make test`` installs it): without it
the workbench fixture fails with a message saying so, rather than skipping.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from powsim.cli import main
from powsim.traces.curves import curve_from_queries
from powsim.traces.format import read_trace
from powsim.traces.generate.pipeline import STRATEGIES, Request, generate
from powsim.traces.generate.setup import Setup
from powsim.traces.generate.workbench import load_workbench

TINY = Setup(seed=3, teachers=5, pool_size=1000, private_size=2000, victim_epochs=1.0,
             teacher_epochs=3)
TINY_OPTIONS = ["--seed", "3", "--teachers", "5", "--pool-size", "1000", "--private-size", "2000",
                "--victim-epochs", "1", "--teacher-epochs", "3"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def bench(cache):
    return load_workbench(TINY, cache, log=lambda line: None)


@pytest.mark.parametrize("attack", sorted(STRATEGIES))
def test_every_strategy_makes_a_valid_trace(bench, attack):
    trace = generate(bench, Request(attack, 200, checkpoint_every=100), progress=False)
    data, meta = trace.data, trace.metadata
    assert len(data) == 200 and (data["query"] == np.arange(200)).all()
    assert (data["cost"] > 0).all() and (data["votes"].map(sum) == 5).all()
    assert [c["queries"] for c in meta.checkpoints] == [100, 200]
    assert all(0 <= c["accuracy"] <= 100 and 0 <= c["fidelity"] <= 100 for c in meta.checkpoints)
    assert set(meta.seconds_per_batch) == {"inference", "inference_and_cost"}
    assert meta.teachers == 5 and meta.batch_size == 64 and meta.provenance["seed"] == 3


def test_same_seed_same_trace(bench):
    first, second = (generate(bench, Request("jacobian", 160, checkpoint_every=80), progress=False)
                     for _ in range(2))
    pd.testing.assert_frame_equal(first.data, second.data)
    assert first.metadata.checkpoints == second.metadata.checkpoints


def test_workbench_is_cached_and_reproducible(bench, cache, tmp_path):
    again = load_workbench(TINY, cache, log=lambda line: None)
    fresh = load_workbench(TINY, tmp_path, log=lambda line: None)
    for other in (again, fresh):
        assert np.array_equal(other.pool_votes.numpy(), bench.pool_votes.numpy())
        assert other.victim_accuracy == bench.victim_accuracy


def test_command_line_to_paper_table(bench, cache, tmp_path, capsys):
    folder = tmp_path / "traces"
    for attack in ("standard", "knockoff"):
        assert main(["traces", "generate", "--attack", attack, "--queries", "300", "--device", "cpu",
                     "--checkpoint-every", "100", "--cache", str(cache), "--quiet", *TINY_OPTIONS,
                     "--out", str(folder / f"fmnist-{attack}.parquet")]) == 0
    trace = read_trace(folder / "fmnist-standard.parquet", kind="query")
    curve = curve_from_queries(trace, every=100)
    assert list(curve.data["queries"]) == [0, 100, 200, 300]
    assert curve.data["cost"].iloc[-1] == pytest.approx(trace.data["cost"].sum())
    capsys.readouterr()
    assert main(["table", "--traces", str(folder), "--mode", "paper", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), comment="#")
    assert list(table["attack"]) == ["knockoff", "standard"]
    assert (table["queries"] == 300).all()


def test_generate_rejects_bad_options_in_one_line(cache, tmp_path, capsys):
    out = tmp_path / "x.parquet"
    assert main(["traces", "generate", "--attack", "nope", "--out", str(out)]) == 2
    assert main(["traces", "generate", "--attack", "inout", "--queries", "6100", "--device", "cpu",
                 "--checkpoint-every", "100000",
                 "--cache", str(cache), "--quiet", *TINY_OPTIONS, "--out", str(out)]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert "option --attack: 'nope'" in errors[0]
    # inout asks every MNIST digit (5,000) and every pool image (1,000), then has none left.
    assert "strategy 'inout' ran out of images after 6000" in errors[-1]
    assert not out.exists()


def test_pool_is_the_workbench_teachers_votes_on_unseen_images_split_as_recorded(bench, cache, tmp_path, capsys):
    from powsim.traces.pate import query_costs
    from powsim.traces.pool import pool_part, pool_split

    out = tmp_path / "pool.parquet"
    assert main(["traces", "pool", *TINY_OPTIONS, "--cache", str(cache), "--out", str(out),
                 "--calibration", "0.25", "--split-seed", "7"]) == 0
    pool = read_trace(out)
    split = pool_split(pool)
    # Every Fashion-MNIST test image and every pool image, nothing the models trained on.
    assert split.rows == len(pool) == 10_000 + TINY.pool_size and split.calibration == 2_750
    votes = np.stack(pool.data["votes"])
    expected = np.concatenate([bench.evaluation_votes.numpy(), bench.pool_votes.numpy()])
    order = np.random.default_rng(7).permutation(len(expected))
    np.testing.assert_array_equal(votes, expected[order])  # the same teachers as every trace
    np.testing.assert_allclose(pool.data["cost"], query_costs(votes, 10.0, 1e-5).eps)
    calibration, evaluation = pool_part(pool, "calibration"), pool_part(pool, "evaluation")
    assert len(calibration) + len(evaluation) == len(pool)
    np.testing.assert_array_equal(evaluation.data["cost"], pool.data["cost"].iloc[2_750:])
    assert "calibration part rows 0-2749" in capsys.readouterr().out
