"""How an output was produced: recorded in every file powsim writes."""

from __future__ import annotations

import datetime as _dt
import platform
import shlex
import sys
from collections.abc import Sequence
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


_arguments: list[str] | None = None


def record_command(arguments: Sequence[str]) -> None:
    """Record the arguments of the running ``powsim`` command (``main`` calls it, so that a
    command run in process records its own arguments rather than the host's ``sys.argv``)."""
    global _arguments
    _arguments = [str(a) for a in arguments]


def provenance(seed: int | None = None, device: str = "cpu", **extra: object) -> dict[str, object]:
    """A JSON-ready record of the command line, device, library versions, seed and time (UTC)."""
    arguments = sys.argv[1:] if _arguments is None else _arguments
    record: dict[str, object] = {
        "command": shlex.join(["powsim", *arguments]),
        "device": device,
        "versions": library_versions(),
        "seed": seed,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    record.update(extra)
    return record
