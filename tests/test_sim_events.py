"""EventRows typed a chunk at a time gives the table DataFrame.from_records gives of all rows:
same columns, dtypes and values, whatever the chunks (a column whole numbers in one chunk and
fractions in another, ints, bools, text)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from powsim.sim.events import EVENT_COLUMNS, EventRows


def _rows(rng: np.random.Generator, n: int, whole_until: int) -> list[tuple]:
    """``n`` rows; every float column holds whole numbers (Python ints) in rows before
    ``whole_until``, floats after; ``bits`` ints, ``cover`` bools, text from a few names."""
    rows = []
    for i in range(n):
        number = (lambda: int(rng.integers(0, 9))) if i < whole_until else (lambda: float(rng.random()))
        row = {name: number() for name in EVENT_COLUMNS}
        row.update(agent=f"agent{i % 3}", kind="legit", account=f"a/{i % 5}", actor=i % 4,
                   batch=i, cover=bool(i % 2), bits=int(rng.integers(0, 30)))
        rows.append(tuple(row[name] for name in EVENT_COLUMNS))
    return rows


@pytest.mark.parametrize("whole_until", [0, 40, 1000])
def test_chunked_rows_make_the_table_from_records_makes(whole_until: int) -> None:
    rng = np.random.default_rng(whole_until)
    rows = _rows(rng, 300, whole_until)
    events = EventRows()
    for i, row in enumerate(rows):
        events.append(row)
        if i in (0, 39, 40, 150):  # chunks of 1, 39, 1, 110 and 149 rows
            events.settle()
    table = events.frame()
    expected = pd.DataFrame.from_records(rows, columns=EVENT_COLUMNS)
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert (table.dtypes["queries"] == np.int64) == (whole_until >= 300)  # whole numbers stay ints
    assert not events and events.frame().empty  # the rows were taken


def test_no_rows_make_the_empty_table_and_bad_rows_are_refused() -> None:
    pd.testing.assert_frame_equal(EventRows().frame(), pd.DataFrame.from_records([], columns=EVENT_COLUMNS))
    events = EventRows()
    events.append((1.0, "a"))
    with pytest.raises(ValueError, match="rows of 19 fields"):
        events.settle()
