"""Write result tables for people (Markdown) and programs (CSV, JSON), with their provenance."""

from __future__ import annotations

import json
import os

import pandas as pd

from powsim.atomic import write_text_atomic
from powsim.errors import ParameterError

FORMATS = ("md", "csv", "json")


def render(table: pd.DataFrame, fmt: str, provenance: dict[str, object]) -> str:
    """``table`` as text in ``fmt`` ('md', 'csv' or 'json'), recording ``provenance``.

    CSV carries the provenance as leading ``#`` comment lines (read back with
    ``pandas.read_csv(..., comment='#')``); JSON as a ``provenance`` field beside ``rows``;
    Markdown as a closing line.
    """
    origin = json.dumps(provenance, sort_keys=True)
    if fmt == "md":
        body = table.to_markdown(index=False, floatfmt=".6g")
        return f"{body}\n\nProduced by powsim: {origin}\n"
    if fmt == "csv":
        return f"# produced by powsim: {origin}\n" + table.to_csv(index=False)
    if fmt == "json":
        rows = json.loads(table.to_json(orient="records", double_precision=15))
        return json.dumps({"provenance": provenance, "rows": rows}, indent=2) + "\n"
    raise ParameterError(f"{{format}}: {fmt!r}, expected one of {', '.join(FORMATS)}")


def write_table(table: pd.DataFrame, fmt: str, provenance: dict[str, object],
                out: str | os.PathLike[str] | None) -> str:
    """Render ``table``; write it atomically to ``out`` when given. Returns the text."""
    text = render(table, fmt, provenance)
    if out is not None:
        write_text_atomic(out, text)
    return text
