"""Bad output paths: refused in one line before any work, never written through, never an input.

Every case runs ``powsim`` in process on a valid command whose ``--out`` is the bad path and
checks the contract of the bad-input corpus: exit status 2, one line on stderr naming the
option and the problem, nothing on stdout, nothing new or changed in the folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from test_bad_input_corpus import COSTS, VOTES, _import, _votes, good_query_trace, scenario, text_file

LOAD_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tor-small-botnet.toml"
Where = Callable[[Path], str]


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every path under ``folder`` (links not followed) with its mode, size and mtime (ns)."""
    return {str(p.relative_to(folder)): (s.st_mode, s.st_size, s.st_mtime_ns)
            for p in folder.rglob("*") for s in [p.lstat()]}


def _table(folder: Path, out: str) -> list[str]:
    good_query_trace(folder / "traces")
    return ["table", "--traces", str(folder / "traces"), "--out", out]


def _simulate(folder: Path, out: str) -> list[str]:
    return ["simulate", str(scenario(folder)), "--out", out]


def _votes_to(folder: Path, out: str) -> list[str]:
    return _votes(VOTES)(folder)[:-1] + [out]


def _validate(folder: Path, out: str) -> list[str]:
    return ["hashcash", "validate", "--bits", "4", "--samples", "5", "--out", out]


COMMANDS = {"table": _table, "pate-cost": _votes_to, "simulate": _simulate, "validate": _validate}
FILE_COMMANDS = ("table", "pate-cost")


def _fifo(folder: Path) -> str:
    os.mkfifo(folder / "pipe")
    return str(folder / "pipe")


def _link(folder: Path, target: str, name: str = "link") -> str:
    (folder / name).symlink_to(target)
    return str(folder / name)


def _loop(folder: Path) -> str:
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    return str(folder / "a")


# Each where(folder) makes the bad path; the error line holds every fragment.
BAD_PATHS: dict[str, tuple[Where, tuple[str, ...]]] = {
    "empty": (lambda f: "", ("empty, expected a path",)),
    "newline": (lambda f: str(f / "a\nb"), ("control character",)),
    "tab": (lambda f: str(f / "a\tb"), ("control character",)),
    "name-300": (lambda f: str(f / ("x" * 300)), ("300 bytes", "at most 255")),
    "path-5000": (lambda f: str(f / "/".join(["y" * 200] * 25)), ("expected a path of at most",)),
    "dangling-link": (lambda f: _link(f, str(f / "nowhere" / "x")), ("leads nowhere",)),
    "dangling-link-above": (lambda f: _link(f, str(f / "nowhere")) + "/x/out", ("leads nowhere",)),
    "link-loop": (_loop, ("leads nowhere", "too many levels")),
    "proc": (lambda f: "/proc/powsim-out", ("inside /proc", "virtual file system")),
    "sys": (lambda f: "/sys/powsim-out", ("inside /sys",)),
    "dev-null": (lambda f: "/dev/null", ("inside /dev",)),
    "link-to-dev-null": (lambda f: _link(f, "/dev/null"), ("inside /dev",)),
}
FILE_ONLY: dict[str, tuple[Where, tuple[str, ...]]] = {
    "fifo": (_fifo, ("a FIFO", "never writes through")),
    "trailing-slash": (lambda f: str(f / "y") + "/", ("is a folder, expected a file name",)),
    "a-sidecar": (lambda f: str(f / "t.md.provenance.json"), ("provenance sidecar",)),
}


def _in_folder(make: Callable[[Path], None]) -> Where:
    def where(folder: Path) -> str:
        (folder / "out").mkdir()
        make(folder / "out")
        return str(folder / "out")
    return where


FOLDER_ONLY: dict[str, tuple[Where, tuple[str, ...]]] = {
    "summary-is-fifo": (_in_folder(lambda out: os.mkfifo(out / "summary.csv")), ("summary.csv is a FIFO",)),
    "lock-is-a-folder": (_in_folder(lambda out: (out / ".powsim-lock").mkdir()), (".powsim-lock is a folder",)),
    "sidecar-is-link-to-dev-null": (_in_folder(lambda out: (out / "summary.csv.provenance.json")
                                               .symlink_to("/dev/null")), ("a character device",)),
}

CASES = ([(command, name, *BAD_PATHS[name]) for command in COMMANDS for name in BAD_PATHS]
         + [(command, name, *FILE_ONLY[name]) for command in FILE_COMMANDS for name in FILE_ONLY]
         + [("simulate", name, *FOLDER_ONLY[name]) for name in FOLDER_ONLY])


@pytest.mark.parametrize("command, name, where, fragments", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_bad_out_is_refused_up_front(cli, tmp_path, command, name, where, fragments):
    argv = COMMANDS[command](tmp_path, where(tmp_path))
    before = snapshot(tmp_path)
    assert_one_line_error(cli(*argv), "option --out", *fragments)
    assert snapshot(tmp_path) == before
    assert Path("/dev/null").is_char_device()


# --- never overwrite an input ---------------------------------------------------------------

def _import_onto_itself(folder: Path) -> list[str]:
    argv = _import(COSTS)(folder)
    return [*argv[:-1], f"--out={argv[2]}"]


def _import_onto_a_link_of_itself(folder: Path) -> list[str]:
    argv = _import(COSTS)(folder)
    return [*argv[:-1], f"--out={_link(folder, argv[2], 'other.csv')}"]


def _simulate_onto_its_trace(folder: Path) -> list[str]:
    (folder / "out").mkdir()
    good_query_trace(folder / "out", "events.parquet", attack="attack")
    return ["simulate", str(scenario(folder, agent='trace = "out/events.parquet"')),
            "--out", str(folder / "out")]


INPUT_CASES: list[tuple[str, Callable[[Path], list[str]]]] = [
    ("simulate-onto-a-trace-it-reads", _simulate_onto_its_trace),
    ("import-onto-its-csv", _import_onto_itself),
    ("import-onto-a-link-to-its-csv", _import_onto_a_link_of_itself),
    ("pate-cost-onto-its-votes", lambda f: _votes_to(f, str(f / "votes.csv"))),
    ("table-onto-a-trace", lambda f: _table(f, str(f / "traces" / "synth-standard.parquet"))),
]


@pytest.mark.parametrize("name, build", INPUT_CASES, ids=[n for n, _ in INPUT_CASES])
def test_an_output_never_replaces_an_input(cli, tmp_path, name, build):
    argv = build(tmp_path)
    before = snapshot(tmp_path)
    assert_one_line_error(cli(*argv), "option --out", "an input of this command")
    assert snapshot(tmp_path) == before


# --- a folder owns the files of both kinds of run -------------------------------------------

def _small_load_scenario(folder: Path) -> Path:
    text = LOAD_EXAMPLE.read_text().replace("duration_s = 9000.0", "duration_s = 600.0").replace(
        "end_s = 7350.0", "end_s = 500.0")
    return text_file(folder, "load.toml", text)


def test_a_load_run_and_a_per_account_run_leave_only_their_own_files(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("simulate", _small_load_scenario(tmp_path), "--out", out).code == 0
    assert (out / "timeseries.parquet").is_file()
    assert cli("simulate", scenario(tmp_path), "--out", out).code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "events.parquet", "summary.csv", "summary.csv.provenance.json"]
    assert cli("simulate", _small_load_scenario(tmp_path), "--out", out).code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "summary.csv", "summary.csv.provenance.json", "timeseries.html", "timeseries.parquet",
        "timeseries.png"]


def test_a_long_name_within_the_limit_is_written(cli, tmp_path):
    out = tmp_path / ("t" * (255 - len(".provenance.json") - 3) + ".md")
    result = cli(*_table(tmp_path, str(out)))
    assert result.code == 0, result.err
    assert out.is_file() and Path(str(out) + ".provenance.json").is_file()
