"""Bad load scenarios and capacity options: one line naming the field, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from powsim.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tor-small-botnet.toml"


def _scenario(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize("old,new,message", [
    ("end_s = 7350.0", "end_s = 100.0", "end_s: 100.0, expected a time after start_s 150.0"),
    ("rate_hz = 20.0", "rate_hz = -20.0", "rate_hz: -20.0, expected a number > 0"),
    ("rate_hz = 20.0", "rate_hz = nan", "rate_hz: nan, expected a finite number"),
    ("max_rate_hz = 3200.0", "max_rate_hz = inf", "max_rate_hz: inf, expected a finite number"),
    ("queue_capacity = 5400", "queue_capacity = 0", "queue_capacity: 0, expected a whole number >= 1"),
    ('rule = "tor-v3"', 'rule = "tor-v9"', "rule: 'tor-v9', expected one of"),
    ("machines = 500", "machines = 0", "machines: 0, expected a whole number >= 1"),
    ('strategy = "sustained"', 'strategy = "slow"', "strategy: 'slow', expected one of"),
    ('name = "clients"', 'name = "clients"\ntrace = "t.parquet"', "trace: set without a [defense]"),
    ('rate_hz = 20.0\nhardware = "tor-client"', 'rate_hz = 20.0\nhardware = { tor-client = -1.0 }',
     "hardware.tor-client: -1.0, expected a number > 0"),
    ('rate_hz = 20.0\nhardware = "tor-client"', 'rate_hz = 20.0\nhardware = { asic = 1.0 }',
     "hardware: unknown key 'asic'"),
    ("warmup_s = 150.0", "warmup_s = 9000.0", "warmup_s: 9000.0, expected less than duration_s"),
])
def test_bad_scenario_is_one_line_and_writes_nothing(tmp_path, capsys, old, new, message):
    path = _scenario(tmp_path, old, new)
    out = tmp_path / "out"
    assert main(["simulate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(path) in err, err
    assert not out.exists()


@pytest.mark.parametrize("options,message", [
    (["--slo", "legit.ttc_p95 about 5"], "option --slo: 'legit.ttc_p95 about 5', expected GROUP.METRIC"),
    (["--slo", "clients.latency<=5"], "option --slo: metric 'latency', expected one of"),
    (["--slo", "users.ttc_p95<=5"], "option --slo: group 'users', expected an agent"),
    (["--slo", "botnet.ttc_p95<=5"], "expected a stream or sessions agent"),
    (["--slo", "clients.ttc_p95<=nan"], "value 'nan', expected a finite number"),
    (["--workers", "8:4"], "option --workers: '8:4' is an empty range"),
    (["--workers", "0:4"], "expected FIRST:LAST or FIRST:LAST:STEP"),
    (["--replications", "1"], "argument --replications: '1', expected a whole number from 2"),
])
def test_bad_capacity_option_is_one_line_and_writes_nothing(tmp_path, capsys, options, message):
    out = tmp_path / "out"
    defaults = {"--slo": "clients.ttc_p95<=5", "--workers": "1:2", "--replications": "2"}
    defaults.update(dict(zip(options[::2], options[1::2])))
    argv = ["capacity", str(EXAMPLE), "--out", str(out)] + [x for kv in defaults.items() for x in kv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists()


@pytest.mark.parametrize("option,message", [
    (["--interval", "-5"], "argument --interval: '-5', expected a finite number in (0, 1e+09]"),
    (["--interval", "nan"], "argument --interval: 'nan', expected a finite number in (0, 1e+09]"),
    (["--interval", "1e-9"], "option --interval: 1e-09 s cuts the"),
    (["--hash", "real"], "option --hash: 'real', expected 'sampled' for a load scenario"),
])
def test_bad_simulate_option_on_a_load_scenario(tmp_path, capsys, option, message):
    out = tmp_path / "out"
    assert main(["simulate", str(EXAMPLE), "--out", str(out), *option]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists()


def test_a_load_scenario_refuses_a_memory_hard_puzzle(tmp_path, capsys):
    # The load engine draws SHA-256 work; a puzzle key it would ignore is refused, not dropped.
    capacity = EXAMPLE.parent / "capacity-under-attack.toml"
    path = tmp_path / "bad.toml"
    path.write_text(capacity.read_text().replace(
        "reference_hash_rate = 1.3e6", 'reference_hash_rate = 1.3e6\npuzzle = "argon2id"').replace(
        '"../traces/', f'"{capacity.parents[1]}/traces/'))
    out = tmp_path / "out"
    assert main(["simulate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[defense].puzzle: 'argon2id'" in err and str(path) in err, err
    assert not out.exists()
