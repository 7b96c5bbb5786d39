"""Print a markdown table of the traces in a folder: device, hardware, phase times, file size.

Usage: ``python tools/trace_times.py FOLDER`` (``tools/traces_full.sh`` runs it at the end).
Each row is one parquet trace; phase times come from its ``provenance.phases`` ("cached": the
time measured when the cached models were made), sizes from the file system. The last line
is the folder's total size in MB (10^6 bytes).
"""

from __future__ import annotations

import sys
from pathlib import Path

from powsim.traces.format import read_trace

PHASES = ("victim_training_s", "teacher_training_s", "votes_s", "strategy_s")


def _seconds(phases: dict, name: str) -> str:
    if name not in phases:
        return ""
    value = phases[name]
    text = f"{value:.1f}" if isinstance(value, (int, float)) else str(value)
    return f"{text} (cached)" if name in phases.get("cached", []) else text


def main(folder: Path) -> None:
    """Print the table of ``folder``'s traces to standard output."""
    print("| trace | rows | device | hardware | victim training s | teacher training s | votes s "
          "| strategy s | MB |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|")
    total = 0
    for path in sorted(folder.glob("*.parquet")):
        trace, size = read_trace(path), path.stat().st_size
        total += size
        origin = trace.metadata.provenance
        phases = origin.get("phases", {})
        hardware = ", ".join(f"{k} {v}" for k, v in origin.get("hardware", {}).items())
        print(f"| {path.stem} | {len(trace):,} | {origin.get('device', '')} | {hardware} | "
              + " | ".join(_seconds(phases, name) for name in PHASES) + f" | {size / 1e6:.2f} |")
    print(f"\ntotal size of {folder}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
