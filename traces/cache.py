"""Trace files read once per process while their bytes stay the same.

A sweep or a calibration reads its scenario once per grid point (to check every point, then
in each task), and every read used to read and validate the same parquet files again (about
15 ms of a 30 ms read for examples/what-if-a.toml) and to cut the same pool parts. Here a
file is read again only when its resolved path, inode, size or modification time changed;
a trace is immutable (nothing writes into its table), so every reader may share it. A hit
carries the ``source`` its reader named, as a fresh read would.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import OrderedDict
from pathlib import Path

from powsim.traces.format import Trace, read_trace
from powsim.traces.pool import pool_part

KEPT = 8  # trace files, and pool parts, a process keeps (a scenario names a few)
_files: OrderedDict[tuple, Trace] = OrderedDict()
_parts: OrderedDict[tuple[int, str], tuple[Trace, Trace]] = OrderedDict()
_lock = threading.Lock()  # a dask worker may run tasks in several threads


def cached_trace(path: str | os.PathLike[str]) -> Trace:
    """:func:`~powsim.traces.format.read_trace` of ``path``, from the cache while the file
    is unchanged (see the module docstring)."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except OSError:
        return read_trace(path)  # its own message for a missing or unreadable file
    key = (str(resolved), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _lock:
        trace = _files.get(key)
        if trace is not None:
            _files.move_to_end(key)
    if trace is None:
        trace = read_trace(path)
        with _lock:
            _files[key] = trace
            while len(_files) > KEPT:
                _files.popitem(last=False)
    return trace if trace.source == str(path) else dataclasses.replace(trace, source=str(path))


def cached_part(trace: Trace, part: str) -> Trace:
    """:func:`~powsim.traces.pool.pool_part` of ``trace``, cut once per trace object (a
    cached trace is the same object at every read)."""
    key = (id(trace), part)
    with _lock:
        kept = _parts.get(key)
        if kept is not None and kept[0] is trace:  # the id is not another, newer object's
            _parts.move_to_end(key)
            return kept[1]
    cut = pool_part(trace, part)
    with _lock:
        _parts[key] = (trace, cut)
        while len(_parts) > KEPT:
            _parts.popitem(last=False)
    return cut
