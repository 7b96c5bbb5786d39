"""All-or-nothing outputs: staged files appear together or not at all, names stay inside."""

from __future__ import annotations

import threading

import pytest

from powsim.errors import InputError
from powsim.outputs import check_destination, safe_name, staged


def write_set(out, tag: str, fail_after: int | None = None, barrier=None) -> None:
    with staged(out, "folder") as staging:
        for index, name in enumerate(("a.csv", "b.csv", "c.csv")):
            if index == fail_after:
                raise RuntimeError("disk full")
            staging.path(name).write_text(tag)
        if barrier is not None:
            barrier.wait()


def test_a_failure_halfway_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        write_set(tmp_path / "out", "one", fail_after=2)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_overwrite_keeps_the_previous_set_whole(tmp_path):
    write_set(tmp_path / "out", "first")
    with pytest.raises(RuntimeError):
        write_set(tmp_path / "out", "second", fail_after=1)
    assert {p.name: p.read_text() for p in (tmp_path / "out").iterdir()} == {
        "a.csv": "first", "b.csv": "first", "c.csv": "first"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_concurrent_writers_leave_one_consistent_set(tmp_path):
    # Both writers finish staging at once, then move in under the lock: one whole set wins.
    for _ in range(20):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=write_set, args=(tmp_path / "out", tag, None, barrier))
                   for tag in ("left", "right")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        contents = {p.read_text() for p in (tmp_path / "out").iterdir()}
        assert len(contents) == 1 and len(list((tmp_path / "out").iterdir())) == 3


def test_a_name_twice_is_refused(tmp_path):
    with pytest.raises(InputError, match="two outputs"):
        with staged(tmp_path / "out", "folder") as staging:
            staging.path("x.csv").write_text("1")
            staging.path("x.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", ".hidden", "-rf", "a..b", "x" * 101,
                                  "é", "a b", "a\x00b", 5, None])
def test_unsafe_names_are_refused(name):
    with pytest.raises(InputError, match="letters, digits"):
        safe_name(name, "field 'mode'")


@pytest.mark.parametrize("name", ["mnist", "data-free", "fmnist_v2.1", "A9"])
def test_safe_names_pass(name):
    assert safe_name(name, "x") == name


def test_destination_checks(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        check_destination(tmp_path / "file", "folder")
    with pytest.raises(InputError, match="is a folder"):
        check_destination(tmp_path, "file")
    with pytest.raises(InputError, match="file is a file"):
        check_destination(tmp_path / "file" / "deeper" / "t.csv", "file")
    assert check_destination(tmp_path / "new" / "deeper", "folder") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checking creates nothing
