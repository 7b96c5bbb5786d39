"""Same outputs before and after a refactor: run every example and ``powsim table`` in every
mode, capture stdout, stderr, exit codes and written files, and compare two captures.

    python benchmarks/same_outputs.py capture /tmp/before      # on the old tree
    python benchmarks/same_outputs.py capture /tmp/after       # on the new tree
    python benchmarks/same_outputs.py compare /tmp/before /tmp/after
    python benchmarks/same_outputs.py capture /tmp/load --only 'tor-|botnet|capacity'  # some


Everything is compared byte for byte except the provenance's ``created`` time (UTC, to the
second) and the capture's own folder (outputs name where they were written), which are
masked in text and in parquet metadata; parquet files are compared as
their tables plus their masked key-value metadata. Exit 0 when identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
PAPER_MNIST = REPO.parent / "shared" / "reference" / "paper-mnist"
POWSIM = [str(Path(sys.executable).parent / "powsim")]
CREATED = re.compile(r'"created": ?"[^"]*"')


def commands(out: Path) -> dict[str, list[str]]:
    """Name -> powsim arguments; file outputs go under ``out``."""
    runs: dict[str, list[str]] = {"help": ["--help"]}
    for group in ("traces", "hashcash"):
        runs[f"help-{group}"] = [group, "--help"]
    for name in ("table", "simulate", "pate-cost", "traces import-curve", "traces summary",
                 "traces info", "traces generate", "hashcash bench", "hashcash validate"):
        runs[f"help-{name.replace(' ', '-')}"] = [*name.split(), "--help"]
    for example in sorted((REPO / "examples").glob("*.toml")):
        for mode, extra in (("expected", []), ("sampled", ["--replications", "2", "--seed", "3"])):
            runs[f"simulate-{example.stem}-{mode}"] = [
                "simulate", f"examples/{example.name}", "--out", str(out / f"sim-{example.stem}-{mode}"),
                "--mode", mode, *extra]
    runs["simulate-quickstart-real"] = [
        "simulate", "examples/quickstart.toml", "--out", str(out / "sim-real"), "--mode", "sampled",
        "--hash", "real"]
    for mode in ("paper", "expected", "sampled"):
        for policy in ("paper", "one-sided", "rdp"):
            if mode == "paper" and policy != "paper":
                continue
            for fmt in ("md", "csv", "json"):
                runs[f"table-bundled-{mode}-{policy}-{fmt}"] = [
                    "table", "--traces", "traces/bundled", "--mode", mode, "--policy", policy,
                    "--format", fmt, "--replications", "3", "--out",
                    str(out / f"table-{mode}-{policy}.{fmt}")]
    runs["table-bundled-paper-curve"] = ["table", "--traces", "traces/bundled", "--curve"]
    runs["table-bundled-a"] = ["table", "--traces", "traces/bundled", "--a", "1.01",
                               "--mode", "expected", "--hardware", "gpu"]
    if PAPER_MNIST.is_dir():
        curves = out / "curves"
        runs["import-attack"] = ["traces", "import-curve", str(PAPER_MNIST / "model_extraction_attack_accuracy_mnist.csv"),
                                 "--dataset", "mnist", "--out", str(curves)]
        runs["import-reference"] = ["traces", "import-curve", str(PAPER_MNIST / "time_privacy_cost_mnist.csv"),
                                    "--dataset", "mnist", "--out", str(curves)]
        for mode in ("paper", "expected", "sampled"):
            runs[f"table-mnist-{mode}"] = ["table", "--traces", str(curves), "--mode", mode,
                                           "--dataset", "mnist", "--replications", "3"]
        runs["table-mnist-paper-curve"] = ["table", "--traces", str(curves), "--curve", "--format", "csv"]
    runs["summary"] = ["traces", "summary", "traces/bundled", "--format", "csv"]
    runs["info"] = ["traces", "info", "traces/bundled/fmnist-standard.parquet"]
    # One-line errors are outputs too: the library's parameter, the CLI's option.
    bad = {
        "bad-a": ["table", "--traces", "traces/bundled", "--a", "-1"],
        "bad-curve": ["table", "--traces", "traces/bundled", "--mode", "expected", "--curve"],
        "bad-policy": ["table", "--traces", "traces/bundled", "--mode", "expected", "--policy", "x"],
        "bad-replications": ["table", "--traces", "traces/bundled", "--mode", "sampled",
                             "--replications", "0"],
        "bad-sim-replications": ["simulate", "examples/quickstart.toml", "--out", str(out / "x"),
                                 "--mode", "sampled", "--replications", "0"],
        "bad-hash-mode": ["simulate", "examples/quickstart.toml", "--out", str(out / "x"), "--hash", "real"],
        "bad-bits": ["hashcash", "validate", "--bits", "40"],
        "bad-samples": ["hashcash", "validate", "--samples", "1"],
        "bad-option": ["table", "--nope"],
    }
    return {**runs, **bad}


def capture(out: Path, only: str = "") -> None:
    """Run every command (those whose name matches the regular expression ``only``) from the
    repository root; store NAME.out/.err/.rc and the files."""
    out.mkdir(parents=True, exist_ok=False)
    for name, args in commands(out / "files").items():
        if not re.search(only, name):
            continue
        result = subprocess.run([*POWSIM, *args], cwd=REPO, capture_output=True, text=True)
        (out / f"{name}.out").write_text(result.stdout)
        (out / f"{name}.err").write_text(result.stderr)
        (out / f"{name}.rc").write_text(f"{result.returncode}\n")
        print(f"{name}: exit {result.returncode}", flush=True)


def _masked(root: Path, path: Path) -> object:
    """``root / path`` with its provenance time and its own capture folder masked."""
    def mask(text: str) -> str:
        return CREATED.sub('"created": -', text.replace(str(root), "<capture>"))

    if path.suffix == ".parquet":
        table = pq.read_table(root / path)
        metadata = {k: mask(v.decode()) for k, v in (table.schema.metadata or {}).items()
                    if k != b"pandas"}
        return table.replace_schema_metadata({}), metadata
    try:
        return mask((root / path).read_text())
    except UnicodeDecodeError:  # a chart (PNG): its bytes
        return (root / path).read_bytes()


def compare(before: Path, after: Path) -> int:
    """Print every difference between two captures; 0 when there is none."""
    def files(root: Path) -> set[Path]:
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}

    differ = sorted(files(before) ^ files(after))
    for path in differ:
        print(f"only in one capture: {path}")
    for path in sorted(files(before) & files(after)):
        a, b = _masked(before, path), _masked(after, path)
        same = a[0].equals(b[0]) and a[1] == b[1] if isinstance(a, tuple) else a == b
        if not same:
            differ.append(path)
            print(f"differs: {path}")
    print(f"{len(files(before))} files compared, {len(differ)} differ")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    take = sub.add_parser("capture")
    take.add_argument("out", type=Path)
    take.add_argument("--only", default="", help="capture only commands whose name matches this regex")
    both = sub.add_parser("compare")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.action == "capture":
        capture(args.out, args.only)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
