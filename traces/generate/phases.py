"""Wall times of the generator's long phases, kept with the cache so that loaded models keep them.

A phase (victim training, teacher training, the votes on the pools, a strategy's queries)
is either run now, and timed, or served from the cache; then the time measured when it was
run is read back from ``phases.json`` in the cache folder, next to the weights. Cache
folders made before the times were kept have none: their phases say "not recorded".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from powsim.atomic import write_text_atomic

NOT_RECORDED = "not recorded"
FILE_NAME = "phases.json"
T = TypeVar("T")


class Phases:
    """Phase times (seconds) of one run; ``folder`` is the cache folder whose file keeps them.

    :meth:`record` gives ``{"NAME_s": seconds or "not recorded", ..., "cached": [names]}``,
    the form a trace's ``provenance.phases`` takes.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.seconds: dict[str, float | str] = {}
        self.cached: list[str] = []

    def run(self, name: str, work: Callable[[], T], keep: bool = False) -> T:
        """Run ``work``, time it as phase ``name`` and return its result; with ``keep`` the
        time is also written to the cache folder's file."""
        start = time.perf_counter()
        result = work()
        self.seconds[name] = round(time.perf_counter() - start, 2)
        if keep and self.folder is not None:
            kept = self._kept()
            kept[name] = self.seconds[name]
            write_text_atomic(self.folder / FILE_NAME, json.dumps(kept, indent=2, sort_keys=True))
        return result

    def loaded(self, name: str) -> None:
        """Phase ``name`` was served from the cache: take its kept time, if any."""
        self.seconds[name] = self._kept().get(name, NOT_RECORDED)
        self.cached.append(name)

    def _kept(self) -> dict[str, float]:
        path = None if self.folder is None else self.folder / FILE_NAME
        if path is None or not path.is_file():
            return {}
        try:
            kept = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}  # an unreadable record only loses the times, never the models
        return kept if isinstance(kept, dict) else {}

    def record(self) -> dict[str, object]:
        """The phases so far, as a JSON-ready dict (see the class docstring)."""
        return {**{f"{name}_s": value for name, value in self.seconds.items()},
                "cached": [f"{name}_s" for name in self.cached]}
