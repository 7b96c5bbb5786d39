"""The bad-input corpus: every command, every kind of bad input an attacker or a new user tries.

Each case builds its input in a fresh folder, runs ``powsim`` in process and checks the
contract: exit status 2, exactly one line on stderr naming the file or option and the
field, no traceback, nothing on stdout, and nothing new (or changed) in the folder, where
every ``--out`` points. Valid controls beside them exit 0. A sample runs as real processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import assert_one_line_error
from simkit import query_trace

Build = Callable[[Path], list[str]]


@dataclass(frozen=True)
class Case:
    """One bad input: ``build(folder)`` writes its files and returns the argv; the error
    line must contain every fragment."""

    id: str
    build: Build
    fragments: tuple[str, ...]


# --- inputs -------------------------------------------------------------------------------

def good_query_trace(folder: Path, name: str = "synth-standard.parquet", attack: str = "standard"
                     ) -> Path:
    return query_trace(folder / name, 0.1, batches=4, batch_size=10, attack=attack, logq=-5.0)


def with_metadata(folder: Path, change: Callable[[dict], object], name: str = "bad.parquet") -> Path:
    """A valid query trace whose 'powsim' metadata is replaced by ``change(record)`` (JSON
    text or bytes when it returns them, else the returned record as JSON)."""
    path = good_query_trace(folder, name, attack="bad")
    table = pq.read_table(path)
    record = json.loads(table.schema.metadata[b"powsim"])
    result = change(record)
    raw = result if isinstance(result, bytes) else (
        result.encode() if isinstance(result, str) else json.dumps(result).encode())
    pq.write_table(table.replace_schema_metadata({b"powsim": raw}), path)
    return path


def with_columns(folder: Path, change: Callable[[pd.DataFrame], pd.DataFrame],
                 name: str = "bad.parquet") -> Path:
    """A valid query trace whose columns are replaced by ``change(frame)``, written by pyarrow."""
    path = good_query_trace(folder, name, attack="bad")
    table = pq.read_table(path)
    frame = change(table.to_pandas())
    rewritten = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(rewritten.replace_schema_metadata(
        {b"powsim": table.schema.metadata[b"powsim"]}), path)
    return path


def scenario(folder: Path, defense: str = "", agent: str = "", extra: str = "", server: str = ""
             ) -> Path:
    """A scenario over two small synthetic traces, with lines added to its tables."""
    good_query_trace(folder)
    good_query_trace(folder, "synth-attack.parquet", attack="attack")
    path = folder / "scenario.toml"
    defaults = {"defense": 'policy = "paper"\nreference = "synth-standard.parquet"\n'
                           "reference_hash_rate = 1.0e6",
                "agent": 'kind = "attacker"\nname = "x"\ntrace = "synth-attack.parquet"'}
    tables = {name: "\n".join([line for line in defaults[name].splitlines()
                               if line.split(" =")[0] not in {x.split(" =")[0] for x in given.splitlines()}]
                              + [given])
              for name, given in (("defense", defense), ("agent", agent))}
    path.write_text(f'[defense]\n{tables["defense"]}\n[server]\n{server}\n'
                    f'[[agents]]\n{tables["agent"]}\n{extra}', encoding="utf-8")
    return path


def text_file(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# --- the four commands that read a trace, for every broken trace --------------------------

def _info(path: Path) -> list[str]:
    return ["traces", "info", str(path)]


def _summary(path: Path) -> list[str]:
    good_query_trace(path.parent)
    return ["traces", "summary", str(path.parent), "--format", "csv"]


def _table(path: Path) -> list[str]:
    good_query_trace(path.parent)
    return ["table", "--traces", str(path.parent), "--out", str(path.parent / "t.md")]


def _simulate(path: Path) -> list[str]:
    folder = path.parent
    good_query_trace(folder)
    (folder / "s.toml").write_text(
        '[defense]\npolicy = "paper"\nreference = "synth-standard.parquet"\n'
        f'reference_hash_rate = 1.0e6\n[[agents]]\nkind = "attacker"\ntrace = "{path.name}"\n')
    return ["simulate", str(folder / "s.toml"), "--out", str(folder / "out")]


READERS = {"info": _info, "summary": _summary, "table": _table, "simulate": _simulate}

BAD_METADATA: dict[str, tuple[Callable[[dict], object], tuple[str, ...]]] = {
    "checkpoints-number": (lambda r: {**r, "checkpoints": 5}, ("'checkpoints'", "a list")),
    "checkpoints-string": (lambda r: {**r, "checkpoints": "all"}, ("'checkpoints'",)),
    "checkpoint-number": (lambda r: {**r, "checkpoints": [5]}, ("'checkpoints[0]'",)),
    "checkpoint-no-queries": (lambda r: {**r, "checkpoints": [{"accuracy": 90}]},
                              ("'checkpoints[0]'", "'queries'")),
    "checkpoint-queries-text": (lambda r: {**r, "checkpoints": [{"queries": "ten"}]},
                                ("'checkpoints[0].queries'",)),
    "checkpoint-queries-negative": (lambda r: {**r, "checkpoints": [{"queries": -1}]},
                                    ("'checkpoints[0].queries'",)),
    "checkpoint-accuracy-500": (lambda r: {**r, "checkpoints": [{"queries": 1, "accuracy": 500}]},
                                ("'checkpoints[0].accuracy'", "percentage")),
    "checkpoint-unknown-key": (lambda r: {**r, "checkpoints": [{"queries": 1, "speed": 2}]},
                               ("'checkpoints[0].speed'",)),
    "seconds-list": (lambda r: {**r, "seconds_per_batch": [1.0]}, ("'seconds_per_batch'",)),
    "seconds-string": (lambda r: {**r, "seconds_per_batch": "fast"}, ("'seconds_per_batch'",)),
    "seconds-value-text": (lambda r: {**r, "seconds_per_batch": {"inference": "x"}},
                           ("'seconds_per_batch.inference'",)),
    "seconds-negative": (lambda r: {**r, "seconds_per_batch": {"inference": -1}},
                         ("'seconds_per_batch.inference'",)),
    "teachers-fraction": (lambda r: {**r, "teachers": 2.5}, ("'teachers'", "whole number")),
    "teachers-bool": (lambda r: {**r, "teachers": True}, ("'teachers'",)),
    "teachers-text": (lambda r: {**r, "teachers": "250"}, ("'teachers'",)),
    "classes-zero": (lambda r: {**r, "classes": 0}, ("'classes'",)),
    "classes-huge": (lambda r: {**r, "classes": 10**30}, ("'classes'",)),
    "sigma-text": (lambda r: {**r, "sigma": "x"}, ("'sigma'",)),
    "sigma-negative": (lambda r: {**r, "sigma": -1}, ("'sigma'", "positive")),
    "delta-two": (lambda r: {**r, "delta": 2.0}, ("'delta'", "0 < delta < 1")),
    "batch-size-negative": (lambda r: {**r, "batch_size": -1}, ("'batch_size'",)),
    "victim-accuracy-101": (lambda r: {**r, "victim_accuracy": 101}, ("'victim_accuracy'",)),
    "provenance-list": (lambda r: {**r, "provenance": []}, ("'provenance'",)),
    "extra-string": (lambda r: {**r, "extra": "x"}, ("'extra'",)),
    "kind-unknown": (lambda r: {**r, "kind": "table"}, ("'kind'",)),
    "dataset-empty": (lambda r: {**r, "dataset": ""}, ("'dataset'",)),
    "attack-number": (lambda r: {**r, "attack": 5}, ("'attack'",)),
    "schema-version-2": (lambda r: {**r, "schema_version": 2}, ("'schema_version'",)),
    "unknown-field": (lambda r: {**r, "colour": "red"}, ("unknown field 'colour'",)),
    "not-json": (lambda r: "{not json", ("not valid JSON",)),
    "not-utf8": (lambda r: b'{"kind": "query\xff"}', ("not UTF-8",)),
    "json-array": (lambda r: [r], ("JSON object",)),
}

BAD_COLUMNS: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], tuple[str, ...]]] = {
    "label-overflow": (lambda f: f.assign(label=np.int64(70_000)), ("'label'", "out of range")),
    "label-negative": (lambda f: f.assign(label=-1), ("'label'", ">= 0")),
    "batch-overflow": (lambda f: f.assign(batch=np.int64(2**40)), ("'batch'", "out of range")),
    "votes-negative": (lambda f: f.assign(votes=[[-1, 3]] * len(f)), ("'votes'", "out of range")),
    "votes-huge": (lambda f: f.assign(votes=[[10**6, 3]] * len(f)), ("'votes'", "out of range")),
    "query-repeated": (lambda f: f.assign(query=0), ("'query' row 1", "increasing")),
    "batch-decreasing": (lambda f: f.assign(batch=np.arange(len(f))[::-1]), ("'batch' row 1",)),
    "cost-nan": (lambda f: f.assign(cost=np.nan), ("'cost' row 0",)),
    "cost-inf": (lambda f: f.assign(cost=np.inf), ("'cost' row 0", "finite")),
    "cost-negative": (lambda f: f.assign(cost=-1.0), ("'cost' row 0", ">= 0")),
    "cost-text": (lambda f: f.assign(cost="x"), ("'cost'", "has type")),
    "cost-missing": (lambda f: f.drop(columns="cost"), ("missing column 'cost'",)),
    "no-rows": (lambda f: f.iloc[:0], ("no rows",)),
}


def _metadata_case(reader: str, name: str) -> Case:
    change, fragments = BAD_METADATA[name]
    return Case(f"{reader}-metadata-{name}",
                lambda folder: READERS[reader](with_metadata(folder, change)),
                ("bad.parquet", *fragments))


def _column_case(reader: str, name: str) -> Case:
    change, fragments = BAD_COLUMNS[name]
    return Case(f"{reader}-column-{name}",
                lambda folder: READERS[reader](with_columns(folder, change)),
                ("bad.parquet", *fragments))


def _truncated(folder: Path) -> Path:
    path = good_query_trace(folder, "bad.parquet", attack="bad")
    path.write_bytes(path.read_bytes()[:200])
    return path


def _file_case(reader: str, name: str, make: Callable[[Path], Path], fragments: tuple[str, ...]
               ) -> Case:
    return Case(f"{reader}-file-{name}", lambda folder: READERS[reader](make(folder)),
                ("bad.parquet", *fragments))


FILE_PROBLEMS = {
    "truncated": (_truncated, ("not a readable parquet file",)),
    "csv-as-parquet": (lambda f: text_file(f, "bad.parquet", "a,b\n1,2\n"), ("not a readable parquet",)),
    "no-metadata": (lambda f: (pq.write_table(pa.table({"cost": [1.0]}), f / "bad.parquet"),
                               f / "bad.parquet")[1], ("no 'powsim' metadata",)),
}

TRACE_CASES = (
    [_metadata_case(r, n) for r in READERS for n in BAD_METADATA]
    + [_column_case(r, n) for r in ("info", "table") for n in BAD_COLUMNS]
    + [_file_case(r, n, *FILE_PROBLEMS[n]) for r in ("info", "table") for n in FILE_PROBLEMS]
)


# --- CSV inputs ---------------------------------------------------------------------------

ATTACK = "time (sec),mode,accuracy,diff queries,privacy cost\n"


def _curve_csv(content: str | bytes, dataset: str = "toy") -> Build:
    def build(folder: Path) -> list[str]:
        path = text_file(folder, "curve.csv", content)
        return ["traces", "import-curve", str(path), "--dataset", dataset, "--out", str(folder / "out")]
    return build


def _rows(mode: str = "standard") -> str:
    return f"0.2,{mode},10,0,0\n7.3,{mode},90,16,5\n"


CURVE_CASES = [
    Case("curve-duplicate-column", _curve_csv("time,privacy,queries,queries\n1,2,3,4\n"),
         ("curve.csv", "'queries' twice")),
    Case("curve-mode-escapes", _curve_csv(ATTACK + _rows("x/../../../escaped")),
         ("curve.csv", "field 'mode' row 0", "x/../../../escaped")),
    Case("curve-mode-dotdot", _curve_csv(ATTACK + _rows("..")), ("curve.csv", "field 'mode'")),
    Case("curve-mode-empty", _curve_csv(ATTACK + _rows("")), ("curve.csv", "field 'mode'")),
    Case("curve-mode-hidden", _curve_csv(ATTACK + _rows(".hidden")), ("curve.csv", "field 'mode'")),
    Case("curve-modes-collide", _curve_csv(ATTACK + _rows("data free") + _rows("Data-Free")),
         ("curve.csv", "both become 'data-free'")),
    Case("curve-dataset-escapes", _curve_csv(ATTACK + _rows(), "../../esc"), ("--dataset", "../../esc")),
    Case("curve-dataset-empty", _curve_csv(ATTACK + _rows(), ""), ("--dataset",)),
    Case("curve-dataset-slash", _curve_csv(ATTACK + _rows(), "a/b"), ("--dataset",)),
    Case("curve-not-utf8", _curve_csv(b"time,privacy,queries\n1,2,\xff\xfe\n"), ("curve.csv",)),
    Case("curve-cost-text", _curve_csv(ATTACK + "0.2,s,10,0,0\n7.3,s,90,16,abc\n"),
         ("curve.csv", "'privacy cost' row 1")),
    Case("curve-batches-negative", _curve_csv(ATTACK + "0.2,s,10,0,0\n7.3,s,90,-16,5\n"),
         ("curve.csv", "'diff queries' row 1")),
    Case("curve-cost-decreasing", _curve_csv("time,privacy,queries\n1,2,1000\n2,1,2000\n"),
         ("curve.csv", "'privacy' row 1", "non-decreasing")),
    Case("curve-missing-file", lambda f: ["traces", "import-curve", str(f / "absent.csv"),
                                          "--dataset", "x", "--out", str(f / "out")],
         ("absent.csv", "no such")),
]


def _votes(content: str | bytes, *options: str) -> Build:
    def build(folder: Path) -> list[str]:
        path = text_file(folder, "votes.csv", content)
        given = dict(zip(options[::2], options[1::2]))
        settings = {"--sigma": "10", "--delta": "1e-5", **given}
        return ["pate-cost", str(path), *[f"{key}={value}" for key, value in settings.items()],
                "--out", str(folder / "costs.csv")]
    return build


VOTES = "cat,dog,cow\n200,30,20\n100,100,50\n"
VOTE_CASES = [
    Case("votes-no-header", _votes("200,30,20\n100,100,50\n"), ("votes.csv", "header", "numbers")),
    Case("votes-id-column", _votes("id,cat,dog\n0,200,50\n1,100,150\n"), ("votes.csv", "'id'")),
    Case("votes-query-column", _votes("query,cat,dog\n0,200,50\n"), ("votes.csv", "'query'")),
    Case("votes-index-column", _votes(",cat,dog\n0,200,50\n"), ("votes.csv", "query id")),
    Case("votes-duplicate-column", _votes("cat,cat\n1,2\n"), ("votes.csv", "'cat' twice")),
    Case("votes-huge", _votes("cat,dog\n1e30,2\n"), ("votes.csv", "field 'cat' row 0", "vote count")),
    Case("votes-negative", _votes("cat,dog\n-1,2\n"), ("votes.csv", "field 'cat' row 0")),
    Case("votes-fraction", _votes("cat,dog\n1.5,2\n"), ("votes.csv", "field 'cat' row 0")),
    Case("votes-text", _votes("cat,dog\nmany,2\n"), ("votes.csv", "field 'cat' row 0")),
    Case("votes-nan", _votes("cat,dog\nnan,2\n"), ("votes.csv", "field 'cat' row 0")),
    Case("votes-one-column", _votes("cat\n1\n"), ("votes.csv", "1 column")),
    Case("votes-empty", _votes(""), ("votes.csv", "no rows")),
    Case("votes-header-only", _votes("cat,dog\n"), ("votes.csv", "no rows")),
    Case("votes-binary", _votes(b"\x00\xff\xfe garbage"), ("votes.csv",)),
    Case("votes-output-column", _votes("cat,eps\n1,2\n"), ("votes.csv", "'eps'")),
    Case("votes-missing", lambda f: ["pate-cost", str(f / "absent.csv"), "--sigma", "1",
                                     "--delta", "1e-5"], ("absent.csv", "no such")),
] + [
    Case(f"votes-{option[2:]}-{value}", _votes(VOTES, option, value), (option, repr(value)))
    for option, values in (("--sigma", ("inf", "1e-300", "nan", "0", "-1", "1e300", "x")),
                           ("--delta", ("0", "1", "nan", "-1e-5", "2", "x")))
    for value in values
]


def _import(content: str | bytes, *options: str, name: str = "mine.csv") -> Build:
    def build(folder: Path) -> list[str]:
        path = text_file(folder, name, content)
        given = dict(zip(options[::2], options[1::2]))
        settings = {"--dataset": "toy", "--attack": "mine", "--out": str(folder / "t.parquet"),
                    **given}
        return ["traces", "import", str(path), *[f"{k}={v}" for k, v in settings.items()]]
    return build


COSTS = "cost\n0.5\n0.25\n"
IMPORT_CASES = [
    Case("import-unknown-column", _import("cost,speed\n1,2\n"), ("mine.csv", "unknown column 'speed'")),
    Case("import-cost-and-eps", _import("cost,eps\n1,2\n"), ("mine.csv", "'cost' and 'eps'")),
    Case("import-cost-text", _import("cost\n0.5\nabc\n"), ("mine.csv", "field 'cost' row 1")),
    Case("import-cost-negative", _import("cost\n0.5\n-1\n"), ("mine.csv", "field 'cost' row 1", ">= 0")),
    Case("import-cost-inf", _import("cost\n0.5\ninf\n"), ("mine.csv", "field 'cost' row 1", "finite")),
    Case("import-batch-fraction", _import("cost,batch\n0.5,0.5\n"), ("mine.csv", "field 'batch' row 0")),
    Case("import-batch-decreasing", _import("cost,batch\n0.5,1\n0.5,0\n"), ("mine.csv", "'batch' row 1")),
    Case("import-label-overflow", _import("cost,label\n0.5,70000\n"), ("mine.csv", "'label'")),
    Case("import-accuracy-200", _import("cost,accuracy\n0.5,200\n"), ("mine.csv", "field 'accuracy' row 0")),
    Case("import-votes-without-sigma", _import(VOTES), ("mine.csv", "--sigma and --delta")),
    Case("import-votes-over-uint16", _import("a,b\n70000,1\n", "--sigma", "10", "--delta", "1e-5"),
         ("mine.csv", "65,535")),
    Case("import-votes-no-header", _import("3,4\n5,6\n", "--sigma", "10", "--delta", "1e-5"),
         ("mine.csv", "header")),
    Case("import-sigma-alone", _import(COSTS, "--sigma", "10"), ("--sigma", "--delta")),
    Case("import-inference-above-total", _import(COSTS, "--seconds-per-batch", "1",
                                                 "--inference-seconds-per-batch", "2"),
         ("--inference-seconds-per-batch",)),
    Case("import-dataset-escapes", _import(COSTS, "--dataset", "../x"), ("--dataset", "../x")),
    Case("import-attack-slash", _import(COSTS, "--attack", "a/b"), ("--attack", "a/b")),
    Case("import-wrong-suffix", _import(COSTS, name="mine.txt"), ("mine.txt", ".csv or .parquet")),
    Case("import-empty", _import(""), ("mine.csv", "no rows")),
    Case("import-parquet-garbage", _import("not parquet", name="mine.parquet"),
         ("mine.parquet", "not a readable parquet")),
    Case("import-seconds-negative", _import(COSTS, "--seconds-per-batch", "-1"), ("--seconds-per-batch",)),
    Case("import-queries-per-batch-zero", _import(COSTS, "--queries-per-batch", "0"),
         ("--queries-per-batch",)),
    Case("import-out-is-folder", _import(COSTS, "--out", "."), ("--out", "is a folder")),
]


# --- options ------------------------------------------------------------------------------

def _table_options(*options: str) -> Build:
    def build(folder: Path) -> list[str]:
        good_query_trace(folder)
        return ["table", "--traces", str(folder), "--out", str(folder / "t.md"), *options]
    return build


TABLE_OPTION_CASES = [
    Case("-".join(["table", option[2:], value, *extra]).replace("--", "-"),
         _table_options(option, value, *extra), (option,))
    for option, value, extra in [
        ("--seed", "-1", ("--mode", "sampled")), ("--seed", "x", ()), ("--seed", "1e3", ()),
        ("--seed", str(2**64), ()),
        ("--reference-hash-rate", "-1", ("--mode", "expected")), ("--reference-hash-rate", "0", ()),
        ("--reference-hash-rate", "nan", ()), ("--reference-hash-rate", "inf", ()),
        ("--reference-hash-rate", "1e16", ()),
        ("--policy", "bogus", ()), ("--policy", "bogus", ("--mode", "expected")),
        ("--a", "0.5", ()), ("--a", "0", ()), ("--a", "inf", ()), ("--a", "nan", ()),
        ("--a", "many", ()),
        ("--replications", "0", ("--mode", "sampled")), ("--replications", "1000000000", ()),
        ("--replications", "2.5", ()),
        ("--hardware", "bogus", ()), ("--format", "xml", ()), ("--mode", "fast", ()),
        ("--colour", "red", ()),
    ]
] + [
    Case("table-curve-not-paper", _table_options("--curve", "--mode", "expected"), ("--curve",)),
    Case("table-dataset-absent", _table_options("--dataset", "../x"), ("dataset '../x'",)),
    Case("table-traces-missing", lambda f: ["table", "--traces", str(f / "none")], ("--traces",)),
    Case("table-traces-is-file", lambda f: ["table", "--traces", str(good_query_trace(f))],
         ("--traces",)),
    Case("table-no-reference", lambda f: ["table", "--traces", str(
        good_query_trace(f, "a.parquet", attack="copycat").parent)], ("no legitimate reference",)),
    Case("table-untimed-trace", lambda f: _table(with_metadata(
        f, lambda r: {**r, "seconds_per_batch": {}})),
         ("bad.parquet", "'seconds_per_batch.inference_and_cost' is missing")),
]


def _simulate_options(*options: str, **fields: str) -> Build:
    def build(folder: Path) -> list[str]:
        path = scenario(folder, **fields)
        return ["simulate", str(path), "--out", str(folder / "out"), *options]
    return build


SIMULATE_OPTION_CASES = [
    Case(f"simulate-{option[2:]}-{value}", _simulate_options(option, value), (option,))
    for option, value in [("--seed", "-1"), ("--seed", "x"), ("--replications", "0"),
                          ("--replications", "99999999"), ("--mode", "paper"), ("--hash", "fake")]
]

SCENARIO_FIELDS = [
    # (id, {table: line}, fragments)
    ("start-huge", {"agent": "start_s = 1e308"}, ("start_s", "<= 1,000,000,000")),
    ("rate-tiny", {"agent": "arrival_rate_hz = 5e-324"}, ("arrival_rate_hz",)),
    ("rate-zero", {"agent": "arrival_rate_hz = 0.0"}, ("arrival_rate_hz",)),
    ("count-billion", {"agent": "count = 1000000000"}, ("count", "<= 100,000")),
    ("count-float", {"agent": "count = 1e9"}, ("count", "whole number")),
    ("count-zero", {"agent": "count = 0"}, ("count",)),
    ("solvers-million", {"agent": "solvers = 1000000"}, ("solvers", "<= 1,024")),
    ("think-inf", {"agent": "think_s = inf"}, ("think_s", "finite")),
    ("think-negative", {"agent": "think_s = -1.0"}, ("think_s",)),
    ("think-text", {"agent": 'think_s = "5"'}, ("think_s",)),
    ("hardware-unknown", {"agent": 'hardware = "abacus"'}, ("hardware",)),
    ("name-slash", {"agent": 'name = "a/b"'}, ("name",)),
    ("unknown-agent-key", {"agent": "speed = 3"}, ("unknown key 'speed'",)),
    ("trace-missing", {"extra": '[[agents]]\nkind = "legit"\ntrace = "absent.parquet"'},
     ("trace", "absent.parquet")),
    ("kind-unknown", {"extra": '[[agents]]\nkind = "wizard"\ntrace = "synth-attack.parquet"'},
     ("kind",)),
    ("name-twice", {"extra": '[[agents]]\nkind = "attacker"\nname = "x"\ntrace = "synth-attack.parquet"'},
     ("name 'x' is used twice",)),
    ("members-over-bound", {"extra": '[[agents]]\nkind = "legit"\ncount = 60000\n'
                                     'trace = "synth-standard.parquet"\n[[agents]]\nkind = "legit"\n'
                                     'name = "more"\ncount = 60000\ntrace = "synth-standard.parquet"'},
     ("[[agents]]", "at most 100,000")),
    ("a-below-one", {"defense": "a = 0.5"}, ("a",)),
    ("a-text", {"defense": 'a = "big"'}, ("a",)),
    ("a-nan", {"defense": "a = nan"}, ("a", "finite")),
    ("reference-rate-zero", {"defense": "reference_hash_rate = 0.0"}, ("reference_hash_rate",)),
    ("queries-per-puzzle-zero", {"defense": "queries_per_puzzle = 0"}, ("queries_per_puzzle",)),
    ("queries-per-puzzle-million", {"defense": "queries_per_puzzle = 2000000"},
     ("queries_per_puzzle", "<= 1,000,000")),
    ("sub-solutions-billion", {"defense": "sub_solutions = 1000000000"}, ("sub_solutions", "<= 64")),
    ("max-bits-99", {"defense": "max_bits = 99"}, ("max_bits",)),
    ("policy-unknown", {"defense": 'policy = "fair"'}, ("policy",)),
    ("link-without-group", {"defense": "link_probability = 0.5"}, ("link_probability",)),
    ("min-above-max", {"defense": "min_s = 10.0\nmax_s = 1.0"}, ("min_s",)),
    ("unknown-defense-key", {"defense": "speed = 3"}, ("unknown key 'speed'",)),
    ("workers-billion", {"server": "workers = 1000000000"}, ("workers", "<= 10,000")),
    ("verify-inf", {"server": "verify_s = inf"}, ("verify_s",)),
    ("service-unknown", {"server": 'service = "magic"'}, ("service",)),
]

SCENARIO_CASES = [
    Case(f"scenario-{name}", _simulate_options(**fields), ("scenario.toml", *fragments))
    for name, fields, fragments in SCENARIO_FIELDS
] + [
    Case("scenario-not-toml", lambda f: ["simulate", str(text_file(f, "s.toml", "[[[")),
                                         "--out", str(f / "out")], ("s.toml", "not a valid TOML")),
    Case("scenario-not-utf8", lambda f: ["simulate", str(text_file(f, "s.toml", b"a = '\xff'")),
                                         "--out", str(f / "out")], ("s.toml",)),
    Case("scenario-missing", lambda f: ["simulate", str(f / "absent.toml"), "--out", str(f / "o")],
         ("absent.toml", "no such")),
    Case("scenario-no-agents", lambda f: ["simulate", str(text_file(
        f, "s.toml", '[defense]\npolicy = "paper"\nreference = "r.parquet"\n'
                     'reference_hash_rate = 1.0\n')), "--out", str(f / "out")], ("s.toml",)),
]


# --- output locations ---------------------------------------------------------------------

def _blocker(folder: Path) -> Path:
    return text_file(folder, "blocker", "a file, not a folder\n")


def _out_case(name: str, command: Callable[[Path, str], list[str]], where: Callable[[Path], str],
              fragments: tuple[str, ...]) -> Case:
    return Case(f"out-{name}", lambda folder: command(folder, where(folder)), ("--out", *fragments))


def _table_to(folder: Path, out: str) -> list[str]:
    good_query_trace(folder)
    return ["table", "--traces", str(folder), "--out", out]


def _simulate_to(folder: Path, out: str) -> list[str]:
    return ["simulate", str(scenario(folder)), "--out", out]


def _curve_to(folder: Path, out: str) -> list[str]:
    return _curve_csv(ATTACK + _rows())(folder)[:-1] + [out]


def _votes_to(folder: Path, out: str) -> list[str]:
    return _votes(VOTES)(folder)[:-1] + [out]


def _validate_to(folder: Path, out: str) -> list[str]:
    return ["hashcash", "validate", "--bits", "4", "--samples", "5", "--out", out]


def _summary_folder_is_dir(folder: Path) -> str:
    (folder / "out" / "summary.csv").mkdir(parents=True)
    return str(folder / "out")


def _sidecar_is_dir(folder: Path) -> str:
    (folder / "t.md.provenance.json").mkdir()
    return str(folder / "t.md")


OUT_CASES = [
    _out_case(f"{name}-{problem}", command, where, fragments)
    for name, command, kind in [("table", _table_to, "file"), ("votes", _votes_to, "file"),
                                ("simulate", _simulate_to, "folder"), ("curve", _curve_to, "folder"),
                                ("validate", _validate_to, "folder")]
    for problem, where, fragments in (
        [("is-folder", lambda f: str(f), ("is a folder",))] if kind == "file" else
        [("is-file", lambda f: str(_blocker(f)), ("is a file",))]) + [
        ("under-a-file", lambda f: str(_blocker(f) / "x" / "y"), ("blocker is a file",))]
] + [
    Case("out-simulate-summary-is-folder", lambda f: _simulate_to(f, _summary_folder_is_dir(f)),
         ("--out", "summary.csv is a folder")),
    Case("out-table-sidecar-is-folder", lambda f: _table_to(f, _sidecar_is_dir(f)),
         ("--out", "provenance.json is a folder")),
]


# --- hashcash and generate ----------------------------------------------------------------

OPTION_ONLY_CASES = [
    Case(f"{'-'.join(argv[:2])}-{argv[-2][2:]}-{argv[-1]}", lambda f, argv=argv: list(argv), (argv[-2],))
    for argv in [
        ("hashcash", "bench", "--workers", "100000"), ("hashcash", "bench", "--workers", "0"),
        ("hashcash", "bench", "--seconds", "100000"), ("hashcash", "bench", "--seconds", "x"),
        ("hashcash", "validate", "--bits", "1:40"), ("hashcash", "validate", "--bits", "9:3"),
        ("hashcash", "validate", "--samples", "1000000000"), ("hashcash", "validate", "--seed", "-1"),
        ("traces", "generate", "--queries", "0"), ("traces", "generate", "--seed", "-1"),
        ("traces", "generate", "--sigma", "inf"), ("traces", "generate", "--delta", "1"),
        ("traces", "generate", "--teachers", "0"), ("traces", "generate", "--pool-size", "10000000"),
        ("traces", "summary", "--format", "xml"),
    ]
] + [Case("unknown-command", lambda f: ["frobnicate"], ("invalid choice: 'frobnicate'",))]

CASES = (TRACE_CASES + CURVE_CASES + VOTE_CASES + IMPORT_CASES + TABLE_OPTION_CASES + SIMULATE_OPTION_CASES
         + SCENARIO_CASES + OUT_CASES + OPTION_ONLY_CASES)


def test_the_corpus_is_large_and_names_are_unique():
    assert len(CASES) >= 200
    assert len({case.id for case in CASES}) == len(CASES)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its size and modification time (ns)."""
    return {str(p.relative_to(folder)): (p.stat().st_size if p.is_file() else -1, p.stat().st_mtime_ns)
            for p in folder.rglob("*")}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(cli, tmp_path, case):
    argv = case.build(tmp_path)
    before = snapshot(tmp_path)
    assert_one_line_error(cli(*argv), *case.fragments)
    assert snapshot(tmp_path) == before


# --- valid controls and real processes ----------------------------------------------------

CONTROLS: list[tuple[str, Build]] = [
    ("info", lambda f: _info(good_query_trace(f))),
    ("summary", lambda f: _summary(good_query_trace(f, "b.parquet", attack="b"))),
    ("table", lambda f: _table(good_query_trace(f, "b.parquet", attack="b"))),
    ("simulate", lambda f: _simulate_options()(f)),
    ("import-curve", _curve_csv(ATTACK + _rows() + _rows("data free"))),
    ("pate-cost", _votes(VOTES)),
    ("import-costs", _import(COSTS + "0.125\n", "--seconds-per-batch", "0.1")),
    ("import-votes", _import(VOTES, "--sigma", "10", "--delta", "1e-5")),
]


@pytest.mark.parametrize("name, build", CONTROLS, ids=[name for name, _ in CONTROLS])
def test_valid_controls_exit_0(cli, tmp_path, name, build):
    result = cli(*build(tmp_path))
    assert result.code == 0, result.err
    assert result.err == ""


def _process(argv: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run([sys.executable, "-m", "powsim.cli", *argv], capture_output=True,
                          text=True, check=False, env=env, **options)


@pytest.mark.parametrize("case", [c for c in CASES if c.id in {
    "info-metadata-checkpoints-number", "curve-mode-escapes", "votes-no-header",
    "scenario-rate-tiny", "out-simulate-under-a-file", "table-seed--1-mode-sampled"}], ids=lambda c: c.id)
def test_a_sample_as_real_processes(tmp_path, case):
    argv = case.build(tmp_path)
    before = snapshot(tmp_path)
    process = _process(argv)
    assert process.returncode == 2 and process.stdout == ""
    assert len(process.stderr.splitlines()) == 1 and "Traceback" not in process.stderr
    assert all(fragment in process.stderr for fragment in case.fragments)
    assert snapshot(tmp_path) == before


def test_no_command_prints_usage_on_stderr_and_exits_2():
    process = _process([])
    assert process.returncode == 2 and process.stdout == ""
    assert "usage: powsim" in process.stderr and "a command is required" in process.stderr


def test_a_closed_pipe_ends_quietly(tmp_path):
    trace = good_query_trace(tmp_path)
    process = subprocess.run(f"'{sys.executable}' -m powsim.cli traces info '{trace}' | head -1",
                             shell=True, capture_output=True, text=True, check=False)
    assert process.stderr == "" and process.stdout.count("\n") == 1


def test_version_and_error_prefix(cli):
    version = _process(["--version"])
    assert version.returncode == 0 and version.stdout.startswith("powsim ")
    error = cli("table", "--traces", ".", "--a", "x").err
    assert error.startswith("powsim: error: argument --a:") and error.count("powsim") == 2
