"""Same laws before and after a change to the load kernel: every load example, full length,
sampled, on 20 seeds; per replication the legitimate clients' mean and p95 TTC (connected),
share connected, mean queue wait, and the requests served per role; two captures compared
figure by figure over the 20 and 20 replications (independent runs: each is its own sample):
two-sample Kolmogorov-Smirnov, and the difference of means against its 99 % confidence
interval (Welch: the two sides' variances, as measured, need not be equal).

    python benchmarks/load_seeds.py capture /tmp/before.npz     # on the old tree
    python benchmarks/load_seeds.py capture /tmp/after.npz      # on the new tree
    python benchmarks/load_seeds.py compare /tmp/before.npz /tmp/after.npz

For changes that move event times by float rounding (so records differ run by run) where
benchmarks/same_outputs.py cannot speak; a few minutes of CPU per capture. Exit 0 when every
figure is identical or passes both checks (KS p >= 0.01, difference within the interval,
i.e. Welch's p >= 0.01).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEEDS = range(20)
FIGURES = ("mean TTC s", "p95 TTC s", "connected share", "mean wait s", "legit served",
           "attacker served")


def _figures(path: Path, seed: int) -> list[float]:
    from powsim.load.engine import LoadRun
    from powsim.load.record import HANDLED
    from powsim.model.load_parse import load_load_scenario

    scenario = load_load_scenario(path)
    record = LoadRun(scenario, "sampled", seed=seed).run()
    legit = np.array([role == "legit" for role in scenario.roles])
    clients = np.array(record.clients, float)
    mine = legit[clients[:, 0].astype(int)]
    connected = mine & (clients[:, 3] == 1)
    ttc_s = clients[connected, 2] - clients[connected, 1]
    served = record.counts[HANDLED].sum(axis=1)
    return [ttc_s.mean(), np.percentile(ttc_s, 95), connected.sum() / mine.sum(),
            clients[connected, 6].mean(), served[legit].sum(), served[~legit].sum()]


def capture(out: Path) -> None:
    """Every load example's figures, one row per seed, saved to ``out`` (npz)."""
    examples = sorted(p for p in (REPO / "examples").glob("*.toml") if "[load]" in p.read_text())
    np.savez(out, **{p.stem: np.array([_figures(p, seed) for seed in SEEDS]) for p in examples})


def compare(before: Path, after: Path) -> int:
    """Print each example's figures before and after; 0 when all are the same law."""
    from scipy import stats

    a, b = np.load(before), np.load(after)
    failed = 0
    for example in sorted(set(a.files) | set(b.files)):
        if example not in a.files or example not in b.files:
            print(f"{example}: in one capture only")
            failed += 1
            continue
        x, y = a[example], b[example]
        print(f"{example}: {'identical' if np.array_equal(x, y) else 'differs'}")
        for i, figure in enumerate(FIGURES):
            if np.array_equal(x[:, i], y[:, i]):
                continue
            p = stats.ks_2samp(x[:, i], y[:, i]).pvalue
            welch = stats.ttest_ind(y[:, i], x[:, i], equal_var=False)
            half = welch.confidence_interval(0.99)
            diff = y[:, i].mean() - x[:, i].mean()
            ok = p >= 0.01 and welch.pvalue >= 0.01
            failed += not ok
            print(f"  {figure:<16} before {x[:, i].mean():12.6g}  after {y[:, i].mean():12.6g}  "
                  f"difference {diff:+.3g} (99 % CI {half.low:+.3g} to {half.high:+.3g}, Welch p "
                  f"{welch.pvalue:.3f})  KS p {p:.3f}{'' if ok else '  FAILS'}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("capture").add_argument("out", type=Path)
    pair = sub.add_parser("compare")
    pair.add_argument("before", type=Path)
    pair.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.action == "capture":
        capture(args.out)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
