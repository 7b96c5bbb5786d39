"""Progress on standard error: shown on a terminal or with --progress (what, done/total, rate,
time left), never with --quiet, and nothing when standard error is a file or a pipe."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from test_bad_input_corpus import good_query_trace, scenario

from powsim import progress

VALIDATE = ["hashcash", "validate", "--bits", "3:5", "--samples", "10"]


def _simulate(folder: Path) -> list[str]:
    return ["simulate", str(scenario(folder)), "--mode", "sampled", "--replications", "3",
            "--out", str(folder / "out")]


def _table(folder: Path) -> list[str]:
    good_query_trace(folder)
    good_query_trace(folder, "synth-attack.parquet", attack="attack")
    return ["table", "--traces", str(folder), "--mode", "sampled", "--replications", "3"]


def _sweep(folder: Path) -> list[str]:
    return ["sweep", str(scenario(folder)), "--grid", "defense.a=1.1,1.2", "--replications", "2",
            "--out", str(folder / "out"), "--jobs", "0"]


COMMANDS = {"validate": (lambda f: VALIDATE, "validate", "trial"),
            "simulate": (_simulate, "simulate", "replication"),
            "table": (_table, "table (sampled)", "trace"),
            "sweep": (_sweep, "sweep", "run")}


@pytest.mark.parametrize("name", COMMANDS)
def test_progress_says_what_how_far_how_fast(cli, tmp_path, name):
    build, what, unit = COMMANDS[name]
    argv = build(tmp_path)
    shown = cli(*argv, "--progress")
    assert shown.code == 0, shown.err
    last = shown.err.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith(f"{what}: 100%") and (f"{unit}/s" in last or f"s/{unit}" in last), last
    total = last.split("|")[2].split()[0]  # "N/N" done of total
    assert total.split("/")[0] == total.split("/")[1]
    assert "<00:00" in last  # the time left, at the end nothing


@pytest.mark.parametrize("flag", [(), ("--quiet",)], ids=["not-a-terminal", "quiet"])
def test_no_progress_off_a_terminal_or_when_quiet(cli, tmp_path, flag):
    result = cli(*_simulate(tmp_path), *flag)
    assert result.code == 0 and result.err == ""


def test_progress_and_quiet_together_are_refused(cli):
    assert_one_line_error(cli(*VALIDATE, "--progress", "--quiet"), "--quiet", "--progress")


def test_a_terminal_gets_progress_without_asking():
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24 x 100
    try:
        process = subprocess.run([sys.executable, "-m", "powsim.cli", *VALIDATE],
                                 stdout=subprocess.PIPE, stderr=secondary, check=False, timeout=120)
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main)
    assert process.returncode == 0
    assert b"validate: 100%" in seen and b"trial/s" in seen


def test_a_library_caller_gets_no_bar(capsys):
    progress.configure(True)
    try:
        with progress.bar(3, "x", enabled=False) as bar:
            bar.update(3)
    finally:
        progress.configure(None)
    assert capsys.readouterr().err == ""
