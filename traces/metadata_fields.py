"""Types and ranges of a trace's metadata fields, checked before the metadata is built.

Parquet key-value metadata is arbitrary bytes, so every field is checked for its JSON type
(a number is never a bool, a string or a list), its finiteness and its range, and each
checkpoint entry for its keys. One :class:`~powsim.errors.InputError` names the file and
the first field that breaks a rule.
"""

from __future__ import annotations

import math

from powsim.errors import InputError

MAX_COUNT = 10**9  # teachers, classes: far above any real ensemble, far below overflow
MAX_QUERIES = 1e12
CHECKPOINT_KEYS = {"queries", "accuracy", "fidelity"}


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _fail(source: str, name: str, value: object, expected: str) -> InputError:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return InputError(f"{source}: metadata field '{name}' is {shown}, expected {expected}")


def check_record(record: dict[str, object], source: str) -> None:
    """Raise on the first field of the metadata ``record`` (parsed JSON) with a wrong type."""
    for name in ("teachers", "classes"):
        value = record.get(name)
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool)
                                      and 0 < value <= MAX_COUNT):
            raise _fail(source, name, value, f"null or a whole number from 1 to {MAX_COUNT:,}")
    for name in ("sigma", "delta", "batch_size", "victim_accuracy"):
        value = record.get(name)
        if value is not None and not _number(value):
            raise _fail(source, name, value, "null or a finite number")
    accuracy = record.get("victim_accuracy")
    if accuracy is not None and not 0 <= accuracy <= 100:
        raise _fail(source, "victim_accuracy", accuracy, "a percentage from 0 to 100")
    for name in ("provenance", "extra"):
        if not isinstance(record.get(name, {}), dict):
            raise _fail(source, name, record[name], "a JSON object")
    seconds = record.get("seconds_per_batch", {})
    if not isinstance(seconds, dict):
        raise _fail(source, "seconds_per_batch", seconds,
                    "a JSON object of seconds, e.g. {\"inference\": 0.01}")
    for key, value in seconds.items():
        if not (_number(value) and 0 <= value <= 1e9):
            raise _fail(source, f"seconds_per_batch.{key}", value, "seconds from 0 to 1e9")
    _check_checkpoints(record.get("checkpoints", []), source)


def _check_checkpoints(checkpoints: object, source: str) -> None:
    if not isinstance(checkpoints, list):
        raise _fail(source, "checkpoints", checkpoints,
                    "a list of {\"queries\", \"accuracy\", \"fidelity\"} records")
    for index, entry in enumerate(checkpoints):
        name = f"checkpoints[{index}]"
        if not isinstance(entry, dict) or "queries" not in entry:
            raise _fail(source, name, entry, "a record with 'queries' (and 'accuracy', 'fidelity')")
        unknown = sorted(set(entry) - CHECKPOINT_KEYS)
        if unknown:
            raise _fail(source, f"{name}.{unknown[0]}", entry[unknown[0]],
                        "only keys queries, accuracy, fidelity")
        if not (_number(entry["queries"]) and 0 <= entry["queries"] <= MAX_QUERIES):
            raise _fail(source, f"{name}.queries", entry["queries"], "a count from 0 to 1e12")
        for key in ("accuracy", "fidelity"):
            if key in entry and not (_number(entry[key]) and 0 <= entry[key] <= 100):
                raise _fail(source, f"{name}.{key}", entry[key], "a percentage from 0 to 100")
