"""The defense's legitimate reference in the policy's cost metric.

A curve trace is fitted as it is (as in paper mode); a legitimate query trace is first
made cumulative at the end of each of its batches: additive cost for ``paper`` and
``one-sided``, RDP-composed epsilon at the trace's delta for ``rdp`` (on the scenario's
order grid, the one its accounts are charged on). The fit itself is
:mod:`powsim.calibrate.reference`'s, the same as paper mode's.
"""

from __future__ import annotations

import numpy as np

from powsim.calibrate.reference import LinearReference, fit_line, fit_reference
from powsim.errors import InputError
from powsim.traces.batches import ServiceTimes, workload
from powsim.traces.format import Trace
from powsim.traces.pate import ORDERS, epsilon


def policy_reference(trace: Trace, metric: str, queries_per_puzzle: float | None = None,
                     orders: np.ndarray = ORDERS) -> LinearReference:
    """Fit E(Q) = b0 + b1 Q on ``trace`` cut into puzzles of ``queries_per_puzzle`` queries,
    in ``metric`` ('additive' or 'rdp', composed and converted at RDP ``orders``)."""
    if metric == "additive" and trace.kind == "curve":
        return fit_reference(trace)
    batches = workload(trace, queries_per_puzzle, ServiceTimes(0.0, 0.0), metric == "rdp", orders)
    if metric == "rdp":
        cost, _ = epsilon(np.cumsum(batches.rdp, axis=0), reference_delta(trace), orders)
    else:
        cost = np.cumsum(batches.cost)
    return fit_line(np.cumsum(batches.queries), cost, trace.source)


def reference_delta(trace: Trace) -> float:
    """The delta of the RDP-to-epsilon conversion: the reference trace's."""
    if trace.metadata.delta is None:
        raise InputError(f"{trace.source}: metadata field 'delta' is missing, expected the PATE "
                         "delta for the rdp policy")
    return trace.metadata.delta
