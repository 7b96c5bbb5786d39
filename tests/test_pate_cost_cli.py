"""``powsim pate-cost``: values, output file, and one-line errors on bad input."""

from __future__ import annotations

import json

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from powsim.cli import main
from test_pate_analysis import random_histograms, reference_eps


def write_votes(path, votes: np.ndarray) -> None:
    pd.DataFrame(votes, columns=[f"class{j}" for j in range(votes.shape[1])]).to_csv(path, index=False)


def test_adds_logq_eps_and_order(tmp_path, capsys):
    votes = random_histograms(50, 40, seed=7)
    write_votes(tmp_path / "votes.csv", votes)
    assert main(["pate-cost", str(tmp_path / "votes.csv"), "--sigma", "2", "--delta", "1e-5",
                 "--out", str(tmp_path / "costs.csv")]) == 0
    assert "wrote" in capsys.readouterr().out
    costs = pd.read_csv(tmp_path / "costs.csv")
    assert json.loads((tmp_path / "costs.csv.provenance.json").read_text())["sigma"] == 2.0
    assert list(costs.columns) == [f"class{j}" for j in range(10)] + ["logq", "eps", "order",
                                                                       "sigma", "delta"]
    assert (costs["sigma"] == 2.0).all() and (costs["delta"] == 1e-5).all()
    assert (costs.iloc[:, :10].to_numpy() == votes).all()
    for row, histogram in enumerate(votes.tolist()):
        logq, eps, _ = reference_eps(histogram, 2.0, 1e-5)
        assert costs["logq"][row] == pytest.approx(logq, rel=1e-9)
        assert costs["eps"][row] == pytest.approx(eps, rel=1e-9)


def test_prints_csv_without_out(tmp_path, capsys):
    write_votes(tmp_path / "votes.csv", np.array([[250, 0, 0], [100, 100, 50]]))
    assert main(["pate-cost", str(tmp_path / "votes.csv"), "--sigma", "10", "--delta", "1e-5"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "class0,class1,class2,logq,eps,order,sigma,delta"
    assert len(printed) == 3


@pytest.mark.parametrize("content, expected", [
    ("a,b\n1,x\n", "field 'b' row 0: 'x', expected a vote count"),
    ("a,b\n1,-2\n", "field 'b' row 0: '-2', expected a vote count"),
    ("a,b\n1,2.5\n", "field 'b' row 0: '2.5', expected a vote count"),
    ("a\n1\n", "1 column, expected one vote-count column per class"),
    ("a,b\n", "no rows"),
    ("", "no rows, expected one row of vote counts per query"),
    ("a,eps\n1,2\n", "column 'eps' is an output column"),
])
def test_bad_csv_is_one_line_and_exit_2(tmp_path, capsys, content, expected):
    path = tmp_path / "votes.csv"
    path.write_text(content)
    out = tmp_path / "costs.csv"
    assert main(["pate-cost", str(path), "--sigma", "10", "--delta", "1e-5", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(path) in error and expected in error
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("option, value", [("--sigma", "0"), ("--delta", "1.5")])
def test_bad_option_is_one_line_and_exit_2(tmp_path, capsys, option, value):
    write_votes(tmp_path / "votes.csv", np.array([[3, 2]]))
    arguments = {"--sigma": "10", "--delta": "1e-5", option: value}
    assert main(["pate-cost", str(tmp_path / "votes.csv"), *sum(arguments.items(), ())]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"argument {option}: '{value}'" in error


def test_missing_file_from_the_shell_has_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "powsim.cli", "pate-cost", str(tmp_path / "none.csv"),
                             "--sigma", "10", "--delta", "1e-5"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("none.csv: no such CSV file")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
