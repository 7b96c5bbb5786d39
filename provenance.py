"""How an output was produced: recorded in every file powsim writes."""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from importlib import metadata

_LIBRARIES = ("powsim", "numpy", "scipy", "pandas", "pyarrow", "simpy", "torch")


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape results; absent ones are left out."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def provenance(seed: int | None = None, device: str = "cpu", **extra: object) -> dict[str, object]:
    """A JSON-ready record of the command line, device, library versions, seed and time (UTC)."""
    record: dict[str, object] = {
        "command": " ".join(["powsim", *sys.argv[1:]]) if sys.argv else "powsim",
        "device": device,
        "versions": library_versions(),
        "seed": seed,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    record.update(extra)
    return record
