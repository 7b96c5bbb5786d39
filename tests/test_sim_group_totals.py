"""The summary's compiled group totals equal pandas' groupby bit for bit: on data built to
expose the order and the compensation of the additions (cancellation, NaN, infinities, groups
without rows), with labels in any order (pandas' Kahan path) and sorted (its reduceat path,
unless a column holds NaN), and on the members' rows of every per-account example's runs;
so do its entry codes, accounts and per-device hashes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from powsim.model.load import LoadScenario
from powsim.model.read import read_scenario
from powsim.sim.group_totals import group_max, group_sums, kahan_sums
from powsim.sim.run import prepare, simulate
from powsim.sim.summary import _by_device, _codes

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.toml"))


def bits(values: np.ndarray) -> np.ndarray:
    """The float64 ``values``' bit patterns: equal bits, not merely equal numbers."""
    return np.ascontiguousarray(values, np.float64).view(np.int64)


def pandas_totals(labels: np.ndarray, values: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """What summarize computed before: pandas' groupby sums of each column (as its named
    aggregations do, column by column; NaN filled with 0 for groups without rows) and max of
    the first, reindexed on every group."""
    def by_label(column: int) -> pd.core.groupby.SeriesGroupBy:
        return pd.Series(values[:, column]).groupby(labels)

    sums = np.column_stack([by_label(j).sum().reindex(np.arange(groups)).fillna(0.0).to_numpy()
                            for j in range(values.shape[1])])
    return sums, by_label(0).max().reindex(np.arange(groups)).to_numpy()


def check(labels: np.ndarray, values: np.ndarray, groups: int) -> None:
    sums, maxima = pandas_totals(labels, values, groups)
    assert np.array_equal(bits(group_sums(labels, values, groups)), bits(sums))
    assert np.array_equal(bits(group_max(labels, values[:, 0].copy(), groups)), bits(maxima))


@pytest.mark.parametrize("ordered", [False, True], ids=["any order", "sorted"])
@pytest.mark.parametrize("seed", range(4))
def test_sums_and_maxima_equal_pandas_on_hard_data(seed: int, ordered: bool) -> None:
    rng = np.random.default_rng(seed)
    rows, groups = 3000, 40  # groups 30-39 get no row
    labels = rng.integers(0, 30, rows)
    labels = np.sort(labels) if ordered else labels
    # Magnitudes over 30 decades with both signs: naive, pairwise and Kahan sums all differ here.
    values = rng.standard_normal((rows, 3)) * 10.0 ** rng.integers(-15, 15, (rows, 3))
    values[rng.random((rows, 3)) < 0.05] = np.nan
    values[rng.random((rows, 3)) < 0.002] = np.inf
    values[labels == 7] = np.nan  # a group of NaN only
    check(labels, values, groups)
    check(labels, np.nan_to_num(values, nan=1.5, posinf=np.inf), groups)  # no NaN: sorted labels reduce
    mixed = values.copy()
    mixed[:, 1] = np.nan_to_num(mixed[:, 1], nan=-2.5, posinf=np.inf)  # only this column reduces
    check(labels, mixed, groups)
    check(labels, np.nan_to_num(values[:, :1], nan=1.5, posinf=np.inf) * [1.0, -1.0, 1e-9], groups)
    finite = np.nan_to_num(values, nan=0.0, posinf=0.0)
    naive = np.zeros((groups, 3))
    np.add.at(naive, labels, finite)  # row by row, uncompensated
    assert not np.array_equal(kahan_sums(labels, finite, groups), naive)  # the data tells them apart


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_summary_parts_equal_pandas_on_every_example(path: Path) -> None:
    scenario = read_scenario(path)
    if isinstance(scenario, LoadScenario):
        pytest.skip("a load scenario: no per-account summary")
    model = prepare(scenario)
    names = [spec.name for spec in scenario.agents]
    for mode, replication in (("expected", 0), ("sampled", 1)):
        events, members = simulate(model, mode, 3, replication)
        labels = events["actor"].to_numpy() + 10**6 * pd.Categorical(events["agent"], names).codes.astype(np.int64)
        groups, member = np.unique(labels, return_inverse=True)
        columns = np.column_stack([events[c].to_numpy(np.float64) for c in
                                   ("sim_time_s", "service_s", "solve_s", "trials")])
        check(member.astype(np.int64), columns, len(groups) + 2)
        check(np.sort(member).astype(np.int64), columns, len(groups))  # as one member's rows are
        for frame in (events, members):
            assert np.array_equal(_codes(frame["agent"], pa.array(names)),
                                  pd.Categorical(frame["agent"], categories=names).codes)
        rng = np.random.default_rng(0)
        hashes = rng.random(len(members)) * 10.0 ** rng.integers(0, 16, len(members))
        hardware = members["hardware"].to_numpy()
        expected = pd.Series(hashes).groupby(hardware).sum()
        assert list(_by_device(hashes, hardware).items()) == list(expected.items())
        accounts = pa.array(events["account"].array)
        for index, name in enumerate(names):
            mine = (events["agent"] == name).to_numpy()
            assert (pc.count_distinct(accounts.filter(mine)).as_py()
                    == pd.Series(events["account"].to_numpy()[mine]).nunique())
