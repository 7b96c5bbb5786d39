"""Which kernel runs which entry of a run, and how their results join into the DES's.

``auto`` gives the entries :func:`powsim.sim.vectorised.takes` to the vectorised kernel and
the rest to the SimPy DES; ``des`` gives every entry to the DES (for benchmarks and the
equality tests). The vectorised members' timelines assume nobody waits for a worker, and
their events join the DES's in time order, so the joined run is the DES's own whenever

* nobody would have waited: at no instant do more batches ask for service than the server
  has workers (of its smaller pool when cost estimation has its own), counting every batch
  of both kernels over [arrival, end of service], widened by 1e-9 s and its relative
  rounding, so that touching intervals count as overlapping;
* no vectorised batch is released at the same instant as another member's, where the DES's
  order of rows would depend on SimPy's event ids.

Otherwise :func:`joined` returns None and the caller runs the DES for everything.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from powsim.sim.events import EVENT_COLUMNS, TEXT, no_events
from powsim.model.scenario import ServerConfig
from powsim.sim.vectorised import Entry

KERNELS = ("auto", "des")
TEXT_DTYPE = pd.DataFrame.from_records([("text",)], columns=["text"])["text"].dtype  # as the DES's
SLACK_S = 1e-9  # widening of each service interval in the check for waits (plus relative rounding)


def joined(des_events: dict[str, np.ndarray | list[str]], entries: Sequence[Entry],
           server: ServerConfig) -> pd.DataFrame | None:
    """The DES's events (its columns, :meth:`~powsim.sim.events.EventRows.columns`) and the
    vectorised entries' events in release order, or None when the join might differ from a
    DES of all of them (see the module docstring)."""
    parts = [{name: pa.array(values, pa.large_string()) if name in TEXT else values
              for name, values in des_events.items()}] if des_events else []
    parts += [entry.events for entry in entries if len(entry.events["batch"])]
    if not parts:
        return no_events()
    events = {name: pa.concat_arrays([part[name].cast(pa.large_string()) for part in parts])
              if name in TEXT else np.concatenate([part[name] for part in parts])
              for name in EVENT_COLUMNS}
    vectorised = np.arange(len(events["batch"])) >= len(des_events.get("batch", ()))
    order = np.argsort(events["sim_time_s"], kind="stable")
    times, mine = events["sim_time_s"][order], vectorised[order]
    if np.any((times[1:] == times[:-1]) & (mine[1:] | mine[:-1])) or _waits(events, server):
        return None
    indices = pa.array(order)
    return pd.DataFrame({name: _text(values.take(indices)) if name in TEXT else values[order]
                         for name, values in events.items()}, copy=False)  # the columns are new


def _text(values: pa.Array) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """``values`` as the DES's events hold text (pandas' default string dtype)."""
    if TEXT_DTYPE == object:
        return np.array(values.to_pylist(), dtype=object)
    return pd.array(values, dtype=TEXT_DTYPE)


def _waits(events: dict[str, np.ndarray], server: ServerConfig) -> bool:
    """Whether more answered batches than workers ask for service at some instant."""
    answered = events["batch"] >= 0
    column = {name: events[name][answered] for name in ("sim_time_s", "solve_s", "service_s", "queue_s")}
    end = column["sim_time_s"] - column["solve_s"] - server.verify_s
    arrived = end - column["service_s"] - column["queue_s"]
    arrived -= SLACK_S + 1e-12 * np.abs(arrived)
    end += SLACK_S + 1e-12 * np.abs(end)
    capacity = server.workers if server.cost_workers == 0 else min(server.workers, server.cost_workers)
    # Batches asking at each arrival: those arrived so far, less those ended strictly before it.
    arrived.sort()
    asking = np.arange(1, len(arrived) + 1) - np.searchsorted(np.sort(end), arrived, side="left")
    return bool(len(asking) and asking.max() > capacity)
