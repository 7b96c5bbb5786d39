"""Write result tables for people (Markdown) and programs (CSV, JSON), with their provenance.

CSV is a plain table (``pandas.read_csv(path)`` just works) and JSON a list of records
(``pandas.read_json(path)`` just works); how they were produced goes in a sidecar
``NAME.provenance.json`` beside the file. Markdown prints whole numbers as integers with
thousands separators, units in the headers, and closes with a provenance line.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from powsim.errors import ParameterError
from powsim.outputs import sidecar_name, staged

FORMATS = ("md", "csv", "json")

_UNITS = {"_s": "s", "_hz": "Hz", "_usd": "USD"}
_NAMED_UNITS = {"dollars": "USD", "kwh": "kWh", "bits_mean": "bits", "overhead": "x",
                "overhead_median": "x", "overhead_p95": "x", "ci_low": "x", "ci_high": "x",
                "privacy": "sum of eps", "hashes": "SHA-256"}


def header(name: str, units: dict[str, str] | None = None) -> str:
    """A column's Markdown header with its unit: ``time_s`` -> ``time (s)``, ``accuracy`` -> ``accuracy (%)``;
    ``units`` overrides a column's unit (``{"hashes": "argon2id trials"}``)."""
    if units and name in units:
        return f"{name} ({units[name]})"
    for suffix, unit in _UNITS.items():
        if name.endswith(suffix):
            return f"{name[: -len(suffix)]} ({unit})"
    if "accuracy" in name or "fidelity" in name:
        return f"{name} (%)"
    return f"{name} ({_NAMED_UNITS[name]})" if name in _NAMED_UNITS else name


def _cell(value: object) -> str:
    """A number for people: whole numbers as 1,946,875; others to 6 significant digits."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return "" if value is None or value is pd.NA else str(value)
    number = float(value)
    if math.isnan(number):
        return ""
    if math.isfinite(number) and abs(number) < 1e15 and (number == round(number) or abs(number) >= 1e5):
        return f"{round(number):,}"
    return f"{number:.6g}"


def markdown(table: pd.DataFrame, units: dict[str, str] | None = None) -> str:
    """``table`` as a Markdown table for people (see :func:`_cell` and :func:`header`, which
    ``units`` is passed to)."""
    numeric = [pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
               for c in table.columns]
    cells = table.apply(lambda column: column.map(_cell)).astype(str) if len(table) else table
    cells.columns = [header(str(c), units) for c in table.columns]
    return cells.to_markdown(index=False, disable_numparse=True,
                             colalign=["right" if n else "left" for n in numeric])


def render(table: pd.DataFrame, fmt: str, provenance: dict[str, object]) -> str:
    """``table`` as text in ``fmt`` ('md', 'csv' or 'json'); Markdown records ``provenance``
    in a closing line, the others leave it to the sidecar (:func:`write_table`)."""
    if fmt == "md":
        return f"{markdown(table)}\n\nProduced by powsim: {json.dumps(provenance, sort_keys=True)}\n"
    if fmt == "csv":
        return table.to_csv(index=False)
    if fmt == "json":
        return table.to_json(orient="records", double_precision=15, indent=2) + "\n"
    raise ParameterError(f"{{format}}: {fmt!r}, expected one of {', '.join(FORMATS)}")


def provenance_json(provenance: dict[str, object]) -> str:
    """The text of a provenance sidecar."""
    return json.dumps(provenance, indent=2, sort_keys=True, default=str) + "\n"


def write_table(table: pd.DataFrame, fmt: str, provenance: dict[str, object],
                out: str | os.PathLike[str] | None) -> str:
    """Render ``table``; when ``out`` is given write it and ``OUT.provenance.json`` (both or
    neither). Returns the text."""
    text = render(table, fmt, provenance)
    if out is not None:
        name = Path(out).name
        with staged(out, "file") as staging:
            staging.path(name).write_text(text, encoding="utf-8")
            staging.path(sidecar_name(name)).write_text(provenance_json(provenance), encoding="utf-8")
    return text
