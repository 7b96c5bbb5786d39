"""``make mutate``: mutation testing of the modules that compute results, with mutmut 3.

mutmut changes one thing at a time in those modules (an operator, a constant, a dropped
argument: a "mutant") and runs the tests that exercise the changed function; a mutant is
*killed* when a test fails, *survived* when every test still passes. The kill rate per
module is the share of its mutants the suite catches.

The repository root is the package (``package-dir = {"powsim" = "."}``), but mutmut names
a mutant after its file's path and imports the mutated copy from ``mutants/``; so this
script stages the package as ``.mutate/powsim/`` beside a copy of ``tests/`` and of
``pyproject.toml`` (which holds the ``[tool.mutmut]`` settings: modules and tests), links
``.mutate/shared`` to the design folder the tests read (``../shared``) and the data folders
they read beside ``tests/`` (bundled traces, the pool, the examples), and runs mutmut there. Everything it writes is under ``.mutate/`` (git-ignored), rebuilt on every run.

Usage: ``python tools/mutate.py [--max-children N]`` (``make mutate`` installs mutmut).
Prints, per module: mutants, killed, survived (including "no tests"), kill rate; then
every survivor with its diff. Exit status 0 whatever the rate: reading it is the point.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / ".mutate"
MUTMUT = Path(sys.executable).with_name("mutmut")
SKIP = shutil.ignore_patterns(".git", ".venv", ".mutate", "mutants", "results", "__pycache__",
                              "*.egg-info", ".pytest_cache", ".hypothesis", "tests")
# "key: status" lines of `mutmut results --all true`; the module is the key up to its
# mangled function name (x_NAME for a function, xǁCLASSǁNAME for a method).
RESULT = re.compile(r"^\s*(?P<module>[\w.]+?)\.x[_ǁ]\S*: (?P<status>.+)$")


def stage() -> None:
    """Lay out .mutate/ as mutmut expects a package: powsim/, tests/, pyproject.toml."""
    shutil.rmtree(STAGE, ignore_errors=True)
    shutil.copytree(ROOT, STAGE / "powsim", ignore=SKIP)
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", STAGE / "pyproject.toml")
    # Tests find the shared design folder beside the checkout: from .mutate/mutants/tests
    # that is .mutate/shared.
    (STAGE / "shared").symlink_to(ROOT.parent / "shared", target_is_directory=True)
    # The data some tests read beside tests/ (bundled traces, the pool, the examples), which
    # mutmut copies into mutants/ as the also_copy setting says.
    (STAGE / "traces").mkdir()
    for data in ("traces/bundled", "traces/pools", "examples"):
        (STAGE / data).symlink_to(ROOT / data, target_is_directory=True)


def mutmut(*args: str, capture: bool = False) -> str:
    """Run ``mutmut ARGS`` in the stage; its stdout when ``capture``. Stops on failure."""
    result = subprocess.run([str(MUTMUT), *args], cwd=STAGE, text=True, capture_output=capture)
    if result.returncode != 0:
        sys.exit(f"mutmut {' '.join(args)} failed (exit {result.returncode}):\n"
                 f"{(result.stdout or '')[-3000:]}{result.stderr or ''}")
    return result.stdout if capture else ""


def report(elapsed_s: float) -> None:
    """Kill rate per module, then each survivor's name and diff."""
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[tuple[str, str]] = []
    for line in mutmut("results", "--all", "true", capture=True).splitlines():
        match = RESULT.match(line)
        if not match:
            continue
        module, status = match["module"], match["status"]
        statuses[module][status] += 1
        if status not in ("killed", "timeout"):
            survivors.append((line.split(":")[0].strip(), status))
    print(f"\nmutation testing took {elapsed_s / 60:.1f} min\n")
    print(f"{'module':34} {'mutants':>7} {'killed':>7} {'alive':>6} {'kill rate':>9}")
    total = Counter()
    for module in sorted(statuses):
        counts = statuses[module]
        killed = counts["killed"] + counts["timeout"]
        mutants = sum(counts.values())
        total.update(mutants=mutants, killed=killed)
        print(f"{module:34} {mutants:7} {killed:7} {mutants - killed:6} {killed / mutants:9.1%}")
    if total["mutants"]:
        print(f"{'all':34} {total['mutants']:7} {total['killed']:7} "
              f"{total['mutants'] - total['killed']:6} {total['killed'] / total['mutants']:9.1%}")
    print(f"\n{len(survivors)} survivors (name: status, then the change that no test noticed):")
    for name, status in survivors:
        diff = mutmut("show", name, capture=True)
        changed = [line for line in diff.splitlines()
                   if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        print(f"\n{name}: {status}")
        print("\n".join(f"    {line}" for line in changed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutant runs (default 2)")
    args = parser.parse_args()
    stage()
    start = time.monotonic()
    # mutmut redraws a progress line with carriage returns: keep it in a log, show the end.
    log = mutmut("run", "--max-children", str(args.max_children), capture=True)
    (STAGE / "mutmut-run.log").write_text(log)
    print(log.replace("\r", "\n").strip().splitlines()[-1])
    report(time.monotonic() - start)


if __name__ == "__main__":
    main()
