"""The ``powsim hashcash`` commands: outputs, the stored local profile, and one-line errors."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from powsim.cli import main
from powsim.errors import InputError
from powsim.hashcash.validate import COLUMNS
from powsim.hashcash.local_profile import load_local_rate


def test_validate_writes_the_table_and_the_chart(tmp_path, capsys):
    assert main(["hashcash", "validate", "--bits", "4:6", "--samples", "60", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "validate.csv")
    assert list(table.columns) == [*COLUMNS, "seed", "puzzle"] and (table["puzzle"] == "sha256").all()
    assert list(table["bits"]) == [4, 5, 6] and (table["samples"] == 60).all()
    assert json.loads((tmp_path / "validate.csv.provenance.json").read_text())["seed"] == 0
    assert (tmp_path / "validate.png").read_bytes().startswith(b"\x89PNG")
    assert "vega" in (tmp_path / "validate.html").read_text()
    assert "time_ratio" in capsys.readouterr().out


@pytest.mark.parametrize("options, field", [
    (["--bits", "9:3"], "--bits"), (["--bits", "x"], "--bits"), (["--bits", "1:40"], "--bits"),
    (["--samples", "1"], "--samples"), (["--samples", "many"], "--samples"), (["--seed", "-1"], "--seed"),
])
def test_validate_bad_options_print_one_line_and_exit_2(tmp_path, capsys, options, field):
    assert main(["hashcash", "validate", *options, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and field in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_bench_stores_the_local_profile(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path))
    assert main(["hashcash", "bench", "--seconds", "1", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "openssl" in out and "hashlib" in out and "--hardware local" in out
    rate = load_local_rate()
    assert rate is not None and rate.per_core_hz > 0 and rate.workers == 2
    assert "provenance" in json.loads((tmp_path / "hash-rate.json").read_text())


def test_bench_bad_option_exits_2(capsys):
    assert main(["hashcash", "bench", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_a_damaged_local_profile_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path))
    assert load_local_rate() is None
    (tmp_path / "hash-rate.json").write_text('{"per_core_hz": "fast"}')
    with pytest.raises(InputError, match="hash-rate.json"):
        load_local_rate()


def test_a_fifo_in_the_local_profiles_place_is_named_not_read(tmp_path, monkeypatch, within):
    monkeypatch.setenv("POWSIM_CACHE_DIR", str(tmp_path))
    os.mkfifo(tmp_path / "hash-rate.json")
    with pytest.raises(InputError, match="hash-rate.json: not a regular file"):
        within(load_local_rate)
