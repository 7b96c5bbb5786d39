"""A request log read and checked: one row per request of an account, the input of
``powsim population import`` (:mod:`powsim.model.population_fit`).

Columns (any others are ignored):

* ``time``: when the request arrived, seconds (a number) or an ISO 8601 time
  (``2026-12-04T06:15:00Z``; a parquet timestamp also works); within an account, rows in the
  file's order never go back in time;
* ``account``: who asked (any text or number);
* ``queries``: how many queries the request asked, a whole number >= 1;
* optional ``device``: a hardware profile's name (:data:`powsim.hashcash.hardware.PROFILES`),
  or ``user_agent``: a browser's User-Agent header, mapped by :func:`device_of_agent`.
  With both, ``device`` is used.

Every fault is one :class:`~powsim.errors.InputError` naming the file, the field, the row
(counted from 0, the header excluded) and what was expected.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from powsim.errors import InputError
from powsim.hashcash.hardware import PROFILES
from powsim.traces.curves import read_csv
from powsim.traces.format import read_parquet_table

REQUIRED = ("time", "account", "queries")
MAX_ROWS = 10**8  # requests: about 3 GB in memory as read
EXPECTED = "one row per request with columns time, account, queries"
# User-Agent words of a phone or tablet browser; any other browser (``Mozilla/``) is a laptop's
# or desktop's, and anything else (curl, python-requests, an SDK) a native client on a laptop.
_MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|Opera Mini", re.IGNORECASE)


def device_of_agent(agent: str) -> str:
    """The hardware profile of a User-Agent header: ``phone-browser`` when it names a phone or
    tablet (Mobile, Android, iPhone, iPad, Opera Mini), ``browser`` for any other browser
    (starts with ``Mozilla/``), else ``laptop-cpu`` (a native client: curl, an SDK)."""
    if _MOBILE.search(agent):
        return "phone-browser"
    return "browser" if agent.strip().startswith("Mozilla/") else "laptop-cpu"


@dataclass(frozen=True)
class RequestLog:
    """The checked rows of a log, in the file's order, each array of shape (requests,):
    ``time_s`` seconds since the log's first request, ``account`` as text, ``queries``,
    and ``device`` (profile names) or None when the log names no device; ``device_column``
    the column it was read from (``device`` or ``user_agent``), or None."""

    source: str
    time_s: np.ndarray
    account: np.ndarray
    queries: np.ndarray
    device: np.ndarray | None
    device_column: str | None = None


def read_log(path: str | os.PathLike[str]) -> RequestLog:
    """The request log at ``path`` (``.csv`` or ``.parquet``), checked."""
    source, suffix = str(path), Path(path).suffix.lower()
    if suffix == ".csv":
        frame = read_csv(source, EXPECTED)
    elif suffix == ".parquet":
        table = read_parquet_table(path, "parquet")
        if table.num_rows > MAX_ROWS:
            raise InputError(f"{source}: {table.num_rows:,} rows, expected at most {MAX_ROWS:,}")
        frame = table.to_pandas()
    else:
        raise InputError(f"{source}: file name ends in {suffix or 'nothing'!r}, expected .csv or .parquet")
    if frame.empty:
        raise InputError(f"{source}: no rows, expected {EXPECTED}")
    missing = [name for name in REQUIRED if name not in frame.columns]
    if missing:
        raise InputError(f"{source}: no '{missing[0]}' column, expected columns "
                         f"{', '.join(REQUIRED)} and optionally device or user_agent")
    account = _text(frame["account"], source, "account", "an account name")
    time_s = _times(frame["time"], source)
    _check_order(time_s, account, source)
    column = next((name for name in ("device", "user_agent") if name in frame.columns), None)
    return RequestLog(source, time_s - time_s.min(), account, _queries(frame["queries"], source),
                      _devices(frame, source), column)


def _where(source: str, field: str, row: int) -> str:
    return f"{source}: field '{field}' row {row}"


def _absent(values: pd.Series) -> np.ndarray:
    """Missing cells: null, NaN, or (as CSV text) empty or 'nan'."""
    text = values.astype(str).str.strip()
    return (values.isna() | text.isin(["", "nan", "NaN", "NaT", "None"])).to_numpy()


def _first_bad(bad: np.ndarray) -> int | None:
    rows = np.flatnonzero(bad)
    return int(rows[0]) if rows.size else None


def _text(values: pd.Series, source: str, field: str, expected: str) -> np.ndarray:
    row = _first_bad(_absent(values))
    if row is not None:
        raise InputError(f"{_where(source, field, row)}: missing value, expected {expected}")
    return values.astype(str).str.strip().to_numpy()


def _times(values: pd.Series, source: str) -> np.ndarray:
    """Seconds, shape (rows,): numbers as they are, ISO 8601 times as seconds since 1970."""
    expected = "seconds >= 0 or an ISO 8601 time"
    row = _first_bad(_absent(values))
    if row is not None:
        raise InputError(f"{_where(source, 'time', row)}: missing value, expected {expected}")
    if pd.api.types.is_datetime64_any_dtype(values):
        return _epoch_seconds(values)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    if not np.isnan(numbers[0]):  # the first row decides: numbers, or times of day
        row = _first_bad(~np.isfinite(numbers) | (numbers < 0))
        if row is not None:
            raise InputError(f"{_where(source, 'time', row)}: {values.iloc[row]!r}, expected {expected}")
        return numbers
    stamps = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
    row = _first_bad(stamps.isna().to_numpy())
    if row is not None:
        raise InputError(f"{_where(source, 'time', row)}: {values.iloc[row]!r}, expected {expected}")
    return _epoch_seconds(stamps)


def _epoch_seconds(stamps: pd.Series) -> np.ndarray:
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    return ((stamps - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64)


def _check_order(time_s: np.ndarray, account: np.ndarray, source: str) -> None:
    """Refuse the first row whose time is before its account's previous request."""
    order = pd.DataFrame({"account": account, "time": time_s})
    back = order.groupby("account", sort=False)["time"].diff().to_numpy() < 0
    row = _first_bad(back)
    if row is not None:
        earlier = order["time"][(order["account"] == account[row]) & (order.index < row)].iloc[-1]
        raise InputError(f"{_where(source, 'time', row)}: {time_s[row]:g} s after {earlier:g} s of "
                         f"account {account[row]!r}, expected each account's requests in time order")


def _queries(values: pd.Series, source: str) -> np.ndarray:
    expected = "a whole number of queries >= 1"
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    row = _first_bad(~np.isfinite(numbers) | (numbers < 1) | (numbers != np.round(numbers)))
    if row is not None:
        shown = "missing value" if _absent(values)[row] else repr(values.iloc[row])
        raise InputError(f"{_where(source, 'queries', row)}: {shown}, expected {expected}")
    return numbers.astype(np.int64)


def _devices(frame: pd.DataFrame, source: str) -> np.ndarray | None:
    """Profile names, shape (rows,), from ``device`` or ``user_agent``; None without either."""
    if "device" in frame.columns:
        names = _text(frame["device"], source, "device", "a hardware profile name")
        row = _first_bad(~np.isin(names, list(PROFILES)))
        if row is not None:
            raise InputError(f"{_where(source, 'device', row)}: {names[row]!r}, expected one of "
                             f"{', '.join(sorted(PROFILES))} (or a user_agent column instead)")
        return names
    if "user_agent" in frame.columns:
        agents = _text(frame["user_agent"], source, "user_agent", "a User-Agent header")
        return pd.Series(agents).map({agent: device_of_agent(agent) for agent in set(agents)}).to_numpy()
    return None
