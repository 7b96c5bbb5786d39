"""Trace files are read once per process while unchanged: a second read of a scenario shares
the first's traces and pool parts, equal to fresh reads; a rewritten file is read again."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from powsim.model.read import read_scenario
from powsim.traces.cache import cached_part, cached_trace
from powsim.traces.format import read_trace
from powsim.traces.pool import pool_part
from simkit import pool_file, query_trace


def same(a, b) -> bool:
    return a.metadata == b.metadata and a.source == b.source and a.data.equals(b.data)


def test_a_second_read_shares_the_first_and_equals_a_fresh_one(tmp_path) -> None:
    pool = pool_file(tmp_path / "pool.parquet", np.full(40, 0.1), np.linspace(0.1, 1.0, 60))
    query_trace(tmp_path / "attack.parquet", 0.6, batches=3)
    (tmp_path / "s.toml").write_text(
        '[defense]\npolicy = "paper"\nreference = "pool.parquet"\nreference_hash_rate = 100.0\n'
        '[[agents]]\nkind = "legit"\nname = "users"\ntrace = "pool.parquet"\nsample = "bootstrap"\n'
        'queries = 30\n[[agents]]\nkind = "attacker"\ntrace = "attack.parquet"\n')
    first, second = (read_scenario(tmp_path / "s.toml") for _ in range(2))
    assert second.defense.reference is first.defense.reference
    assert [a.trace for a in second.agents] == [a.trace for a in first.agents]
    assert all(x.trace is y.trace for x, y in zip(first.agents, second.agents))
    fresh = read_trace(pool)
    assert same(first.defense.reference, pool_part(fresh, "calibration"))
    assert same(first.agents[0].trace, pool_part(fresh, "evaluation"))
    assert same(first.agents[1].trace, read_trace(tmp_path / "attack.parquet"))


def test_a_rewritten_file_is_read_again_and_each_reader_keeps_its_path(tmp_path) -> None:
    path = query_trace(tmp_path / "t.parquet", 0.1, batches=2)
    old = cached_trace(path)
    assert cached_trace(path) is old
    other = cached_trace(tmp_path / "." / "t.parquet")  # the same file, named otherwise
    assert other.source == str(tmp_path / "." / "t.parquet") and other.data is old.data
    stat = os.stat(path)
    query_trace(path, 0.2, batches=2)  # same size: only the content and the time tell
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    new = cached_trace(path)
    assert new is not old and same(new, read_trace(path))
    assert np.allclose(new.data["cost"], 0.2) and np.allclose(old.data["cost"], 0.1)


def test_a_pool_part_is_cut_once_per_trace(tmp_path) -> None:
    trace = read_trace(pool_file(tmp_path / "pool.parquet", np.full(20, 0.1), np.full(30, 0.3)))
    part = cached_part(trace, "evaluation")
    assert cached_part(trace, "evaluation") is part
    assert same(part, pool_part(trace, "evaluation"))
    copy = read_trace(trace.source)  # an equal trace, another object: its own cut
    assert cached_part(copy, "evaluation") is not part
    assert isinstance(part.data, pd.DataFrame) and len(part) == 30
