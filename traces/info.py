"""A human-readable description of a trace: schema, metadata and summary statistics."""

from __future__ import annotations

import json

from powsim.traces.format import COLUMNS, Trace


def describe(trace: Trace) -> str:
    """Schema, metadata (JSON) and per-column summary statistics of ``trace``, as text."""
    meta = trace.metadata
    lines = [f"{trace.source}: {meta.kind} trace, dataset '{meta.dataset}', attack '{meta.attack}', "
             f"{len(trace)} rows", "", "schema:"]
    for column in COLUMNS[meta.kind]:
        if column.name in trace.data:
            lines.append(f"  {column.name:<10} {str(column.type):<14} {column.description}")
    lines += ["", "metadata:", json.dumps(json.loads(meta.to_json()), indent=2, sort_keys=True), "",
              "summary:"]
    numeric = trace.data.drop(columns=[c for c in ("votes",) if c in trace.data])
    lines.append(numeric.describe().T.to_string(float_format=lambda v: f"{v:.6g}"))
    if meta.kind == "query":
        lines.append(f"\ntotal cost (sum of per-query epsilons): {trace.data['cost'].sum():.6g}")
    return "\n".join(lines)
