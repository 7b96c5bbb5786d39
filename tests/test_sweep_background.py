"""An executor opened in the background runs a sweep as the plain one does (on a dask
scheduler, whose workers imported the task's modules first; or on local workers, opened at
once), refuses runs once released, raises an error of its opening where it is used, and is
closed by the end of its ``with``."""

from __future__ import annotations

import logging
import os

import pandas as pd
import pytest

from powsim.errors import ParameterError
from powsim.sweep.background import opened_in_background
from powsim.sweep.executor import Executor
from powsim.sweep.grid import Axis
from powsim.sweep.runner import Sweep, run_sweep
from test_sweep import scenario  # noqa: F401  (the fixture)


def _pid() -> int:
    return os.getpid()


def test_a_background_client_runs_the_sweep_of_the_serial_executor(scenario):  # noqa: F811
    from distributed import LocalCluster

    sweep = Sweep(scenario, (Axis("defense.a", (1.0075, 1.3)),), 2)
    serial_runs, serial = run_sweep(sweep, Executor(), progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        with opened_in_background(cluster.scheduler_address, warm=("powsim.sweep.tasks",)
                                  ) as executor:
            dask_runs, parallel = run_sweep(sweep, executor, progress=False)
            assert executor.where == f"the dask scheduler at {cluster.scheduler_address}"
            assert executor.workers == 2
            warmed = executor.client.run(
                lambda: __import__("sys").modules.get("powsim.sweep.tasks") is not None)
            client = executor.client
            executor.release()
            with pytest.raises(RuntimeError, match="released"):
                executor.run([(_pid,)])
    pd.testing.assert_frame_equal(serial, parallel)
    pd.testing.assert_frame_equal(serial_runs, dask_runs)
    assert len(warmed) == 2 and all(warmed.values())
    assert client.status == "closed"


def test_local_workers_open_at_once_and_end_with_the_with(scenario):  # noqa: F811
    sweep = Sweep(scenario, (Axis("defense.a", (1.0075, 1.3)),), 2)
    serial_runs, serial = run_sweep(sweep, Executor(), progress=False)
    with opened_in_background(workers=2) as executor:
        assert executor.where == "2 worker processes forked from this one"
        local_runs, parallel = run_sweep(sweep, executor, progress=False)
        pids = {pid for _, pid in executor.run([(_pid,)] * 4, [0, 1, 0, 1])}
    pd.testing.assert_frame_equal(serial, parallel)
    pd.testing.assert_frame_equal(serial_runs, local_runs)
    assert len(pids) == 2 and os.getpid() not in pids
    for pid in pids:  # ended and reaped
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_serial_in_the_background_runs_in_this_process():
    with opened_in_background(workers=0) as executor:
        assert executor.client is None and executor.where == "this process"
        assert list(executor.run([(_pid,), (sum, [1, 2])])) == [(0, _pid()), (1, 3)]


def test_an_error_in_opening_is_raised_where_the_executor_is_used():
    with opened_in_background(workers=-1) as executor:
        with pytest.raises(ParameterError, match="workers"):
            list(executor.run([(_pid,)]))
