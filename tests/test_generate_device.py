"""The generator's device, options and records: one code path for CPU and CUDA, every option
refused before any data is loaded, phase times and hardware in the provenance, the teachers'
configuration and cost distribution in the metadata.

The pipeline tests run the tiny setup of test_generate_pipeline on CPU; the CUDA test runs
the same setup only where torch sees a GPU.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from scipy import stats

from powsim.cli import main
from powsim.traces.format import read_trace
from powsim.traces.generate import device as device_module
from powsim.traces.generate import pool as pool_module
from powsim.traces.generate import workbench as workbench_module
from powsim.traces.generate.data import shifted
from powsim.traces.generate.device import hardware, resolve_device
from powsim.traces.generate.models import MnistNet, TeacherEnsemble
from powsim.traces.generate.phases import FILE_NAME, NOT_RECORDED, Phases
from powsim.traces.generate.setup import ARCHITECTURES, Setup
from powsim.traces.info import STANDARD_COST_KEY, cost_quantiles
from powsim.traces.pate import query_costs
from test_generate_pipeline import TINY, TINY_OPTIONS

NO_CUDA = not torch.cuda.is_available()


def test_default_cache_key_is_pinned_and_new_fields_enter_it_only_when_set():
    # The bundled traces and the pool come from this cache folder (about 20 CPU-minutes).
    assert Setup().key() == "seed0-t250-cc17ddfa9c"
    assert Setup(teacher_shape=ARCHITECTURES["small"], augment=0, device="cpu").key() == Setup().key()
    keys = {Setup(augment=1).key(), Setup(device="cuda").key(),
            Setup(teacher_shape=ARCHITECTURES["mnistnet"]).key(), Setup().key()}
    assert len(keys) == 4


def test_mnistnet_teachers_have_the_victims_widths():
    member = TeacherEnsemble(2, ARCHITECTURES["mnistnet"]).member(1)
    victim = MnistNet()
    assert [p.shape for p in member.parameters()] == [p.shape for p in victim.parameters()]
    assert sum(p.numel() for p in member.parameters()) == 431_080


def test_auto_is_cuda_exactly_when_torch_sees_a_gpu(monkeypatch):
    for available, auto in ((False, "cpu"), (True, "cuda")):
        monkeypatch.setattr(device_module.torch.cuda, "is_available", lambda: available)
        assert resolve_device("auto") == auto and resolve_device("cpu") == "cpu"
    assert resolve_device("cuda") == "cuda"  # still 'available'
    monkeypatch.setattr(device_module.torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="torch sees no CUDA GPU"):
        resolve_device("cuda")


def test_cpu_hardware_names_the_model_and_threads():
    record = hardware("cpu")
    assert record["torch_threads"] == torch.get_num_threads() and record["cpu"]


@pytest.fixture
def no_data(monkeypatch):
    """Loading the data fails the test: options must be refused before it."""
    def refuse(setup):
        raise AssertionError("data loaded before the options were checked")
    monkeypatch.setattr(workbench_module, "load_splits", refuse)
    monkeypatch.setattr(pool_module, "load_splits", refuse)


@pytest.mark.parametrize("command", ["generate", "pool"])
@pytest.mark.parametrize("options, expected", [
    (["--teachers", "0"], "argument --teachers: '0', expected a whole number from 1"),
    (["--teachers", "-3"], "argument --teachers: '-3'"),
    (["--pool-size", "-1"], "argument --pool-size: '-1'"),
    (["--teacher-epochs", "0"], "argument --teacher-epochs: '0'"),
    (["--augment", "-1"], "argument --augment: '-1'"),
    (["--private-size", "200", "--teachers", "300"],
     "option --teachers: 300, expected at most one teacher per private image"),
    (["--private-size", "50000", "--pool-size", "20000"],
     "option --pool-size + --private-size: 20000 + 50000, expected at most the 60,000"),
    (["--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
    (["--teacher-arch", "resnet"], "argument --teacher-arch: invalid choice"),
])
def test_bad_options_are_one_line_before_any_data(no_data, tmp_path, capsys, command, options,
                                                   expected):
    out = tmp_path / "out.parquet"
    extra = ["--attack", "standard"] if command == "generate" else []
    assert main(["traces", command, *extra, *options, "--cache", str(tmp_path / "cache"),
                 "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and expected in error
    assert not out.exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize("option, where", [("--out", "blocker/x.parquet"), ("--cache", "blocker/c")])
def test_unwritable_destination_is_refused_before_any_data(no_data, tmp_path, capsys, option, where):
    (tmp_path / "blocker").write_text("a file, not a folder")
    paths = {"--out": str(tmp_path / "out.parquet"), "--cache": str(tmp_path / "cache")}
    paths[option] = str(tmp_path / where)
    assert main(["traces", "generate", "--attack", "standard", "--out", paths["--out"],
                 "--cache", paths["--cache"]]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and f"option {option}:" in error and "is a file" in error


def test_more_standard_queries_than_the_pool_holds_is_refused_before_any_data(no_data, tmp_path,
                                                                             capsys):
    assert main(["traces", "generate", "--attack", "worstcase", "--queries", "1001", *TINY_OPTIONS,
                 "--cache", str(tmp_path), "--out", str(tmp_path / "x.parquet")]) == 2
    assert ("option --queries: 1001, but strategy 'worstcase' asks each of the 1000 pool images"
            in capsys.readouterr().err)


@pytest.mark.skipif(not NO_CUDA, reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_one_line_before_any_data(no_data, tmp_path, capsys):
    for command in (["generate", "--attack", "standard"], ["pool"]):
        assert main(["traces", *command, "--device", "cuda", "--cache", str(tmp_path / "c"),
                     "--out", str(tmp_path / "x.parquet")]) == 2
        error = capsys.readouterr().err.strip()
        assert error.startswith("powsim: error: option --device: cuda, but torch sees no CUDA GPU")
        assert len(error.splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_shifts_are_uniform_on_every_offset_and_move_the_whole_image():
    most, n = 2, 5000
    x = torch.zeros(n, 1, 28, 28)
    x[:, :, 10:18, 12:16] = 1.0  # a block away from the border: a shift never cuts it
    moved = shifted(x, most, torch.Generator().manual_seed(0))
    rows = moved[:, 0].sum(dim=2).gt(0).float().argmax(dim=1) - 10
    columns = moved[:, 0].sum(dim=1).gt(0).float().argmax(dim=1) - 12
    assert moved.sum(dim=(1, 2, 3)).eq(32).all()  # the block moves whole
    cells = ((rows + most) * (2 * most + 1) + columns + most).numpy()
    counts = np.bincount(cells, minlength=(2 * most + 1) ** 2)
    # Chi-square goodness of fit to uniform on the 25 offsets; a planted bias (say, never -2)
    # gives p < 1e-100 at n = 5000.
    assert counts.size == 25 and stats.chisquare(counts).pvalue > 1e-3


def test_unreadable_phase_record_only_loses_the_times(tmp_path):
    (tmp_path / FILE_NAME).write_text("{not json")
    phases = Phases(tmp_path)
    phases.loaded("victim_training")
    assert phases.record() == {"victim_training_s": NOT_RECORDED, "cached": ["victim_training_s"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A standard trace asking the whole tiny pool, made twice: training, then from the cache."""
    folder = tmp_path_factory.mktemp("runs")
    paths = [folder / f"run{i}.parquet" for i in range(2)]
    for path in paths:
        assert main(["traces", "generate", "--attack", "standard", "--queries", "1000",
                     "--checkpoint-every", "1000", "--device", "cpu", "--quiet", *TINY_OPTIONS,
                     "--cache", str(folder / "cache"), "--out", str(path)]) == 0
    return folder, [read_trace(path) for path in paths]


def test_phases_are_timed_then_read_back_from_the_cache(runs):
    folder, (first, second) = runs
    phases = [t.metadata.provenance["phases"] for t in (first, second)]
    trained = ("victim_training_s", "teacher_training_s", "votes_s")
    assert phases[0]["cached"] == [] and phases[1]["cached"] == list(trained)
    for name in trained:
        assert phases[0][name] > 0 and phases[1][name] == phases[0][name]
    assert phases[1]["strategy_s"] > 0
    kept = json.loads((folder / "cache" / TINY.key() / FILE_NAME).read_text())
    assert {f"{k}_s": v for k, v in kept.items()} == {n: phases[0][n] for n in trained}


def test_a_cache_without_recorded_times_says_so(runs, tmp_path):
    folder, _ = runs
    shutil.copytree(folder / "cache", tmp_path / "cache")
    (tmp_path / "cache" / TINY.key() / FILE_NAME).unlink()  # as in caches made before the times
    out = tmp_path / "again.parquet"
    assert main(["traces", "generate", "--attack", "knockoff", "--queries", "64", "--device", "cpu",
                 "--quiet", *TINY_OPTIONS, "--cache", str(tmp_path / "cache"), "--out", str(out)]) == 0
    phases = read_trace(out).metadata.provenance["phases"]
    assert phases["victim_training_s"] == phases["teacher_training_s"] == NOT_RECORDED


def test_metadata_records_device_teachers_and_standard_cost_distribution(runs, capsys):
    _, (trace, _) = runs
    meta = trace.metadata
    assert meta.provenance["device"] == "cpu"
    assert meta.provenance["hardware"]["torch_threads"] == torch.get_num_threads()
    config = meta.extra["teacher_config"]
    assert (config["arch"], config["reduced"], config["conv1"]) == ("small", True, 8)
    assert config["epochs"] == 3 and config["augment_shift_px"] == 0
    assert config["images_per_teacher"] == 400
    # The trace asked every pool image once, so its own costs are the standard distribution.
    assert meta.extra[STANDARD_COST_KEY] == pytest.approx(cost_quantiles(trace.data["cost"].to_numpy()))
    assert main(["traces", "info", str(trace.source)]) == 0
    line = [t for t in capsys.readouterr().out.splitlines() if t.startswith("teachers:")]
    costs = meta.extra[STANDARD_COST_KEY]
    assert line == [f"teachers: plurality accuracy {meta.extra['plurality_accuracy']:.2f} %; "
                    "standard queries' cost per query: " + ", ".join(
                        f"{k} {costs[k]:.4g}" for k in ("mean", "min", "q05", "q25", "q50",
                                                        "q75", "q95", "max"))]


def test_cost_quantiles_are_numpys():
    costs = np.random.default_rng(1).uniform(0.1, 0.7, 999)
    q = cost_quantiles(costs)
    assert q["q50"] == np.median(costs) and q["q05"] == np.quantile(costs, 0.05)
    assert (q["min"], q["max"], q["mean"]) == (costs.min(), costs.max(), costs.mean())


def test_pool_records_device_phases_and_its_cost_distribution(runs, tmp_path):
    folder, _ = runs
    out = tmp_path / "pool.parquet"
    assert main(["traces", "pool", *TINY_OPTIONS, "--device", "cpu", "--quiet",
                 "--cache", str(folder / "cache"), "--out", str(out)]) == 0
    pool = read_trace(out)
    phases = pool.metadata.provenance["phases"]
    assert phases["cached"] == ["teacher_training_s"] and phases["votes_s"] > 0
    votes = np.stack(pool.data["votes"])
    assert pool.metadata.extra[STANDARD_COST_KEY] == pytest.approx(
        cost_quantiles(query_costs(votes, 10.0, 1e-5).eps))


@pytest.mark.skipif(NO_CUDA, reason="needs a CUDA GPU")
def test_the_tiny_pipeline_on_cuda(tmp_path):
    out = tmp_path / "standard.parquet"
    assert main(["traces", "generate", "--attack", "standard", "--queries", "300", "--device", "cuda",
                 "--checkpoint-every", "100", "--quiet", *TINY_OPTIONS,
                 "--cache", str(tmp_path / "cache"), "--out", str(out)]) == 0
    trace = read_trace(out, kind="query")
    data, meta = trace.data, trace.metadata
    assert len(data) == 300 and (data["cost"] > 0).all() and (data["votes"].map(sum) == 5).all()
    assert meta.provenance["device"] == "cuda"
    assert meta.provenance["hardware"]["gpu"] == torch.cuda.get_device_name()
    assert meta.extra["teacher_config"]["arch"] == "mnistnet"
    assert [c["queries"] for c in meta.checkpoints] == [100, 200, 300]
    assert 0 < meta.extra["plurality_accuracy"] <= 100
