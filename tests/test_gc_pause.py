"""The collector pause around a run restores the collector's state, even on an error."""

import gc

import pytest

from powsim.sim.gc_pause import cyclic_gc_paused


@pytest.mark.parametrize("before", [True, False])
def test_the_collector_is_paused_inside_and_restored_after(before):
    was = gc.isenabled()
    (gc.enable if before else gc.disable)()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is before
        with pytest.raises(RuntimeError), cyclic_gc_paused():
            raise RuntimeError("a run failed")
        assert gc.isenabled() is before
    finally:
        (gc.enable if was else gc.disable)()


def test_a_simulated_run_leaves_the_collector_on():
    from pathlib import Path

    from powsim.sim.run import prepare, simulate
    from powsim.model.parse import load_scenario
    model = prepare(load_scenario(Path(__file__).resolve().parents[1] / "examples" / "quickstart.toml"))
    assert gc.isenabled()
    simulate(model, "sampled", 0)
    assert gc.isenabled()
