"""Pausing Python's cyclic garbage collector around a simulation's event loop.

A SimPy run allocates millions of short-lived events, most of them freed by reference
counting at once, while the run's own records grow. The collector's passes then rescan ever
more live objects and find little: on ``examples/tor-large-botnet.toml`` they cost about 15 %
of the CPU time, on ``examples/what-if-a.toml`` about 10 %, and more in a dask worker, whose
heap also holds the worker's own state. Pausing them leaves the peak memory unchanged: cycles
left behind are collected once the collector is restored.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block; restore its state after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
