"""The load metrics against values worked out by hand: a tiny record of known clients whose
quantiles, connect rate and ratios of sums are computed here, line by line; MSER-5 on series
with a known transient."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from powsim.commands.load import readable_table
from powsim.hashcash.hardware import PROFILES
from powsim.sweep.capacity import parse_slo
from powsim.model.load import DifficultyRule, LoadScenario, LoadServer, Stream
from powsim.load.engine import LoadRun
from powsim.load.metrics import clients_frame, summary, timeseries
from powsim.load.record import Recorder
from powsim.load.runs import run_tables
from powsim.load.warmup import mser5, mser5_warmup_s

STREAM = Stream("legit", 1.0, PROFILES["browser"], queries=64)
SCENARIO = LoadScenario(LoadServer(), DifficultyRule(), (STREAM,), (), 100.0, 0.0)


def _record(clients: list[tuple]) -> Recorder:
    """A record of one stream holding ``clients`` (Recorder.client's arguments after group)."""
    record = Recorder(1, 100.0, 10.0)
    for client in clients:
        record.client(0, *client)
    return record


def _row(record: Recorder) -> pd.Series:
    return summary(SCENARIO, record, (0.0, 100.0), 1).iloc[0]


def _connected(ttc_s: float, solve_s: float = 0.0, service_s: float = 1.0) -> tuple:
    """A client arriving at 0 and connecting after ``ttc_s`` seconds, on its first try."""
    return (0.0, ttc_s, True, 1, solve_s, ttc_s - solve_s - service_s, service_s)


LOST = (0.0, 30.0, False, 3, 2.0, math.nan, math.nan)  # gave up at 30 s after 3 tries


def test_quantiles_count_the_lost_as_never_connected():
    """19 clients connect after 1, 2, ..., 19 s and one is lost: 20 clients. The q-quantile is
    the smallest TTC by which a share q of all 20 had connected: p50 needs 10 connected (TTC
    10 s), p95 needs 19 (19 s), p99 needs 19.8, so 20: the lost one, never ('not reached').
    A p95 computed as the median (10 s), or over the connected only (linear: 18.1 s), fails."""
    row = _row(_record([_connected(t) for t in range(1, 20)] + [LOST]))
    assert (row["clients"], row["connected"], row["lost"]) == (20, 19, 1)
    assert row["connect_rate"] == 19 / 20
    assert (row["ttc_p50_s"], row["ttc_p95_s"], row["ttc_p99_s"]) == (10.0, 19.0, math.inf)
    assert row["ttc_mean_s"] == math.inf  # the mean over all clients: one never connects
    assert row["ttc_mean_connected_s"] == sum(range(1, 20)) / 19  # 10 s
    assert row["tries_mean"] == 1.0


def test_more_lost_than_its_share_and_the_quantile_is_not_reached():
    """18 connected and 2 lost of 20: 10 % lost, more than the 5 % the p95 allows; the median
    still reads 10 s. Printed, the infinite figures read 'not reached'."""
    row = _row(_record([_connected(t) for t in range(1, 19)] + [LOST, LOST]))
    assert row["connect_rate"] == 0.9
    assert (row["ttc_p50_s"], row["ttc_p95_s"]) == (10.0, math.inf)
    printed = readable_table(pd.DataFrame([row]), ["ttc_p50_s", "ttc_p95_s", "connect_rate"])
    assert [cell.strip() for cell in printed.splitlines()[2].split("|")[1:4]] == [
        "10", "not reached", "0.9"]


def test_overheads_are_ratios_of_sums_with_added_seconds():
    """Three connected clients, (TTC, solve, service) seconds = (2, 0.5, 1), (4, 1, 0.1),
    (10, 0.5, 4), and one lost (its solving and waiting enter no ratio):
    sum of service 5.1, of solve 2, of TTC 16.
    overhead_no_queue = (5.1 + 2) / 5.1 = 1.3922 (a mean of per-client ratios: 4.54);
    overhead_with_queue = 16 / 5.1 = 3.1373 (a mean of ratios: 14.83);
    added seconds per request: solving 2 / 3 = 0.6667, TTC minus service (16 - 5.1) / 3 = 3.6333;
    per 1,000 queries at 64 queries a request: x 1000 / 64."""
    row = _row(_record([_connected(2, 0.5, 1), _connected(4, 1, 0.1), _connected(10, 0.5, 4), LOST]))
    assert row["overhead_no_queue"] == pytest.approx(7.1 / 5.1)
    assert row["overhead_with_queue"] == pytest.approx(16 / 5.1)
    assert row["added_no_queue_s"] == pytest.approx(2 / 3)
    assert row["added_with_queue_s"] == pytest.approx(10.9 / 3)
    assert row["added_with_queue_s_per_1000q"] == pytest.approx(10.9 / 3 * 1000 / 64)
    assert row["added_no_queue_s_per_1000q"] == pytest.approx(2 / 3 * 1000 / 64)


def test_window_and_timeseries_count_clients_by_their_end():
    """Clients ending at 5 s (connected) and 15 s (lost) fall in the intervals [0, 10) and
    [10, 20); a summary over [10, 100) sees only the lost one: connect rate 0, p50 not reached."""
    record = _record([_connected(5.0), (2.0, 15.0, False, 1, 0.0, math.nan, math.nan)])
    series = timeseries(SCENARIO, record)
    assert series["connected_legit"].tolist()[:3] == [1, 0, 0]
    assert series["lost_legit"].tolist()[:3] == [0, 1, 0]
    assert series["ttc_p50_s"].tolist()[:2] == [5.0, math.inf]
    assert series["ttc_mean_connected_s"].iloc[0] == 5.0 and math.isnan(series["ttc_p95_s"].iloc[2])
    row = summary(SCENARIO, record, (10.0, 100.0), 1).iloc[0]
    assert (row["clients"], row["connect_rate"], row["ttc_p50_s"]) == (1, 0.0, math.inf)


def test_connect_rate_is_an_slo_metric():
    slo = parse_slo("legit.connect_rate>=0.99", SCENARIO)
    assert (slo.metric, slo.op, slo.value) == ("connect_rate", ">=", 0.99)
    assert parse_slo("legit.success_ratio>=0.9", SCENARIO).metric == "connect_rate"


def test_mser5_by_hand():
    """Batches of 5: means z = (9, 0, 1, 0), m = 4, d searched over 0..2.
    MSER(0): mean 2.5, squares 42.25 + 6.25 + 2.25 + 6.25 = 57, / 4^2 = 3.5625;
    MSER(1): mean 1/3, squares 1/9 + 4/9 + 1/9 = 2/3, / 3^2 = 0.0741;
    MSER(2): mean 1/2, squares 1/4 + 1/4 = 1/2, / 2^2 = 0.125. The minimum: d = 1, cut 5."""
    series = np.repeat([9.0, 0.0, 1.0, 0.0], 5)
    assert mser5(series) == 5
    assert mser5(series[:9]) == 0  # one batch: nothing to compare


def test_mser5_finds_a_known_transient():
    """A series whose first 200 observations decay from 20 towards 0 (20 exp(-t/20)) plus unit
    noise, then 1,800 of unit noise alone (seed 3). Past t = 60 the transient is under 1 (one
    noise standard deviation), past 100 under 0.14; the cut must land in [40, 150], and the
    summary's window, without a given warm-up, starts at the first kept client."""
    rng = np.random.default_rng(3)
    t = np.arange(2000)
    series = 20 * np.exp(-t / 20) + rng.normal(size=2000)
    cut = mser5(series)
    assert 40 <= cut <= 150, cut
    clients = pd.DataFrame({"first_s": t * 1.0, "end_s": t + 5 + series})
    assert mser5_warmup_s(clients) == float(mser5(5 + series))


def test_summary_reports_the_warmup_it_used():
    """Without [load] warmup_s the window starts where MSER-5 puts it in the run's own clients;
    with one, the given value holds, and MSER-5's is reported beside it."""
    stream = Stream("legit", 2.0, PROFILES["browser"], timeout_s=math.inf)
    server = LoadServer(workers=1, service_s=0.45, service="exponential")
    found = LoadScenario(server, DifficultyRule(), (stream,), (), 600.0, None)
    _, table = run_tables(found, "sampled", 0, 0)
    record = LoadRun(found, "sampled", 0).run()
    row = table.iloc[0]
    assert row["warmup"] == "mser-5"
    assert row["window_start_s"] == row["mser5_warmup_s"] == mser5_warmup_s(clients_frame(record))
    _, table = run_tables(dataclasses.replace(found, warmup_s=60.0), "sampled", 0, 0)
    assert table.iloc[0][["warmup", "window_start_s"]].tolist() == ["given", 60.0]
    assert table.iloc[0]["mser5_warmup_s"] == row["mser5_warmup_s"]
