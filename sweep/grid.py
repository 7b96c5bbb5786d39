"""A sweep's grid: ``KEY=VALUES`` axes and their product.

VALUES is a comma list of TOML values (``1.001,1.01``, ``paper,one-sided``), or
``lin:START:STOP:N`` (N evenly spaced numbers, both ends included) or ``log:START:STOP:N``
(N numbers evenly spaced in log, both ends included). Numbers that are all whole (a linear
grid of workers) stay integers. Several axes make a product, the first axis varying slowest.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np

from powsim.errors import ParameterError
from powsim.model.overrides import Override, parse_value

MAX_AXIS_VALUES = 100_000  # values of one axis; each is at least one whole simulation
MAX_POINTS = 1_000_000  # points of a grid (the product of its axes)


class Axis(NamedTuple):
    """One swept key and its values, in order."""

    key: str
    values: tuple[object, ...]


def parse_axis(text: str) -> Axis:
    """``KEY=VALUES`` of option --grid (see the module docstring)."""
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    if not sep or not key or not spec:
        raise ParameterError(f"{{grid}}: {text!r}, expected KEY=VALUES (e.g. defense.a="
                         "log:1.0001:1.5:40 or server.workers=1,2,4)")
    kind = spec.split(":", 1)[0]
    if kind in ("lin", "log"):
        values = _spaced(kind, spec, text)
    else:
        values = tuple(parse_value(part.strip()) for part in spec.split(",") if part.strip())
    if not values:
        raise ParameterError(f"{{grid}}: {text!r}, no values, expected at least one")
    return Axis(key, values)


def _spaced(kind: str, spec: str, text: str) -> tuple[object, ...]:
    parts = spec.split(":")
    try:
        start, stop, count = float(parts[1]), float(parts[2]), int(parts[3])
        if len(parts) != 4:
            raise ValueError
    except (ValueError, IndexError):
        raise ParameterError(f"{{grid}}: {text!r}, expected {kind}:START:STOP:N with numbers "
                         "START, STOP and a whole N >= 1") from None
    if count > MAX_AXIS_VALUES:
        raise ParameterError(f"{{grid}}: {text!r}, N {count:,}, expected at most "
                             f"{MAX_AXIS_VALUES:,} values per axis")
    if count < 1 or not (math.isfinite(start) and math.isfinite(stop)) or (
            kind == "log" and not (start > 0 and stop > 0)):
        raise ParameterError(f"{{grid}}: {text!r}, expected finite START and STOP (> 0 for log) "
                         "and N >= 1")
    values = (np.linspace(start, stop, count) if kind == "lin"
              else np.geomspace(start, stop, count))
    if np.all(values == np.round(values)):
        return tuple(int(v) for v in values)
    return tuple(float(v) for v in values)


def grid_points(axes: list[Axis] | tuple[Axis, ...]) -> list[tuple[Override, ...]]:
    """Every point of the product of ``axes``: one override per axis, the first varying slowest."""
    if not axes:
        raise ParameterError("{grid}: none given, expected at least one KEY=VALUES")
    keys = [axis.key for axis in axes]
    duplicate = next((key for key in keys if keys.count(key) > 1), None)
    if duplicate:
        raise ParameterError(f"{{grid}}: key {duplicate!r} given twice, expected each key once")
    size = math.prod(len(axis.values) for axis in axes)
    if size > MAX_POINTS:
        raise ParameterError(f"{{grid}}: {' x '.join(f'{len(a.values):,}' for a in axes)} = "
                             f"{size:,} points, expected at most {MAX_POINTS:,}")
    return [tuple(Override(key, value) for key, value in zip(keys, values))
            for values in itertools.product(*(axis.values for axis in axes))]
