"""How precisely four estimators check M/M/c against Erlang C at 10^5 customers: the table in
docs/capacity.md that chose the estimator and the points of tests/test_load_queueing.py.

    .venv/bin/python benchmarks/erlang_c_estimators.py [--seeds 10]

For each (lambda, mu, c) and each estimator of tests/mmc.py (plain, means, conditional,
fast-server), over seeds 0 to SEEDS-1: the batch-means standard error relative to the exact
value (mean and largest over seeds), the standard deviation of the relative error across
seeds (what the standard error should match) and the largest relative error. About 1.5 s per
run on one core: 5 points x 10 seeds take about 1.5 minutes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from mmc import ESTIMATORS, run_mmc  # noqa: E402

POINTS = ((1.0, 1.0, 2), (2.4, 1.0, 3), (4.5, 1.0, 5), (7.0, 1.0, 10), (18.0, 1.0, 20))


def measure(seeds: int) -> pd.DataFrame:
    """One row per point x figure x estimator x seed: relative error and standard error."""
    rows = []
    for rate_hz, service_s, workers in POINTS:
        for seed in range(seeds):
            run = run_mmc(rate_hz, service_s, workers, seed)
            for estimator in ESTIMATORS:
                for figure, (estimate, stderr) in run.estimates(estimator).items():
                    exact = run.exact[figure]
                    rows.append({"rho": round(run.rho, 3), "c": workers, "figure": figure,
                                 "estimator": estimator, "seed": seed,
                                 "error": estimate / exact - 1, "se": stderr / exact})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    seeds = parser.parse_args().seeds
    runs = measure(seeds)
    table = runs.groupby(["rho", "c", "figure", "estimator"], sort=False).agg(
        se=("se", "mean"), se_max=("se", "max"), sd=("error", lambda e: np.std(e, ddof=1)),
        worst=("error", lambda e: np.abs(e).max())) * 100
    cells = table.apply(lambda r: f"{r.se:.2f} / {r.se_max:.2f} / {r.sd:.2f} / {r.worst:.2f}",
                        axis=1).unstack("estimator")[list(ESTIMATORS)].sort_index(level=["c", "figure"])
    print(f"% of Erlang C's value, {seeds} seeds, 10^5 customers, 20 batch means; each cell: "
          "standard error mean / largest / sd of the error across seeds / largest |error|")
    print(cells.reset_index().to_markdown(index=False))

if __name__ == "__main__":
    main()
