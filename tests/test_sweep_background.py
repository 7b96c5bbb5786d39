"""An executor opened in the background runs a sweep as the plain one does (on a LocalCluster
whose workers imported the task's modules first), refuses runs once released, raises an
error of its opening where it is used, and is closed by the end of its ``with``."""

from __future__ import annotations

import pandas as pd
import pytest

from powsim.errors import ParameterError
from powsim.sweep.background import opened_in_background
from powsim.sweep.executor import Executor
from powsim.sweep.grid import Axis
from powsim.sweep.runner import Sweep, run_sweep
from test_sweep import scenario  # noqa: F401  (the fixture)


def _pid() -> int:
    import os

    return os.getpid()


def test_a_background_cluster_runs_the_sweep_of_the_serial_executor(scenario):  # noqa: F811
    sweep = Sweep(scenario, (Axis("defense.a", (1.0075, 1.3)),), 2)
    serial_runs, serial = run_sweep(sweep, Executor(), progress=False)
    with opened_in_background(workers=2, warm=("powsim.sweep.tasks",)) as executor:
        dask_runs, parallel = run_sweep(sweep, executor, progress=False)
        assert "2 worker processes" in executor.where
        workers = executor.client.run(_pid)
        warmed = executor.client.run(lambda: __import__("sys").modules.get("powsim.sweep.tasks") is not None)
        client = executor.client
        executor.release()
        with pytest.raises(RuntimeError, match="released"):
            executor.run([(_pid,)])
    pd.testing.assert_frame_equal(serial, parallel)
    pd.testing.assert_frame_equal(serial_runs, dask_runs)
    assert len(workers) == 2 and all(warmed.values())
    assert client.status == "closed"


def test_serial_in_the_background_runs_in_this_process():
    with opened_in_background(workers=0) as executor:
        assert executor.client is None and executor.where == "this process"
        assert list(executor.run([(_pid,), (sum, [1, 2])])) == [(0, _pid()), (1, 3)]


def test_an_error_in_opening_is_raised_where_the_executor_is_used():
    with opened_in_background(workers=-1) as executor:
        with pytest.raises(ParameterError, match="workers"):
            list(executor.run([(_pid,)]))
