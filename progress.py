"""Progress bars on standard error for work that can run past a couple of seconds.

One bar per long loop (a sweep's runs, a table's replications, a validation's puzzles): what
it does, done/total, the rate and the time left (tqdm's bar). Shown when standard error is a
terminal; the command line's ``--progress`` shows them anyway (a log file) and ``--quiet``
never (:func:`configure`). Library callers that pass ``enabled=False`` never get one.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

_shown: bool | None = None  # None: when standard error is a terminal
# No monitor thread (it only shortens the refresh of a stalled bar): a sweep forks its local
# workers, which is safe only from a process with no other thread (sweep/local_pool.py).
tqdm.monitor_interval = 0


def configure(shown: bool | None) -> None:
    """Show bars always (True), never (False) or on a terminal only (None, the default)."""
    global _shown
    _shown = shown


def bar(total: int, desc: str, unit: str = "run", enabled: bool = True) -> Any:
    """A tqdm bar on standard error for ``total`` steps of ``unit`` doing ``desc`` (use it as a
    context manager and call ``update()`` per step); a silent one when disabled."""
    if not enabled or _shown is False:
        disable: bool | None = True
    else:
        disable = None if _shown is None else False
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=disable,
                mininterval=0.5, dynamic_ncols=True)

