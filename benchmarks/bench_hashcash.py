"""Hash rate of the HashCash solver against ``openssl speed`` and a plain hashlib loop.

Run: ``python benchmarks/bench_hashcash.py [SECONDS]``. Every figure is measured in this
one run, so the ratios compare like with like; ``powsim hashcash bench`` prints the same
table and also stores it as the ``local`` hardware profile.
"""

from __future__ import annotations

import os
import sys

from powsim.hashcash.hashrate import describe_rate, measure


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    print(f"{os.cpu_count()} cores, {seconds:g} s per measurement")
    print(describe_rate(measure(seconds=seconds)))


if __name__ == "__main__":
    main()
